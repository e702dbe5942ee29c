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

/** A rectangular box with an electrode on its left and right walls. */
export interface Geometry {
  readonly x: number;
  readonly y: number;
}

/** A regular grid over the geometry. */
export interface Mesh {
  readonly geometry: Geometry;
  readonly nx: number;
  readonly ny: number;
  readonly h: number;
}

/** Vertical bands of material across the box, left to right. */
export interface Materials {
  readonly bands: readonly { readonly until: number; readonly epsilon: number }[];
}

/** A solved potential. */
export interface Electrostatics {
  readonly mesh: Mesh;
  readonly potential: Float64Array;
  readonly epsilon: Float64Array;
}

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

/** A grid with spacing `h` over the geometry. */
export function meshOf(geometry: Geometry, h: number): Mesh {
  const nx = Math.max(3, Math.round(geometry.x / h) + 1);
  const ny = Math.max(3, Math.round(geometry.y / h) + 1);
  return { geometry, nx, ny, h };
}

/** Air on the left half, glass on the right. */
export function materialsOf(geometry: Geometry): Materials {
  return {
    bands: [{ until: geometry.x / 2, epsilon: 1 }, { until: geometry.x, epsilon: 4.7 }],
  };
}

/** Relative permittivity of every grid point (row-major, ny x nx). */
export function permittivityGrid(mesh: Mesh, materials: Materials): Float64Array {
  const eps = new Float64Array(mesh.nx * mesh.ny);
  for (let i = 0; i < mesh.nx; i++) {
    const x = i * mesh.h;
    const band = materials.bands.find((b) => x <= b.until + 1e-12) ?? materials.bands.at(-1)!;
    for (let j = 0; j < mesh.ny; j++) eps[j * mesh.nx + i] = band.epsilon;
  }
  return eps;
}

/** Jacobi iterations for div(eps grad phi) = 0 with Dirichlet electrodes left and right. */
export function solveLaplace(
  mesh: Mesh,
  epsilon: Float64Array,
  vLeft: number,
  vRight: number,
): Electrostatics {
  const { nx, ny } = mesh;
  let phi = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) phi[j * nx + i] = vLeft + (vRight - vLeft) * (i / (nx - 1));
  }
  let next = phi.slice();
  for (let iter = 0; iter < 200; iter++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 1; i < nx - 1; i++) {
        const k = j * nx + i;
        const up = j > 0 ? k - nx : k + nx; // mirror: insulating top and bottom walls
        const down = j < ny - 1 ? k + nx : k - nx;
        const w0 = (epsilon[k - 1] + epsilon[k]) / 2;
        const w1 = (epsilon[k + 1] + epsilon[k]) / 2;
        const w2 = (epsilon[up] + epsilon[k]) / 2;
        const w3 = (epsilon[down] + epsilon[k]) / 2;
        next[k] = (w0 * phi[k - 1] + w1 * phi[k + 1] + w2 * phi[up] + w3 * phi[down]) /
          (w0 + w1 + w2 + w3);
      }
    }
    [phi, next] = [next, phi];
  }
  return { mesh, potential: phi, epsilon };
}

/** Gauss's law on the left electrode: the sum of epsilon * dphi/dx along it. */
export function chargeOf(solution: Electrostatics): number {
  const { mesh, potential, epsilon } = solution;
  let q = 0;
  for (let j = 1; j < mesh.ny - 1; j++) {
    const k = j * mesh.nx;
    q += epsilon[k] * (potential[k] - potential[k + 1]);
  }
  return q;
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
