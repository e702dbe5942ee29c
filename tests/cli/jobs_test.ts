import assert from "node:assert/strict";
import { assertGolden } from "./_golden.ts";
import { runCli } from "./_fixture.ts";
import { jobsProject } from "./_jobs_fixture.ts";

Deno.test("main() lists jobs newest first with call counts when running jobs ls", async () => {
  await using fx = await jobsProject();
  const r = await runCli(["jobs", "ls"], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  await assertGolden("jobs_ls", r.stdout);
});

Deno.test("main() filters jobs by state, system and SQL when running jobs ls", async () => {
  await using fx = await jobsProject();
  const live = await runCli(["jobs", "ls", "--state", "staged,submitted", "--json"], fx.dir);
  assert.equal(live.code, 0, live.stderr);
  const rows = JSON.parse(live.stdout);
  assert.deepEqual(rows.map((j: { name: string }) => j.name), [
    "dr-score-eeeeeeeeee",
    "dr-score-cccccccccc",
  ]);
  assert.deepEqual(rows[1].calls, { done: 0, failed: 0, pending: 1 });
  assert.equal(rows[1].schedulerId, "m1a2b3-0000cccc");
  assert.equal(rows[0].schedulerId, null);

  const where = await runCli(
    ["jobs", "ls", "--where", "attempt > 1 OR name LIKE '%dddd'", "--json"],
    fx.dir,
  );
  assert.deepEqual(JSON.parse(where.stdout).map((j: { id: number }) => j.id), [
    fx.jobs.old,
    fx.jobs.failed,
  ]);
  const none = await runCli(["jobs", "ls", "--system", "hpc"], fx.dir);
  assert.equal(none.stdout, "No jobs match\n");
});

Deno.test("main() says how many jobs are hidden when running jobs ls --limit", async () => {
  await using fx = await jobsProject();
  const r = await runCli(["jobs", "ls", "--limit", "2"], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trimEnd().split("\n").length, 4);
  assert.match(r.stdout, /\n2 of 5 jobs shown; --limit 0 shows all\n$/);
});

Deno.test("main() exits 2 and changes nothing when jobs ls --where is not one read-only expression", async () => {
  await using fx = await jobsProject();
  const bad = await runCli(["jobs", "ls", "--where", "nosuchcolumn = 1"], fx.dir);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^drover: Cannot filter jobs: the --where clause "nosuchcolumn = 1" is not valid SQL \(.*no such column: nosuchcolumn.*\)\n$/,
  );
  const two = await runCli(["jobs", "ls", "--where", "1); DELETE FROM jobs; --"], fx.dir);
  assert.equal(two.code, 2);
  assert.match(two.stderr, /"\)" closes a parenthesis it did not open/);
  const sneaky = await runCli(
    ["jobs", "ls", "--where", "(SELECT COUNT(*) FROM (DELETE FROM jobs RETURNING id)) > 0"],
    fx.dir,
  );
  assert.equal(sneaky.code, 2);
  assert.match(sneaky.stderr, /DELETE is a statement/);
  using store = fx.open();
  assert.equal(store.jobs.listJobs().length, 5);
});

Deno.test("main() exits 2 naming the job states when running jobs ls --state bogus", async () => {
  await using fx = await jobsProject();
  const r = await runCli(["jobs", "ls", "--state", "done"], fx.dir);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /"done" is not a job state; use one or more of staged, submitted, finished, cancelled/,
  );
});

Deno.test("main() shows a failed job with its calls, stored script and log tails when running jobs show", async () => {
  await using fx = await jobsProject();
  const r = await runCli(["jobs", "show", String(fx.jobs.failed)], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.match(r.stdout, /^ {4}step 6: fmax=0\.167$/m, "the tail starts at line 6 of 25");
  assert.doesNotMatch(r.stdout, /step 5: /);
  await assertGolden("jobs_show_failed", r.stdout);
  const byName = await runCli(["jobs", "show", "dr-relax-bbbbbbbbbb"], fx.dir);
  assert.equal(byName.stdout, r.stdout);
});

Deno.test("main() reads the script from the job directory when the store lacks it", async () => {
  await using fx = await jobsProject();
  const dir = `${fx.rundir}/jobs/dr-relax-aaaaaaaaaa`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/job.sh`, "#!/bin/bash\necho from-the-system\n");
  const r = await runCli(["jobs", "show", String(fx.jobs.finished), "--json"], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  const shown = JSON.parse(r.stdout);
  assert.deepEqual(shown.script, {
    source: "system",
    text: "#!/bin/bash\necho from-the-system\n",
  });
  assert.deepEqual(shown.calls, { done: 2, failed: 0, pending: 0 });
  assert.deepEqual(shown.elements, [], "no failed elements, so no logs");
});

Deno.test("main() shows one element's logs when running jobs show --element", async () => {
  await using fx = await jobsProject();
  const r = await runCli(
    ["jobs", "show", String(fx.jobs.failed), "--element", "0", "--json"],
    fx.dir,
  );
  assert.equal(r.code, 0, r.stderr);
  const [el] = JSON.parse(r.stdout).elements;
  assert.equal(el.exitCode, 124);
  assert.equal(el.stdout.length, 20);
  assert.deepEqual(el.stderr, []);
  assert.equal(el.outcome, "failed (timeout)");
  const out = await runCli(["jobs", "show", String(fx.jobs.failed), "--element", "3"], fx.dir);
  assert.equal(out.code, 1);
  assert.equal(
    out.stderr,
    "drover: Cannot show element 3 of job dr-relax-bbbbbbbbbb: it has 1 element (0 to 0)\n",
  );
});

Deno.test("main() still shows what the store knows when the job's system is not configured", async () => {
  await using fx = await jobsProject();
  await Deno.remove(`${fx.dir}/drover.yaml`);
  const r = await runCli(["jobs", "show", String(fx.jobs.failed)], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^System unreachable: system "laptop" is not configured any more; showing what the store knows$/m,
  );
  assert.match(r.stdout, /^Script \(from the local store, object [0-9a-f]{12}\):$/m);
  assert.doesNotMatch(r.stdout, /^Element 0/m);
});

Deno.test("main() exits 1 naming the job when jobs show is given an unknown one", async () => {
  await using fx = await jobsProject();
  const r = await runCli(["jobs", "show", "dr-nope"], fx.dir);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'drover: Cannot find job "dr-nope": no recorded job has this id or name\n',
  );
});

Deno.test("main() refuses to remove live jobs without --force when running jobs rm", async () => {
  await using fx = await jobsProject();
  const r = await runCli(["jobs", "rm", String(fx.jobs.running), String(fx.jobs.old)], fx.dir);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `drover: Cannot remove job ${fx.jobs.running} dr-score-cccccccccc: it is still submitted; cancel first ("drover jobs cancel") or pass --force\n`,
  );
  using store = fx.open();
  assert.equal(store.jobs.listJobs().length, 5);
});

Deno.test("main() removes ended jobs and, with --clean, their directories when running jobs rm", async () => {
  await using fx = await jobsProject();
  const dry = await runCli(["jobs", "rm", "-c", String(fx.jobs.failed), "--dry-run"], fx.dir);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(
    dry.stdout,
    `Would remove 1 job: ${fx.jobs.failed} dr-relax-bbbbbbbbbb\nWould delete 1 job directory:\n  laptop:<TMP>/runs/jobs/dr-relax-bbbbbbbbbb\n`,
  );
  assert.ok((await Deno.stat(fx.failedDir)).isDirectory);
  const refused = await runCli(["jobs", "rm", "--clean", "dr-relax-bbbbbbbbbb"], fx.dir);
  assert.equal(refused.code, 2);
  assert.equal(
    refused.stderr,
    "drover: Cannot remove 1 job and delete 1 job directory: not confirmed; pass --yes to go ahead without a terminal (--dry-run shows what would go)\n",
  );
  assert.ok((await Deno.stat(fx.failedDir)).isDirectory);
  const declined = await runCli(["jobs", "rm", "--clean", "dr-relax-bbbbbbbbbb"], fx.dir, {
    answers: ["no"],
  });
  assert.equal(declined.code, 1);
  assert.match(
    declined.stderr,
    /^Will remove 1 job: \d+ dr-relax-bbbbbbbbbb\nWill delete 1 job directory:\n/,
  );
  assert.deepEqual(declined.questions, ["Remove 1 job and delete 1 job directory? [y/N] "]);
  assert.ok((await Deno.stat(fx.failedDir)).isDirectory);
  const r = await runCli(
    ["jobs", "rm", "--clean", "dr-relax-bbbbbbbbbb", "dr-relax-dddddddddd"],
    fx.dir,
    { answers: ["y"] },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Removed 2 jobs: /);
  await assert.rejects(Deno.stat(fx.failedDir), Deno.errors.NotFound);
  using store = fx.open();
  assert.deepEqual(store.jobs.listJobs().map((j) => j.name), [
    "dr-score-eeeeeeeeee",
    "dr-score-cccccccccc",
    "dr-relax-aaaaaaaaaa",
  ]);
  assert.deepEqual(store.jobs.callsOf(fx.jobs.failed), []);
  assert.notEqual(store.getCall(fx.keys.c), undefined, "calls stay; only job rows go");
});

Deno.test("main() keeps a job whose directory is outside <rundir>/jobs/ when running jobs rm --clean", async () => {
  await using fx = await jobsProject();
  {
    using store = fx.open();
    store.db.prepare("UPDATE jobs SET dir = ? WHERE id = ?").run(
      `${fx.rundir}/jobs/../objects`,
      fx.jobs.old,
    );
  }
  await Deno.mkdir(`${fx.rundir}/objects`, { recursive: true });
  const r = await runCli(["jobs", "rm", "-c", String(fx.jobs.old), "--yes"], fx.dir);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `drover: Cannot remove job ${fx.jobs.old} dr-relax-dddddddddd: its directory "<TMP>/runs/jobs/../objects" is not under "<TMP>/runs/jobs/"; not deleting it\n`,
  );
  assert.ok((await Deno.stat(`${fx.rundir}/objects`)).isDirectory);
  using store = fx.open();
  assert.notEqual(store.jobs.getJob(fx.jobs.old), undefined);
});

Deno.test("main() exits 2 when jobs cancel names jobs and --system together, or nothing", async () => {
  await using fx = await jobsProject();
  const both = await runCli(["jobs", "cancel", "3", "--all"], fx.dir);
  assert.equal(both.code, 2);
  assert.equal(
    both.stderr,
    "drover: Cannot cancel jobs: name jobs, or use --system or --all, not both\n",
  );
  const none = await runCli(["jobs", "cancel"], fx.dir);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /none given/);
});

Deno.test("main() leaves ended jobs alone when jobs cancel names them", async () => {
  await using fx = await jobsProject();
  const r = await runCli(["jobs", "cancel", String(fx.jobs.finished)], fx.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `Job ${fx.jobs.finished} dr-relax-aaaaaaaaaa is already finished; left as it is\n`,
  );
});

Deno.test("main() prints the job help when running jobs --help", async () => {
  const r = await runCli(["jobs", "--help"], "/");
  assert.equal(r.code, 0);
  await assertGolden("help_jobs", r.stdout);
});
