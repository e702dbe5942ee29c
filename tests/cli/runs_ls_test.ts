import assert from "node:assert/strict";
import { assertGolden } from "./_golden.ts";
import { runCli, seededProject } from "./_fixture.ts";

Deno.test("main() lists recent runs with relative scripts when running runs ls", async () => {
  await using fx = await seededProject();
  const r = await runCli(["runs", "ls"], fx.dir);
  assert.equal(r.code, 0);
  await assertGolden("runs_ls", r.stdout);
});

Deno.test("main() honours --days and prints parseable runs when running runs ls --json", async () => {
  await using fx = await seededProject();
  const week = JSON.parse((await runCli(["runs", "ls", "--json"], fx.dir)).stdout);
  assert.deepEqual(week.map((r: { id: number }) => r.id), [4, 1, 2, 3]);
  const month = JSON.parse((await runCli(["runs", "ls", "--days", "30", "--json"], fx.dir)).stdout);
  assert.equal(month.length, 5);
  const hour = await runCli(["runs", "ls", "--days", "0.05"], fx.dir);
  assert.equal(hour.stdout.trim().split("\n").length, 3);
  const bad = await runCli(["runs", "ls", "--days", "soon"], fx.dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^drover: .*positive number of days/);
});
