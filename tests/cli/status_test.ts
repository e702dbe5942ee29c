import assert from "node:assert/strict";
import { assertGolden } from "./_golden.ts";
import { runCli, seededProject } from "./_fixture.ts";

Deno.test("main() prints counts by step and state when running status", async () => {
  await using fx = await seededProject();
  const r = await runCli(["status"], fx.dir);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  await assertGolden("status", r.stdout);
});

Deno.test("main() prints parseable counts when running status --json", async () => {
  await using fx = await seededProject();
  const r = await runCli(["status", "--json"], fx.dir);
  assert.equal(r.code, 0);
  const json = JSON.parse(r.stdout);
  assert.equal(json.store, "<TMP>/.drover");
  assert.deepEqual(json.steps, [
    { step: "relax", done: 4, failed: 1, running: 0, total: 5 },
    { step: "score", done: 1, failed: 0, running: 1, total: 2 },
  ]);
  assert.deepEqual(json.total, { step: "total", done: 5, failed: 1, running: 1, total: 7 });
});

Deno.test("main() finds the store from a subdirectory, --project and DROVER_PROJECT", async () => {
  await using fx = await seededProject();
  await Deno.mkdir(`${fx.dir}/a/b`, { recursive: true });
  const fromSub = await runCli(["status", "--json"], `${fx.dir}/a/b`);
  assert.equal(fromSub.code, 0);
  const elsewhere = await Deno.makeTempDir();
  try {
    const byOption = await runCli(["--project", fx.dir, "status", "--json"], elsewhere);
    assert.equal(JSON.parse(byOption.stdout).total.total, 7);
    const byOptionAfter = await runCli(["status", "--json", "--project", fx.dir], elsewhere);
    assert.equal(JSON.parse(byOptionAfter.stdout).total.total, 7);
    const byEnv = await runCli(["status", "--json"], elsewhere, {
      env: { DROVER_PROJECT: `${fx.dir}/.drover` },
    });
    assert.equal(JSON.parse(byEnv.stdout).total.total, 7);
  } finally {
    await Deno.remove(elsewhere, { recursive: true });
  }
});
