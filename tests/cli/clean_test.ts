import assert from "node:assert/strict";
import { NOW, runCli } from "./_fixture.ts";
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
});

Deno.test("main() counts and changes nothing when running clean --dry-run", async () => {
  await using fx = await jobsProject();
  ageCalls(fx);
  const r = await runCli(["clean", "--older-than", "7d", "--dry-run"], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    "Would remove 2 calls (relax 2) and 1 job that ended before 2025-01-08T12:00:00.000Z (7d ago)\n",
  );
  using store = fx.open();
  assert.equal(store.listCalls().length, 7);
  assert.equal(store.jobs.listJobs().length, 5);
});

Deno.test("main() removes calls in the given states and old ended jobs when running clean", async () => {
  await using fx = await jobsProject();
  ageCalls(fx);
  const r = await runCli(["clean", "--older-than", "1w", "--state", "failed", "--json"], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    dryRun: false,
    before: NOW - 7 * DAY,
    calls: { relax: 1 },
    jobs: 1,
  });
  using store = fx.open();
  assert.equal(store.getCall(fx.keys.c), undefined);
  assert.notEqual(store.getCall(fx.keys.si), undefined, "done calls are kept with --state failed");
  assert.equal(store.jobs.getJob(fx.jobs.old), undefined, "cancelled 10 days ago");
  assert.notEqual(store.jobs.getJob(fx.jobs.failed), undefined, "ended 33 minutes ago");
});

Deno.test("main() leaves running calls and live jobs however old when running clean", async () => {
  await using fx = await jobsProject();
  const r = await runCli(["clean", "--older-than", "1s", "--state", "running,done,failed"], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Removed 6 calls \(relax 5, score 1\) and 3 jobs that ended before /);
  assert.match(r.stdout, /\nTheir objects stay until "drover gc"/);
  using store = fx.open();
  assert.deepEqual(store.listCalls().map((c) => c.state), ["running"]);
  assert.deepEqual(store.jobs.listJobs().map((j) => j.state), ["staged", "submitted"]);
});
