/**
 * The commands that talk to a system, against the real local scheduler: sync, fetch,
 * jobs show (logs on the system), jobs cancel, jobs rm --clean/--force, systems check.
 */
import assert from "node:assert/strict";
import { assertGolden } from "./_golden.ts";
import { runCli } from "./_fixture.ts";
import {
  jobEnded,
  keyOf,
  localProject,
  makeJob,
  schedulerStates,
  uniqueName,
} from "./_local_system.ts";

const NO_SSH = { DROVER_SSH_CONFIG: "/nonexistent/drover-ssh-config" };

Deno.test("main() records what a job decided and leaves results remote when running sync, then fetch downloads them", async () => {
  await using p = await localProject();
  const [ok, bad] = [keyOf("ok"), keyOf("bad")];
  const job = await makeJob(p, uniqueName("sync"), [
    { kind: "ok", key: ok, value: { energy: -1.5 } },
    { kind: "crash", key: bad, exitCode: 3 },
  ]);
  await jobEnded(job, 2);

  const synced = await runCli(["sync"], p.dir);
  assert.equal(synced.code, 0, synced.stderr);
  const lines = synced.stdout.split("\n");
  assert.equal(lines[0], "laptop: 1 live job polled; 2 calls decided (1 done, 1 failed)");
  assert.match(lines[1], new RegExp(`^  ${job.name}: 1 done, 1 failed \\(\\w+\\)$`));
  assert.match(synced.stdout, /Results stay on the systems; "drover fetch" downloads them\n$/);
  const result = job.results[ok];
  {
    using store = p.open();
    assert.equal(store.getCall(ok)?.state, "done");
    assert.equal(store.getCall(ok)?.resultRef, result);
    assert.equal(store.objects.has(result), false, "sync does not download");
    assert.deepEqual(store.jobs.systemsHolding(result), ["laptop"]);
    assert.equal(store.jobs.getJob(job.id)?.state, "finished");
    assert.equal(store.jobs.callsOf(job.id, "failed")[0].key, bad);
  }
  const again = await runCli(["sync", "--json"], p.dir);
  assert.deepEqual(JSON.parse(again.stdout), [], "no live jobs are left");

  const fetched = await runCli(["fetch"], p.dir);
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.match(
    fetched.stdout,
    /^Fetched 1 result \(\d+ B\) from laptop; 0 already local\n$/,
  );
  {
    using store = p.open();
    assert.equal(store.objects.has(result), true);
  }
  const twice = await runCli(["fetch", "--json"], p.dir);
  assert.equal(JSON.parse(twice.stdout).local, 1);
  assert.equal(JSON.parse(twice.stdout).fetched, 0);

  const shown = await runCli(["jobs", "show", job.name, "--json"], p.dir);
  assert.equal(shown.code, 0, shown.stderr);
  const [el] = JSON.parse(shown.stdout).elements;
  assert.equal(el.index, 1);
  assert.equal(el.exitCode, 3);
  assert.deepEqual(el.stdout, ["line 1", "line 2", "line 3"]);
  assert.deepEqual(el.stderr, ["boom: segfault"]);
  assert.equal(JSON.parse(shown.stdout).script.source, "system");

  const removed = await runCli(["jobs", "rm", "--clean", String(job.id), "--yes"], p.dir);
  assert.equal(removed.code, 0, removed.stderr);
  await assert.rejects(Deno.stat(job.dir), Deno.errors.NotFound);
});

Deno.test("main() exits 1 and names the result when fetch finds it on no system", async () => {
  await using p = await localProject();
  const key = keyOf("lost");
  const job = await makeJob(p, uniqueName("lost"), [{ kind: "ok", key, value: 1 }]);
  await jobEnded(job, 1);
  assert.equal((await runCli(["sync"], p.dir)).code, 0);
  const hash = job.results[key];
  await Deno.remove(`${p.rundir}/objects/${hash.slice(0, 2)}/${hash}`);
  const r = await runCli(["fetch", key.slice(0, 10)], p.dir);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `drover: Cannot fetch 1 result: ${hash.slice(0, 12)} laptop: missing or corrupt there\n`,
  );
});

Deno.test("main() cancels a running job at the scheduler and keeps its calls running when running jobs cancel", async () => {
  await using p = await localProject();
  const key = keyOf("slow");
  const job = await makeJob(p, uniqueName("slow"), [{ kind: "sleep", key, seconds: 30 }]);
  const r = await runCli(["jobs", "cancel", job.name], p.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `Cancelled job ${job.id} ${job.name} on laptop (${job.schedulerId})\n` +
      "1 job cancelled; their unfinished calls stay running in the store and are restarted when their script runs again\n",
  );
  assert.deepEqual([...(await schedulerStates(job.name)).values()], ["CANCELLED"]);
  using store = p.open();
  const recorded = store.jobs.getJob(job.id)!;
  assert.equal(recorded.state, "cancelled");
  assert.equal(recorded.error, "cancelled with drover jobs cancel");
  assert.equal(store.getCall(key)?.state, "running");
  assert.equal(store.jobs.callsOf(job.id)[0].state, "pending");
});

Deno.test("main() finds a staged job at the scheduler by name when running jobs cancel --system", async () => {
  await using p = await localProject();
  const job = await makeJob(p, uniqueName("unrecorded"), [
    { kind: "sleep", key: keyOf("u"), seconds: 30 },
  ], "unrecorded");
  const r = await runCli(["jobs", "cancel", "--system", "laptop", "--json"], p.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).cancelled, [
    { id: job.id, name: job.name, schedulerId: job.schedulerId },
  ]);
  assert.deepEqual([...(await schedulerStates(job.name)).values()], ["CANCELLED"]);
});

Deno.test("main() cancels then removes a live job when running jobs rm --force", async () => {
  await using p = await localProject();
  const job = await makeJob(p, uniqueName("force"), [
    { kind: "sleep", key: keyOf("f"), seconds: 30 },
  ]);
  const r = await runCli(["jobs", "rm", "--force", "-c", String(job.id), "--yes"], p.dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `Cancelled ${job.name}\nRemoved 1 job: ${job.id} ${job.name}\nDeleted 1 job directory:\n  laptop:${job.dir}\n`
      .replaceAll(p.dir, "<TMP>"),
  );
  assert.deepEqual([...(await schedulerStates(job.name)).values()], ["CANCELLED"]);
  using store = p.open();
  assert.equal(store.jobs.getJob(job.id), undefined);
});

Deno.test("main() reports a system it cannot reach and exits 1 when running sync, keeping the jobs", async () => {
  await using p = await localProject([
    "far:",
    "  scheduler: local",
    "  host: nobody@127.0.0.1:1",
    "  rundir: /tmp/nowhere",
  ]);
  {
    using store = p.open();
    const id = store.jobs.createJob({
      name: "dr-far-1",
      system: "far",
      step: "relax",
      size: 1,
      attempt: 1,
      spec: {},
      dir: "/tmp/nowhere/jobs/dr-far-1",
      runId: null,
      createdAt: 0,
    }, [{ key: keyOf("far"), element: 0, inputsRef: keyOf("in") }]);
    store.jobs.markSubmitted(id, "x-1", 1);
  }
  const r = await runCli(["sync"], p.dir, { env: NO_SSH });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^far: not polled: Cannot reach nobody@127\.0\.0\.1:1: /);
  assert.match(r.stderr, /^drover: Cannot sync far \(Cannot reach nobody@127\.0\.0\.1:1: .*\)\n$/);
  const shown = await runCli(["jobs", "show", "dr-far-1"], p.dir, { env: NO_SSH });
  assert.equal(shown.code, 0, shown.stderr);
  using store = p.open();
  assert.equal(store.jobs.getJob("dr-far-1")?.state, "submitted");
});

Deno.test("main() passes every check of a local system when running systems check", async () => {
  await using p = await localProject();
  const r = await runCli(["systems", "check", "laptop"], p.dir);
  assert.equal(r.code, 0, r.stderr);
  const masked = r.stdout.replace(/ +\d+ ms/g, "  N ms");
  assert.match(masked, /^System laptop \(this machine, scheduler local\)\n/);
  assert.match(masked, /^ {2}ok {4}reachable {2}N ms {2}local$/m);
  assert.match(
    masked,
    /^ {2}ok {4}scheduler {2}N ms {2}the local scheduler answers \(\d+ jobs?\b/m,
  );
  assert.match(masked, /^ {2}ok {4}deno {2}N ms {2}jobs use this drover's Deno /m);
  assert.match(masked, /^ {2}ok {4}rundir {2}N ms {2}<TMP>\/runs is writable$/m);
  assert.match(masked, /^ {2}ok {4}config {2}N ms {2}the settings can work$/m);
  assert.match(masked, /\nAll 5 checks passed\n$/);
  const json = JSON.parse((await runCli(["systems", "check", "laptop", "--json"], p.dir)).stdout);
  assert.equal(json.ok, true);
  assert.deepEqual(json.checks.map((c: { name: string }) => c.name), [
    "config",
    "reachable",
    "scheduler",
    "deno",
    "rundir",
  ]);
  assert.ok(json.checks.every((c: { ms: number }) => Number.isInteger(c.ms) && c.ms >= 0));
});

Deno.test("main() exits 1 with each failed check's reason when running systems check", async () => {
  await using p = await localProject([
    "broken:",
    "  scheduler: local",
    "  deno: /nonexistent/deno",
    "  rundir: /proc/drover-cannot-write",
  ]);
  const r = await runCli(["systems", "check", "broken"], p.dir);
  assert.equal(r.code, 1);
  assert.match(
    r.stdout,
    /^ {2}FAIL {2}deno .* \/nonexistent\/deno --version failed \(exit 127: not found\)/m,
  );
  assert.match(r.stdout, /^ {2}FAIL {2}rundir /m);
  assert.match(r.stdout, /\n2 of 5 checks failed\n$/);
  assert.match(
    r.stderr,
    /^drover: Cannot use system "broken": 2 checks failed: deno \(.*\); rundir \(.*\)\n$/,
  );
  const unknown = await runCli(["systems", "check", "nope"], p.dir);
  assert.equal(unknown.code, 1);
  assert.equal(
    unknown.stderr,
    'drover: Cannot check system "nope": system "nope" is not configured (configured: broken, laptop)\n',
  );
});

Deno.test("main() reports an unreachable system and skips its other checks when running systems check", async () => {
  await using p = await localProject(["far:", "  scheduler: local", "  host: nobody@127.0.0.1:1"]);
  const r = await runCli(["systems", "check", "far", "--json"], p.dir, { env: NO_SSH });
  assert.equal(r.code, 1);
  const checks = JSON.parse(r.stdout).checks.slice(1);
  assert.equal(checks[0].ok, false);
  assert.match(checks[0].detail, /^Cannot reach nobody@127\.0\.0\.1:1: /);
  assert.deepEqual(
    checks.slice(1).map((c: { detail: string }) => c.detail),
    Array(3).fill("skipped: the system is not reachable"),
  );
});

Deno.test("main() names each setting that can never work when running systems check, without connecting", async () => {
  await using p = await localProject([
    "bad:",
    "  scheduler: slurm",
    "  host: nobody@127.0.0.1:1",
    '  rundir: "scratch/drover runs"',
    '  header: ["#SBATCH --account=abc", "--mem=4G"]',
    '  partitions: [{ name: "gpu$(id)" }]',
  ]);
  const r = await runCli(["systems", "check", "bad"], p.dir, { env: NO_SSH });
  assert.equal(r.code, 1);
  await assertGolden("systems_check_config", r.stdout.replace(/ +\d+ ms/g, "  N ms"));
  assert.equal(
    r.stderr,
    'drover: Cannot use system "bad": In systems config "<TMP>/drover.yaml": systems.bad.rundir must be an absolute path or one starting with ~/ (got "scratch/drover runs"); In systems config "<TMP>/drover.yaml": systems.bad.header[1] must be a #SBATCH directive line, e.g. "#SBATCH --account=abc" (got "--mem=4G"); In systems config "<TMP>/drover.yaml": systems.bad.partitions[0].name must be a partition name of letters, digits and . _ @ - (starting with a letter or digit) (got "gpu$(id)")\n',
  );
});

Deno.test("main() exits 1 when systems trust names a system without a host", async () => {
  await using p = await localProject();
  const r = await runCli(["systems", "trust", "laptop"], p.dir);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'drover: Cannot trust system "laptop": it is this machine (no host), nothing to trust\n',
  );
});
