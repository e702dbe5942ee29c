/**
 * The remote runtime end to end on the REAL local Grid Engine cell (scripts/sge-up.sh): a
 * routed map as one SGE array job (`-t 1-n`), a rerun that submits nothing, and kill -9 of
 * the driver (before submitting, while the array runs) followed by a rerun that re-attaches.
 */
import assert from "node:assert/strict";
import { requireSge, sge } from "../_helpers/sge.ts";
import { type RemoteProject, remoteProject, routeSquare, waitUntil } from "./_remote_project.ts";

const squares = (n: number): number[] => Array.from({ length: n }, (_, x) => x * x);

/** The e2e project with a system `sge` and a `qsub` shim logging each submission. */
async function sgeProject(): Promise<RemoteProject & { qsubCalls(): string[] }> {
  requireSge();
  const p = await remoteProject("");
  const real = new TextDecoder().decode(
    (await new Deno.Command("sh", { args: ["-c", "command -v qsub"], stdout: "piped" }).output())
      .stdout,
  ).trim() || "/usr/bin/qsub";
  await Deno.writeTextFile(
    `${p.path}/bin/qsub`,
    `#!/bin/sh\necho "$@" >> '${p.path}/qsub.log'\nexec '${real}' "$@"\n`,
    { mode: 0o755 },
  );
  await Deno.writeTextFile(
    `${p.path}/drover.yaml`,
    `  sge: { scheduler: sge, rundir: ${p.path}/sge-runs, pollMs: 50, deno: ${Deno.execPath()} }\n`,
    { append: true },
  );
  const disposeProject = p[Symbol.asyncDispose].bind(p);
  return Object.assign(p, {
    qsubCalls: (): string[] => {
      try {
        return Deno.readTextFileSync(`${p.path}/qsub.log`).split("\n").filter(Boolean);
      } catch {
        return [];
      }
    },
    [Symbol.asyncDispose]: async () => {
      // Leave nothing of this project queued on the shared test cell.
      await new Deno.Command("sh", {
        args: [
          "-c",
          `for d in '${p.path}'/sge-runs/jobs/*; do [ -d "$d" ] && qdel "\${d##*/}"; done; true`,
        ],
        stdout: "null",
        stderr: "null",
      }).output().catch(() => {});
      await disposeProject();
    },
  });
}

Deno.test({
  name:
    "SGE: a routed map of 200 calls with inputsPerJob 10 is one qsub of a 20-task array; a rerun submits nothing",
  ignore: sge.ignore,
  async fn(): Promise<void> {
    await using p = await sgeProject();
    const r = await p.run("remote_workflow.ts", { route: routeSquare("sge") });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).values, squares(200));
    assert.equal(p.qsubCalls().length, 1);
    using store = p.store();
    const jobs = store.jobs.listJobs();
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].size, 20);
    assert.equal(jobs[0].state, "finished");
    assert.match(Deno.readTextFileSync(`${jobs[0].dir}/job.sh`), /^#\$ -t 1-20$/m);
    assert.equal(store.listCalls({ states: ["done"] }).length, 200);
    assert.ok(store.listCalls().every((c) => c.location === "sge"));

    const again = await p.run("remote_workflow.ts", { route: routeSquare("sge") });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).values, squares(200));
    assert.equal(p.qsubCalls().length, 1, "a rerun submits nothing");
  },
});

for (const point of ["before-submit", "after-submit", "after-gather"] as const) {
  Deno.test({
    name: `SGE: kill -9 of the driver ${
      point.replace("-", " ")
    } then a rerun: no extra qsub, all results`,
    ignore: sge.ignore,
    async fn(): Promise<void> {
      await using p = await sgeProject();
      const route = routeSquare("sge");
      const env = { N: "40", SLEEP_MS: point === "after-gather" ? "300" : "0" };
      const crashed = await p.run("remote_workflow.ts", {
        route,
        env: { ...env, DROVER_CRASH_AT: point },
      });
      assert.equal(crashed.code, 137, `expected SIGKILL; stderr: ${crashed.stderr}`);
      assert.equal(p.qsubCalls().length, point === "before-submit" ? 0 : 1);
      const rerun = await p.run("remote_workflow.ts", { route, env });
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.deepEqual(JSON.parse(rerun.stdout).values, squares(40));
      using store = p.store();
      assert.equal(p.qsubCalls().length, 1, "exactly one qsub over both runs");
      assert.equal(store.jobs.listJobs().length, 1);
      assert.deepEqual(store.runs.list().map((r) => r.status), ["done", "interrupted"]);
    },
  });
}

Deno.test({
  name: "SGE: kill -9 of the driver while its array runs then a rerun re-attaches to the same job",
  ignore: sge.ignore,
  async fn(): Promise<void> {
    await using p = await sgeProject();
    const route = routeSquare("sge");
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
    assert.equal(p.qsubCalls().length, 1);
  },
});

Deno.test({
  name: "SGE: tasks deleted with qdel are restarted alone and complete",
  ignore: sge.ignore,
  async fn(): Promise<void> {
    await using p = await sgeProject();
    const route = routeSquare("sge");
    // A task deleted while running leaves no trace in qstat and no exit marker: it counts
    // as lost once it has been missing for GRACE_MS.
    const env = { N: "40", SLEEP_MS: "400", GRACE_MS: "3000" };
    const child = p.spawn("remote_workflow.ts", { route, env });
    let arrayId = "";
    await waitUntil(() => {
      using store = p.store();
      const [job] = store.jobs.listJobs();
      if (!job?.schedulerId) return false;
      arrayId = job.schedulerId;
      return true;
    }, "the array to be submitted");
    // Elements 1 and 2 are SGE tasks 2 and 3.
    const qdel = await new Deno.Command("qdel", { args: [`${arrayId}.2`, `${arrayId}.3`] })
      .output();
    assert.equal(qdel.code, 0, new TextDecoder().decode(qdel.stderr));
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)).values, squares(40));
    using store = p.store();
    const [first, ...restarts] = store.jobs.listJobs().reverse();
    assert.ok(restarts.length >= 1 && restarts.length <= 2, `restarts: ${restarts.length}`);
    const failed = store.jobs.callsOf(first.id, "failed");
    assert.deepEqual(
      [...new Set(failed.map((c) => c.element))].sort(),
      [1, 2],
      "only the deleted elements failed",
    );
    assert.deepEqual(
      restarts.flatMap((j) => store.jobs.callsOf(j.id).map((c) => c.key)).sort(),
      failed.map((c) => c.key).sort(),
      "exactly the calls of the deleted elements are resubmitted",
    );
    assert.equal(p.qsubCalls().length, 1 + restarts.length);
  },
});
