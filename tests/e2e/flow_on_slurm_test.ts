/**
 * `flow.on(system)` end to end: examples/flows_failures.ts sent to the REAL local Slurm
 * cluster (scripts/slurm-up.sh). Each step's elements that need
 * running go out as one array (the 109 masked solves never reach `get_charge`'s array), and
 * each restart round of `get_charge` is one more `sbatch` over only its failed elements;
 * asserted from what `sbatch` was really given (the PATH shim's log) and the job rows. (The
 * same on the `local` scheduler passes too but takes minutes there; tests/e2e/flow_remote_test.ts
 * covers routed flows on it.)
 */
import assert from "node:assert/strict";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";
import { REPO_ROOT } from "../_helpers/temp.ts";
import { type RemoteProject, remoteProject } from "./_remote_project.ts";

const CHARGE = "flows_failures.get_charge";
const SOLVE = "flows_failures.run_electrostatics";

/**
 * examples/flows_failures.ts sent to SYSTEM with `.on(...)`: the voltage limits mask 109 of
 * the 200 solves, so `get_charge` runs over the 91 others; each charge fails (retryable)
 * with probability FAILURE_P and is restarted in rounds. Prints counts and rounds as JSON.
 */
const SCRIPT = `import { configure, type FlowArray, type StepRun } from "drover";
import { BASE, failuresFlow } from "./flows_failures.ts";

configure({ maxPollMs: 200 });
const system = Deno.env.get("SYSTEM") ?? "slurm";
const run = await failuresFlow.on({ system, inputsPerJob: 25 }).run({
  ...BASE,
  V_limits: [-3, 3],
  failure_probability: Number(Deno.env.get("FAILURE_P") ?? "0.2"),
});
const charge = run.data.get("charge")!.value as FlowArray<number>;
console.log(JSON.stringify({
  counts: charge.counts(),
  steps: Object.fromEntries(
    Object.values(run.steps).map((s: StepRun) => [s.step, { state: s.state, restarts: s.restarts }]),
  ),
  average: run.returns.average_charge,
  mean: charge.mean(),
}));
`;

interface Out {
  counts: { ok: number; failed: number; skipped: number };
  steps: Record<string, { state: string; restarts: number }>;
  average: number;
  mean: number;
}

async function runOn(p: RemoteProject, system: string): Promise<Out> {
  for (const f of ["flows_failures.ts", "flows_electrostatics.ts", "electrostatics.ts"]) {
    await Deno.copyFile(`${REPO_ROOT}/examples/${f}`, `${p.path}/${f}`);
  }
  await Deno.writeTextFile(`${p.path}/flow_failures_on.ts`, SCRIPT);
  // Room for every array at once: the default cap (100 elements in flight over all of this
  // user's drover processes) would defer part of an array while other tests' elements are
  // queued on the shared cluster, and the counts below would be off.
  const yaml = await Deno.readTextFile(`${p.path}/drover.yaml`);
  await Deno.writeTextFile(
    `${p.path}/drover.yaml`,
    yaml.replaceAll("pollMs: 50 }", "pollMs: 50, maxJobs: 1000 }"),
  );
  const r = await p.run("flow_failures_on.ts", { env: { SYSTEM: system, FAILURE_P: "0.2" } });
  assert.equal(r.code, 0, r.stderr);
  const out: Out = JSON.parse(r.stdout);
  // 7 x 13 voltage pairs within the limits; the other 109 solves fail and are masked.
  assert.equal(out.counts.ok + out.counts.failed + out.counts.skipped, 200);
  assert.equal(out.counts.skipped, 109);
  assert.ok(out.counts.ok >= 85, JSON.stringify(out.counts));
  assert.ok(Math.abs(out.average - out.mean) < 1e-12);
  const rounds = out.steps[CHARGE].restarts;
  assert.ok(rounds >= 1, "some of 91 charges failed at p = 0.2 and were restarted");

  using store = p.store();
  const jobs = store.jobs.listJobs().sort((a, b) => a.id - b.id);
  const of = (step: string) => jobs.filter((j) => j.step === step);
  // Every step of the flow went to the system (none ran here).
  assert.deepEqual(new Set(jobs.map((j) => j.system)), new Set([system]));
  // The solves: one array of all 200 (25 calls an element).
  assert.deepEqual(of(SOLVE).map((j) => store.jobs.callsOf(j.id).length), [200]);
  assert.deepEqual(of(SOLVE).map((j) => j.size), [8]);
  // The charges: one array over the 91 unmasked elements, then one per restart round over
  // only the elements that failed in the round before.
  const charge = of(CHARGE);
  assert.equal(charge.length, 1 + rounds, charge.map((j) => j.size).join());
  const sizes = charge.map((j) => store.jobs.callsOf(j.id).length);
  assert.equal(sizes[0], 91);
  for (let k = 1; k < charge.length; k++) {
    const failedBefore = store.jobs.callsOf(charge[k - 1].id).filter((c) => c.state === "failed");
    assert.deepEqual(
      store.jobs.callsOf(charge[k].id).map((c) => c.key).sort(),
      failedBefore.map((c) => c.key).sort(),
      `round ${k} reruns exactly the elements that failed in round ${k - 1}`,
    );
  }
  return out;
}

Deno.test({
  name:
    "flow.on(slurm): one sbatch per step, the charges' over unmasked elements only, one sbatch per restart round",
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    await using p = await remoteProject(requireSlurm());
    const out = await runOn(p, "slurm");
    using store = p.store();
    const jobs = store.jobs.listJobs();
    const sbatch = p.sbatchCalls();
    // geometry, mesh, materials, solves, average: one each; charges: 1 + rounds.
    assert.equal(sbatch.length, 5 + 1 + out.steps[CHARGE].restarts, sbatch.join("\n"));
    // Each sbatch submitted one recorded job, whose script asks for its array.
    for (const j of jobs) {
      const line = sbatch.find((l) => l.includes(j.name));
      assert.ok(line, `job ${j.name} (${j.step}) was submitted by sbatch`);
      const script = line.split(" ").at(-1)!.replace(/^'|'$/g, "");
      const m = Deno.readTextFileSync(script).match(/^#SBATCH --array=0-(\d+)/m);
      assert.equal(m ? Number(m[1]) + 1 : 1, j.size, `${j.step}: --array of ${j.size}`);
    }
  },
});
