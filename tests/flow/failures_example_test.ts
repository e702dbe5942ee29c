import assert from "node:assert/strict";
import { type FlowArray, openSession } from "../../mod.ts";
import { BASE, failuresFlow } from "../../examples/flows_failures.ts";
import { tempDir } from "../_helpers/temp.ts";

Deno.test("examples/flows_failures.ts: skip, mask and restart", async () => {
  await using dir = await tempDir();
  await using session = openSession({ dir: `${dir.path}/.drover`, recordRun: false });
  const states = (run: { steps: Record<string, { state: string }> }) =>
    Object.fromEntries(Object.entries(run.steps).map(([k, s]) => [k.split(".")[1], s.state]));

  const meshError = await failuresFlow.run({ ...BASE, mesh_error: true }, { session });
  assert.deepEqual(states(meshError), {
    make_geometry: "succeeded",
    make_mesh: "failed",
    make_materials: "succeeded",
    run_electrostatics: "skipped",
    get_charge: "skipped",
    average_charge: "skipped",
  });
  assert.equal(
    meshError.steps["flows_electrostatics.average_charge"].causes[0].error.message,
    "meshing failed (mesh_error is set)",
  );

  const limited = await failuresFlow.run({ ...BASE, V_limits: [-3, 3] }, { session });
  const charge = limited.data.get("charge")!.value as FlowArray<number>;
  // V_left 0..4.5 by 0.5 (7 within 3), V_right 0..-4.75 by 0.25 (13 within -3).
  assert.deepEqual(charge.counts(), { ok: 7 * 13, failed: 0, skipped: 200 - 91 });
  assert.match(
    charge.rootCauses(charge.flatIndex([9, 0]))[0].error.message,
    /voltage 4.5 is outside/,
  );
  assert.equal(limited.returns.average_charge, charge.mean());
  assert.equal(limited.steps["flows_failures.run_electrostatics"].state, "partial");

  const flaky = await failuresFlow.run({ ...BASE, failure_probability: 0.3 }, { session });
  const c = flaky.steps["flows_failures.get_charge"];
  assert.ok(c.restarts >= 1, "some of 200 charges failed at p = 0.3 and were restarted");
  assert.equal(c.counts.ok + c.counts.failed + c.counts.skipped, 200);
  assert.ok(c.counts.ok >= 190);
});
