import assert from "node:assert/strict";
import { NOW, runCli } from "./_fixture.ts";
import { assertGolden } from "./_golden.ts";
import { type JobsFixture, jobsProject } from "./_jobs_fixture.ts";

const DAY = 86_400_000;

/** Makes two calls (si done, c failed) end 9 days ago. */
function ageCalls(fx: JobsFixture): void {
  using store = fx.open();
  for (const label of ["si", "c"]) {
    const call = store.getCall(fx.keys[label])!;
    store.putCall({ ...call, startedAt: NOW - 9 * DAY - 1000, endedAt: NOW - 9 * DAY });
  }
}

/** Makes the old job's directory exist, and stages two objects on the laptop system. */
async function scratch(fx: JobsFixture): Promise<{ dir: string; staged: string[] }> {
  const dir = `${fx.rundir}/jobs/dr-relax-dddddddddd`;
  await Deno.mkdir(`${dir}/logs`, { recursive: true });
  await Deno.writeTextFile(`${dir}/logs/0.out`, "old log\n");
  using store = fx.open();
  // The orphans are named by no job: scratch. ge's result is named by the finished job,
  // which stays (it ended 44 minutes ago).
  const staged = [fx.refs["orphan-small"], fx.refs["orphan-large"], fx.refs["ge:result"]];
  for (const hash of staged) {
    const path = `${fx.rundir}/objects/${hash.slice(0, 2)}/${hash}`;
    await Deno.mkdir(`${fx.rundir}/objects/${hash.slice(0, 2)}`, { recursive: true });
    await Deno.writeFile(path, store.objects.get(hash)!);
    store.jobs.putRemoteObject(hash, "laptop", store.objects.get(hash)!.byteLength);
  }
  return { dir, staged };
}

Deno.test("main() exits 2 when clean has no --older-than or a bad age", async () => {
  await using fx = await jobsProject();
  const none = await runCli(["clean"], fx.dir);
  assert.equal(none.code, 2);
  assert.equal(
    none.stderr,
    "drover: Cannot clean: --older-than is required (e.g. --older-than 7d), so recent work is never removed by accident\n",
  );
  const bad = await runCli(["clean", "--older-than", "7 days"], fx.dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /expected a duration like 7d, 12h, 30m/);
  const state = await runCli(["clean", "--older-than", "7d", "--state", "done"], fx.dir);
  assert.equal(state.code, 2);
  assert.match(state.stderr, /--state goes with --results/);
});

Deno.test("main() shows the scratch and changes nothing when running clean --dry-run", async () => {
  await using fx = await jobsProject();
  ageCalls(fx);
  const { dir } = await scratch(fx);
  const r = await runCli(["clean", "--older-than", "7d", "--dry-run"], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  await assertGolden("clean_dry_run", r.stdout);
  assert.ok((await Deno.stat(dir)).isDirectory);
  using store = fx.open();
  assert.equal(store.listCalls().length, 7);
  assert.equal(store.jobs.listJobs().length, 5);
});

Deno.test("main() refuses clean without a terminal and without --yes, changing nothing", async () => {
  await using fx = await jobsProject();
  const { dir } = await scratch(fx);
  const r = await runCli(["clean", "--older-than", "7d", "--results"], fx.dir);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^drover: Cannot clean what ended before 2025-01-08T12:00:00.000Z: not confirmed; pass --yes/,
  );
  assert.ok((await Deno.stat(dir)).isDirectory);
  using store = fx.open();
  assert.equal(store.listCalls().length, 7);
  assert.equal(store.jobs.listJobs().length, 5);
});

Deno.test("main() deletes old job directories and staged files but keeps results when running clean", async () => {
  await using fx = await jobsProject();
  ageCalls(fx);
  const { dir, staged } = await scratch(fx);
  const r = await runCli(["clean", "--older-than", "7d"], fx.dir, { answers: ["yes"] });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Will remove 1 job: \d+ dr-relax-dddddddddd\n/);
  await assertGolden("clean", r.stdout);
  await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
  const exists = (hash: string): boolean => {
    try {
      return Deno.statSync(`${fx.rundir}/objects/${hash.slice(0, 2)}/${hash}`).isFile;
    } catch {
      return false;
    }
  };
  assert.deepEqual(staged.map(exists), [false, false, true]);
  using store = fx.open();
  assert.equal(store.listCalls().length, 7, "cached results stay");
  assert.equal(store.jobs.getJob(fx.jobs.old), undefined);
  assert.notEqual(store.jobs.getJob(fx.jobs.failed), undefined, "ended 33 minutes ago");
  assert.deepEqual(store.jobs.systemsHolding(staged[0]), []);
  assert.deepEqual(store.jobs.systemsHolding(staged[2]), ["laptop"]);
});

Deno.test("main() also forgets old calls in the given states when running clean --results", async () => {
  await using fx = await jobsProject();
  ageCalls(fx);
  const r = await runCli(
    ["clean", "--older-than", "1w", "--results", "--state", "failed", "--json", "--yes"],
    fx.dir,
  );
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.before, NOW - 7 * DAY);
  assert.deepEqual(json.calls, { relax: 1 });
  assert.deepEqual(json.jobs.removed.map((j: { name: string }) => j.name), ["dr-relax-dddddddddd"]);
  using store = fx.open();
  assert.equal(store.getCall(fx.keys.c), undefined);
  assert.notEqual(store.getCall(fx.keys.si), undefined, "done calls are kept with --state failed");
});

Deno.test("main() leaves running calls and live jobs however old when running clean --results", async () => {
  await using fx = await jobsProject();
  const r = await runCli(
    ["clean", "--older-than", "1s", "--results", "--state", "running,done,failed", "--yes"],
    fx.dir,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Removed 3 jobs: /);
  assert.match(r.stdout, /\nForgot 6 calls \(relax 5, score 1\) that ended before /);
  using store = fx.open();
  assert.deepEqual(store.listCalls().map((c) => c.state), ["running"]);
  assert.deepEqual(store.jobs.listJobs().map((j) => j.state), ["staged", "submitted"]);
});
