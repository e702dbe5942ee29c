import assert from "node:assert/strict";
import { runCli, seededProject } from "./_fixture.ts";

Deno.test("main() deletes only unreferenced objects when running gc", async () => {
  await using fx = await seededProject();
  const dry = await runCli(["gc", "--dry-run"], fx.dir);
  assert.equal(dry.code, 0);
  assert.equal(dry.stdout, "Would delete 2 objects (78.2 KiB)\n");
  {
    using store = fx.open();
    assert.equal(store.objects.has(fx.refs["orphan-large"]), true);
  }
  const r = await runCli(["gc"], fx.dir);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "Deleted 2 objects (78.2 KiB)\n");
  using store = fx.open();
  for (const [label, ref] of Object.entries(fx.refs)) {
    assert.equal(store.objects.has(ref), !label.startsWith("orphan"), label);
  }
  assert.throws(() => Deno.statSync(store.objects.pathOf(fx.refs["orphan-large"])));
});

Deno.test("main() frees the objects of removed calls when running gc after rm", async () => {
  await using fx = await seededProject();
  assert.equal((await runCli(["rm", fx.keys["score-1"]], fx.dir)).code, 0);
  const r = await runCli(["gc", "--json"], fx.dir);
  assert.equal(r.code, 0);
  const json = JSON.parse(r.stdout);
  assert.equal(json.dryRun, false);
  assert.equal(json.objects, 4);
  assert.equal((await runCli(["gc"], fx.dir)).stdout, "Deleted 0 objects (0 B)\n");
});
