import assert from "node:assert/strict";
import { NOW, runCli, seededProject } from "./_fixture.ts";

Deno.test("main() deletes only unreferenced objects when running gc", async () => {
  await using fx = await seededProject();
  const dry = await runCli(["gc", "--dry-run"], fx.dir);
  assert.equal(dry.code, 0);
  assert.equal(
    dry.stdout,
    "Would delete 2 objects (78.2 KiB)\n  kept: 11 objects still named, 0 objects stored less than 1h 00m ago\n",
  );
  {
    using store = fx.open();
    assert.equal(store.objects.has(fx.refs["orphan-large"]), true);
  }
  const refused = await runCli(["gc"], fx.dir);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^drover: Cannot delete 2 objects: not confirmed; pass --yes/);
  {
    using store = fx.open();
    assert.equal(store.objects.has(fx.refs["orphan-large"]), true, "refused: nothing deleted");
  }
  const r = await runCli(["gc", "--yes"], fx.dir);
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
  assert.equal((await runCli(["rm", fx.keys["score-1"], "--yes"], fx.dir)).code, 0);
  const r = await runCli(["gc", "--json", "--yes"], fx.dir);
  assert.equal(r.code, 0);
  const json = JSON.parse(r.stdout);
  assert.equal(json.dryRun, false);
  assert.equal(json.objects, 4);
  assert.equal((await runCli(["gc"], fx.dir)).stdout, "Deleted 0 objects (0 B)\n");
});

Deno.test("main() keeps objects named by jobs and objects newer than an hour when running gc", async () => {
  await using fx = await seededProject();
  const spec = "b".repeat(64);
  const jobInput = "c".repeat(64);
  {
    using store = fx.open();
    const young = store.objects.put(new TextEncoder().encode("stored a minute ago"));
    store.db.prepare("UPDATE objects SET created_at = ? WHERE hash = ?").run(NOW - 60_000, young);
    for (const hash of [spec, jobInput]) {
      store.db.prepare("INSERT INTO objects (hash, size, data, created_at) VALUES (?, 1, x'00', 0)")
        .run(hash);
    }
    const id = store.jobs.createJob({
      name: "dr-keep-1",
      system: "here",
      step: "relax",
      size: 1,
      attempt: 1,
      spec: { bundle: spec, files: [] },
      dir: "/tmp/x/jobs/dr-keep-1",
      runId: null,
      createdAt: 0,
    }, [{ key: "k".repeat(64), element: 0, inputsRef: jobInput }]);
    assert.ok(id > 0);
  }
  const r = await runCli(["gc", "--yes", "--json"], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    dryRun: false,
    objects: 2,
    bytes: 80_037,
    kept: { referenced: 13, recent: 1 },
  });
  using store = fx.open();
  assert.equal(store.objects.has(spec), true, "named by a job spec");
  assert.equal(store.objects.has(jobInput), true, "named by a job call");
  assert.equal(store.objects.has(fx.refs["orphan-small"]), false);
});
