import assert from "node:assert/strict";
import { assertGolden } from "./_golden.ts";
import { runCli, seededProject } from "./_fixture.ts";

Deno.test("main() lists calls newest first when running calls ls", async () => {
  await using fx = await seededProject();
  const r = await runCli(["calls", "ls"], fx.dir);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  await assertGolden("calls_ls", r.stdout);
});

Deno.test("main() filters by step, state and where when running calls ls with filters", async () => {
  await using fx = await seededProject();
  const r = await runCli(
    ["calls", "ls", "--step", "relax", "--state", "done,failed", "--where", "location = 'cluster'"],
    fx.dir,
  );
  assert.equal(r.code, 0);
  await assertGolden("calls_ls_filtered", r.stdout);
});

Deno.test("main() says how many calls are hidden when calls ls reaches --limit", async () => {
  await using fx = await seededProject();
  const r = await runCli(["calls", "ls", "--limit", "2"], fx.dir);
  assert.equal(r.code, 0);
  await assertGolden("calls_ls_limit", r.stdout);
  const all = await runCli(["calls", "ls", "--limit", "0", "--json"], fx.dir);
  assert.equal(JSON.parse(all.stdout).length, 7);
});

Deno.test("main() prints parseable calls when running calls ls --json", async () => {
  await using fx = await seededProject();
  const r = await runCli(["calls", "ls", "--state", "failed", "--json"], fx.dir);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.stdout), [{
    key: fx.keys.c,
    step: "relax",
    state: "failed",
    location: "cluster",
    runId: 1,
    attempts: 2,
    createdAt: Date.UTC(2025, 0, 15, 11, 20),
    startedAt: Date.UTC(2025, 0, 15, 11, 20),
    endedAt: Date.UTC(2025, 0, 15, 11, 27),
    inputsPreview: '{fmax: 0.01, structure: {formula: "C2", cell: […',
  }]);
});

Deno.test("main() exits 2 naming the valid states when --state is invalid", async () => {
  await using fx = await seededProject();
  const r = await runCli(["calls", "ls", "--state", "done,finished"], fx.dir);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr.split("\n").length, 2, "one line");
  assert.match(
    r.stderr,
    /^drover: .*"finished" is not a call state; use one or more of running, done, failed/,
  );
});

Deno.test("main() exits 2 and changes nothing when --where is not valid SQL", async () => {
  await using fx = await seededProject();
  const before = (() => {
    using store = fx.open();
    return store.listCalls();
  })();
  const r = await runCli(["calls", "ls", "--where", "state = 'done' AND ("], fx.dir);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^drover: Cannot filter calls: the --where clause "state = 'done' AND \(" is not valid SQL/,
  );
  assert.equal(r.stderr.split("\n").length, 2, "one line");
  using store = fx.open();
  assert.deepEqual(store.listCalls(), before);
});

Deno.test("main() exits 2 when --limit is not a whole number", async () => {
  await using fx = await seededProject();
  const r = await runCli(["calls", "ls", "--limit", "-3"], fx.dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^drover: .*whole number/);
});
