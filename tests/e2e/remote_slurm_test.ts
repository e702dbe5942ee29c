/**
 * The remote runtime end to end on the REAL local Slurm cluster (scripts/slurm-up.sh):
 * arrays, crash safety under kill -9, restarts, exceptions, and remote_relax results.
 */
import assert from "node:assert/strict";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";
import { remoteProject, routeSquare, waitUntil } from "./_remote_project.ts";

const squares = (n: number): number[] => Array.from({ length: n }, (_, x) => x * x);

Deno.test({
  name: "a routed map of 200 calls with inputsPerJob 10 is one sbatch of a 20-element array",
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    await using p = await remoteProject(requireSlurm());
    const r = await p.run("remote_workflow.ts", { route: routeSquare("slurm") });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).values, squares(200));
    assert.equal(p.sbatchCalls().length, 1);
    using store = p.store();
    const jobs = store.jobs.listJobs();
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].size, 20);
    assert.equal(jobs[0].state, "finished");
    assert.match(Deno.readTextFileSync(`${jobs[0].dir}/job.sh`), /^#SBATCH --array=0-19/m);
    assert.equal(store.listCalls({ states: ["done"] }).length, 200);
    assert.ok(store.listCalls().every((c) => c.location === "slurm"));

    const again = await p.run("remote_workflow.ts", { route: routeSquare("slurm") });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).values, squares(200));
    assert.equal(p.sbatchCalls().length, 1, "a rerun submits nothing");
  },
});

for (const point of ["before-submit", "after-submit", "after-gather"] as const) {
  Deno.test({
    name: `kill -9 of the driver ${
      point.replace("-", " ")
    } then a rerun: no extra sbatch, all results`,
    ignore: slurm.ignore,
    async fn(): Promise<void> {
      await using p = await remoteProject(requireSlurm());
      const route = routeSquare("slurm");
      const env = { N: "40", SLEEP_MS: point === "after-gather" ? "300" : "0" };
      const crashed = await p.run("remote_workflow.ts", {
        route,
        env: { ...env, DROVER_CRASH_AT: point },
      });
      assert.equal(crashed.code, 137, `expected SIGKILL; stderr: ${crashed.stderr}`);
      const before = p.sbatchCalls().length;
      assert.equal(before, point === "before-submit" ? 0 : 1);
      const rerun = await p.run("remote_workflow.ts", { route, env });
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.deepEqual(JSON.parse(rerun.stdout).values, squares(40));
      using store = p.store();
      const why = store.jobs.listJobs().map((j) =>
        `${j.name} ${j.state} attempt ${j.attempt}: ${
          JSON.stringify(store.jobs.callsOf(j.id, "failed").map((c) => [c.reason, c.detail]))
        }`
      ).join("; ");
      assert.equal(p.sbatchCalls().length, 1, `exactly one sbatch over both runs (${why})`);
      assert.equal(store.jobs.listJobs().length, 1);
      assert.deepEqual(store.runs.list().map((r) => r.status), ["done", "interrupted"]);
    },
  });
}

Deno.test({
  name: "kill -9 of the driver while its array runs then a rerun re-attaches to the same job",
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    await using p = await remoteProject(requireSlurm());
    const route = routeSquare("slurm");
    const env = { N: "40", SLEEP_MS: "200" };
    const child = p.spawn("remote_workflow.ts", { route, env });
    await waitUntil(() => {
      using store = p.store();
      const [job] = store.jobs.listJobs();
      if (!job || job.state !== "submitted") return false;
      try {
        return [...Deno.readDirSync(`${job.dir}/el`)].some((e) => e.name.endsWith(".started"));
      } catch {
        return false;
      }
    }, "an element to start");
    child.kill("SIGKILL");
    await child.output();
    const rerun = await p.run("remote_workflow.ts", { route, env });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(JSON.parse(rerun.stdout).values, squares(40));
    assert.equal(p.sbatchCalls().length, 1);
  },
});

Deno.test({
  name: "elements cancelled with scancel are restarted alone and complete",
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    await using p = await remoteProject(requireSlurm());
    const route = routeSquare("slurm");
    const env = { N: "40", SLEEP_MS: "400" };
    const child = p.spawn("remote_workflow.ts", { route, env });
    let arrayId = "";
    await waitUntil(() => {
      using store = p.store();
      const [job] = store.jobs.listJobs();
      if (!job?.schedulerId) return false;
      arrayId = job.schedulerId;
      return true;
    }, "the array to be submitted");
    const cancel = await new Deno.Command("scancel", {
      args: [`${arrayId}_1`, `${arrayId}_2`],
      env: p.env,
    }).output();
    assert.equal(cancel.code, 0, new TextDecoder().decode(cancel.stderr));
    const out = await child.output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.deepEqual(JSON.parse(stdout).values, squares(40));
    using store = p.store();
    const [first, ...restarts] = store.jobs.listJobs().reverse();
    // The two elements may be decided in one poll or two: one or two restart arrays.
    assert.ok(restarts.length >= 1 && restarts.length <= 2, `restarts: ${restarts.length}`);
    const cancelledKeys = store.jobs.callsOf(first.id, "failed").map((c) => c.key).sort();
    assert.deepEqual(
      store.jobs.callsOf(first.id, "failed").map((c) => c.element).filter((e, k, a) =>
        a.indexOf(e) === k
      ).sort(),
      [1, 2],
      "only the cancelled elements failed",
    );
    // scancel: the scheduler's CANCELLED, or the element's process killed by SIGTERM (then
    // the calls after the one it was running never started and restart without blame).
    assert.ok(
      store.jobs.callsOf(first.id, "failed").every((c) =>
        ["cancelled-by-user", "killed", "not-started"].includes(c.reason ?? "")
      ),
    );
    assert.deepEqual(
      restarts.flatMap((j) => store.jobs.callsOf(j.id).map((c) => c.key)).sort(),
      cancelledKeys,
      "exactly the calls of the cancelled elements are resubmitted",
    );
    assert.ok(restarts.every((j) => j.attempt === 2));
    assert.equal(p.sbatchCalls().length, 1 + restarts.length);
  },
});

Deno.test({
  name: "an exception in user code is reported with its message and not retried",
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    await using p = await remoteProject(requireSlurm());
    const route = routeSquare("slurm");
    const env = { N: "20", FAIL_AT: "7" };
    const r = await p.run("remote_workflow.ts", { route, env });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.failures, [{
      index: 7,
      name: "RangeError",
      message: "x = 7 is not allowed",
      reason: "exception",
      retryState: "non-retryable",
    }]);
    assert.equal(out.values[8], 64);
    assert.equal(p.sbatchCalls().length, 1);
    const again = await p.run("remote_workflow.ts", { route, env });
    assert.deepEqual(JSON.parse(again.stdout).failures, out.failures);
    assert.equal(p.sbatchCalls().length, 1, "a stored exception is not retried");
  },
});

Deno.test({
  name: "a job that exceeds its time limit is restarted and completes",
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    await using p = await remoteProject(requireSlurm());
    const route = routeSquare("slurm", { resources: { time: 1 } });
    const env = { N: "10", SLOW_MARKER: `${p.path}/slow-marker`, SLOW_MS: "600000" };
    const r = await p.run("remote_workflow.ts", { route, env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).values, squares(10));
    using store = p.store();
    const [restart, first] = store.jobs.listJobs();
    assert.equal(restart.attempt, 2);
    assert.deepEqual(
      store.jobs.callsOf(first.id, "failed").map((c) => c.reason),
      Array(10).fill("timeout"),
    );
  },
});

Deno.test({
  name: "examples/remote_relax.ts gives the same results locally and on Slurm",
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    await using local = await remoteProject(requireSlurm());
    await using remote = await remoteProject(requireSlurm());
    const a = await local.run("remote_relax.ts", { args: ["60"] });
    assert.equal(a.code, 0, a.stderr);
    const b = await remote.run("remote_relax.ts", {
      args: ["60"],
      route: { "remote_relax.ts::remote_relax.relax": { system: "slurm", inputsPerJob: 10 } },
    });
    assert.equal(b.code, 0, b.stderr);
    const checksum = (s: string): string | undefined =>
      s.split("\n").find((l) => l.startsWith("checksum"));
    assert.ok(checksum(a.stdout));
    assert.equal(checksum(b.stdout), checksum(a.stdout));
    assert.equal(remote.sbatchCalls().length, 1);
  },
});
