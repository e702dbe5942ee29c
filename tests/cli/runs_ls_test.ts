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

Deno.test("main() shows a run with its calls by step and state when running runs show", async () => {
  await using fx = await seededProject();
  const r = await runCli(["runs", "show", "1"], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  await assertGolden("runs_show", r.stdout);
  const failed = JSON.parse(
    (await runCli(["runs", "show", "1", "--state", "failed", "--json"], fx.dir)).stdout,
  );
  assert.deepEqual(failed.calls, { ran: 5, failed: 1, running: 1, cached: null });
  assert.deepEqual(failed.list.map((c: { key: string }) => c.key), [fx.keys.c]);
  const limited = await runCli(["runs", "show", "1", "--limit", "2"], fx.dir);
  assert.match(limited.stdout, /\n2 of 7 calls listed; --limit 0 lists all\n$/);
});

Deno.test("main() exits 1 for an unknown run and 2 for a bad id when running runs show", async () => {
  await using fx = await seededProject();
  const unknown = await runCli(["runs", "show", "99"], fx.dir);
  assert.equal(unknown.code, 1);
  assert.equal(
    unknown.stderr,
    "drover: Cannot show run 99: no run has this id (see drover runs ls)\n",
  );
  const bad = await runCli(["runs", "show", "first"], fx.dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^drover: .*a run id is a whole number/);
  assert.equal(bad.stderr.split("\n").length, 2);
});
