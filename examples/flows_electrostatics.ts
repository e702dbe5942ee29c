/**
 * The electrostatics tutorial as two joined flows: a model flow (geometry, then mesh and
 * materials side by side) and an electrostatics flow (a solve for every pair of electrode
 * voltages on a 10 x 20 grid, the charge of each, their average).
 *
 *   deno run -A examples/flows_electrostatics.ts
 *
 * Every element is a cached step call: run it twice and the second run calls nothing. With
 * `DROVER_REMOTE_INFO` routing `flows_electrostatics.run_electrostatics` to a system, the
 * 200 solves go there as one job array.
 *
 * @module
 */
import { concurrently, flow, type FlowArray, inputSamples, mapStep, report, step } from "drover";
import {
  chargeOf,
  type Electrostatics,
  type Geometry,
  type Materials,
  type Mesh,
  meshOf,
  permittivityGrid,
  solveLaplace as solve,
} from "./electrostatics.ts";

// The physics is examples/electrostatics.ts's; this module wires it as flows.
export type { Electrostatics, Geometry, Materials, Mesh } from "./electrostatics.ts";
export { chargeOf, meshOf, permittivityGrid } from "./electrostatics.ts";

export const makeGeometry = step(
  "flows_electrostatics.make_geometry",
  ({ x, y }: { x: number; y: number }): Geometry => ({ x, y }),
  { returns: "geometry" },
);

export const makeMesh = step(
  "flows_electrostatics.make_mesh",
  ({ geometry, mesh_size }: { geometry: Geometry; mesh_size: number }): Mesh =>
    meshOf(geometry, mesh_size),
  { returns: "mesh" },
);

export const makeMaterials = step(
  "flows_electrostatics.make_materials",
  ({ geometry }: { geometry: Geometry }): Materials => materialsOf(geometry),
  { returns: "materials" },
);

export const runElectrostatics = step(
  "flows_electrostatics.run_electrostatics",
  ({ mesh, materials, V_left, V_right }: {
    mesh: Mesh;
    materials: Materials;
    V_left: number;
    V_right: number;
  }): Electrostatics => solveLaplace(mesh, permittivityGrid(mesh, materials), V_left, V_right),
  { returns: "electrostatics" },
);

export const getCharge = step(
  "flows_electrostatics.get_charge",
  ({ electrostatics }: { electrostatics: Electrostatics }): number => chargeOf(electrostatics),
  { returns: "charge" },
);

export const averageCharge = step(
  "flows_electrostatics.average_charge",
  ({ charge }: { charge: FlowArray<number> }): number => charge.mean(),
  { returns: "average_charge" },
);

/** Geometry, then mesh and materials side by side. */
export const modelFlow = flow("model_flow", makeGeometry, concurrently(makeMesh, makeMaterials));

/** A solve per voltage pair, the charge of each, their average. */
export const electrostaticsFlow = flow("electrostatics_flow")
  .pipe(mapStep(runElectrostatics, "V_left[a], V_right[b] -> electrostatics[a, b]"))
  .pipe(mapStep(getCharge, "electrostatics[i, j] -> charge[i, j]", { maxRestarts: 5 }))
  .pipe(averageCharge);

/** Both, joined by name. */
export const total = flow("total").join(modelFlow).join(electrostaticsFlow)
  .returning("charge", { average_charge: "avg_electrostatic_charge" });

/** The tutorial's grid: 10 left voltages by 20 right voltages. */
export const V_LEFT: readonly number[] = Array.from({ length: 10 }, (_, i) => i * 0.5);
/** Right voltages. */
export const V_RIGHT: readonly number[] = Array.from({ length: 20 }, (_, i) => -i * 0.25);

/** Air on the left half, glass on the right. */
export function materialsOf(geometry: Geometry): Materials {
  return {
    bands: [{ until: geometry.x / 2, epsilon: 1 }, { until: geometry.x, epsilon: 4.7 }],
  };
}

/** The solver of examples/electrostatics.ts, with the 200 iterations this tutorial uses. */
export function solveLaplace(
  mesh: Mesh,
  epsilon: Float64Array,
  vLeft: number,
  vRight: number,
): Electrostatics {
  return solve(mesh, epsilon, vLeft, vRight, 200);
}

if (import.meta.main) {
  const started = performance.now();
  const run = await total.run({
    x: 1.0,
    y: 0.5,
    mesh_size: 0.05,
    V_left: V_LEFT,
    V_right: V_RIGHT,
  });
  const charge = run.returns.charge as FlowArray<number>;
  console.log(`charge: shape [${charge.shape}], ${charge.counts().ok} ok`);
  console.log(
    `average charge on the left electrode: ${
      (run.returns.avg_electrostatic_charge as number).toFixed(6)
    }`,
  );
  const samples = inputSamples(run, "charge");
  console.log(`${samples.length} samples; the first:`, samples[0].inputs, samples[0].value);
  console.log(report.graph(run, { format: "mermaid" }));
  console.log(`took ${((performance.now() - started) / 1000).toFixed(2)} s`);
}
