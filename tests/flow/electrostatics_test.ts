import assert from "node:assert/strict";
import { type FlowArray, inputSamples, openSession } from "../../mod.ts";
import {
  chargeOf,
  type Geometry,
  materialsOf,
  meshOf,
  permittivityGrid,
  solveLaplace,
  total,
  V_LEFT,
  V_RIGHT,
} from "../../examples/flows_electrostatics.ts";
import { tempDir } from "../_helpers/temp.ts";

Deno.test("examples/flows_electrostatics.ts: charge is [10, 20], its average matches a direct computation, 200 samples", async () => {
  await using dir = await tempDir();
  await using session = openSession({ dir: `${dir.path}/.drover`, recordRun: false });
  const inputs = { x: 1.0, y: 0.5, mesh_size: 0.1, V_left: V_LEFT, V_right: V_RIGHT };
  const run = await total.run(inputs, { session });
  assert.equal(run.state, "succeeded");
  const charge = run.returns.charge as FlowArray<number>;
  assert.deepEqual(charge.shape, [10, 20]);
  // Direct: the same physics without drover.
  const geometry: Geometry = { x: 1.0, y: 0.5 };
  const mesh = meshOf(geometry, 0.1);
  const eps = permittivityGrid(mesh, materialsOf(geometry));
  const direct = V_LEFT.flatMap((l) => V_RIGHT.map((r) => chargeOf(solveLaplace(mesh, eps, l, r))));
  assert.deepEqual(charge.values, direct);
  const mean = direct.reduce((a, b) => a + b, 0) / direct.length;
  assert.ok(Math.abs((run.returns.avg_electrostatic_charge as number) - mean) < 1e-12);
  const samples = inputSamples(run, "charge");
  assert.equal(samples.length, 200);
  assert.deepEqual(Object.keys(samples[0].inputs).sort(), [
    "V_left",
    "V_right",
    "mesh_size",
    "x",
    "y",
  ]);
  assert.deepEqual(samples[47].inputs, { V_left: 1, V_right: -1.75, x: 1, y: 0.5, mesh_size: 0.1 });
  assert.deepEqual(samples[47].index, [2, 7]);
  assert.equal(samples[47].value, charge.get(2, 7));
});
