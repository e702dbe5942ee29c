/**
 * Flows on the remote runtime: a routed map runs as one array over only the unmasked
 * elements, and a flow restart round is one more array over only the failed elements; on
 * the `local` scheduler (everywhere) and on the REAL local Slurm cluster.
 */
import assert from "node:assert/strict";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";
import { REPO_ROOT } from "../_helpers/temp.ts";
import { type RemoteProject, remoteProject } from "./_remote_project.ts";

async function runFlow(p: RemoteProject, system: string): Promise<void> {
  await Deno.copyFile(
    `${REPO_ROOT}/tests/e2e/fixtures/flow_workflow.ts`,
    `${p.path}/flow_workflow.ts`,
  );
  // The runtime itself does not restart (maxRestarts 0): the flow's round does.
  const route = { "flow-work": { system, inputsPerJob: 1, maxRestarts: 0 } };
  const r = await p.run("flow_workflow.ts", { route, env: { MARKER: `${p.path}/marker` } });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.values, [0, 10, null, 30, 40, 50]);
  assert.deepEqual(out.states, ["ok", "ok", "skipped", "ok", "ok", "ok"]);
  assert.deepEqual(out.causes, ["x = 2 is not allowed"]);
  assert.equal(out.restarts, 1);
  using store = p.store();
  const jobs = store.jobs.listJobs().sort((a, b) => a.id - b.id);
  assert.deepEqual(jobs.map((j) => j.size), [5, 1], "one array of the 5 unmasked, then 1 restart");
  assert.deepEqual(
    store.jobs.callsOf(jobs[0].id).map((c) => c.reason).sort(),
    [
      "killed",
      null,
      null,
      null,
      null,
    ].sort(),
  );
}

Deno.test("a routed flow map runs over unmasked elements only, and a restart round is one job (local scheduler)", async () => {
  await using p = await remoteProject("");
  await runFlow(p, "here");
});

Deno.test({
  name:
    "a routed flow map is one sbatch over unmasked elements, plus one per restart round (Slurm)",
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    await using p = await remoteProject(requireSlurm());
    await runFlow(p, "slurm");
    const calls = p.sbatchCalls();
    assert.equal(calls.length, 2, calls.join("\n"));
  },
});
