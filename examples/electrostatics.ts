/**
 * The electrostatics tutorial as a plain drover script: build a geometry, mesh it, assign
 * materials, solve the electrostatic problem for every pair of electrode voltages on a
 * 10 x 20 grid, take the charge on the left electrode of each solution and average them.
 *
 *   deno run -A examples/electrostatics.ts
 *
 * The solver is a small finite-difference Laplace solve (Jacobi iterations with a
 * position-dependent permittivity); 200 solves take a few seconds the first time and
 * nothing the second. Change `meshSize` and only the mesh and everything after it rerun;
 * the geometry is reused.
 *
 * @module
 */
import { map, step } from "drover";

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
  "electrostatics.make_geometry",
  ({ x, y }: { x: number; y: number }): Geometry => ({ x, y }),
);

export const makeMesh = step(
  "electrostatics.make_mesh",
  ({ geometry, meshSize }: { geometry: Geometry; meshSize: number }): Mesh =>
    meshOf(geometry, meshSize),
);

export const makeMaterials = step(
  "electrostatics.make_materials",
  ({ geometry, materials }: { geometry: Geometry; materials: readonly string[] }): Materials => {
    const permittivity: Record<string, number> = { air: 1, glass: 4.7, water: 80, oxide: 3.9 };
    return {
      bands: materials.map((name, i) => {
        const epsilon = permittivity[name];
        if (epsilon === undefined) throw new RangeError(`unknown material "${name}"`);
        return { until: (geometry.x * (i + 1)) / materials.length, epsilon };
      }),
    };
  },
);

export const runElectrostatics = step(
  "electrostatics.run_electrostatics",
  ({ mesh, materials, vLeft, vRight }: {
    mesh: Mesh;
    materials: Materials;
    vLeft: number;
    vRight: number;
  }): Electrostatics => solveLaplace(mesh, permittivityGrid(mesh, materials), vLeft, vRight),
);

export const getCharge = step(
  "electrostatics.get_charge",
  ({ solution }: { solution: Electrostatics }): number => chargeOf(solution),
);

export const averageCharge = step(
  "electrostatics.average_charge",
  ({ charges }: { charges: readonly number[] }): number =>
    charges.reduce((a, b) => a + b, 0) / charges.length,
);

/** A grid with spacing `h` over the geometry. */
export function meshOf(geometry: Geometry, h: number): Mesh {
  const nx = Math.max(3, Math.round(geometry.x / h) + 1);
  const ny = Math.max(3, Math.round(geometry.y / h) + 1);
  return { geometry, nx, ny, h };
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

/**
 * `iterations` Jacobi iterations for div(eps grad phi) = 0 with Dirichlet electrodes left
 * and right.
 */
export function solveLaplace(
  mesh: Mesh,
  epsilon: Float64Array,
  vLeft: number,
  vRight: number,
  iterations = 400,
): Electrostatics {
  const { nx, ny } = mesh;
  let phi = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) phi[j * nx + i] = vLeft + (vRight - vLeft) * (i / (nx - 1));
  }
  let next = phi.slice();
  for (let iter = 0; iter < iterations; iter++) {
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
  const geometry = await makeGeometry({ x: 1.0, y: 0.5 });
  // Mesh and materials depend only on the geometry: build them side by side.
  const [mesh, materials] = await Promise.all([
    makeMesh({ geometry, meshSize: 0.05 }),
    makeMaterials({ geometry, materials: ["air", "glass"] }),
  ]);
  const vLefts = Array.from({ length: 10 }, (_, i) => i * 0.5);
  const vRights = Array.from({ length: 20 }, (_, i) => -i * 0.25);
  const grid = vLefts.flatMap((vLeft) => vRights.map((vRight) => ({ vLeft, vRight })));
  const solutions = await map(
    runElectrostatics,
    grid.map(({ vLeft, vRight }) => ({ mesh, materials, vLeft, vRight })),
  );
  const charges = await map(
    getCharge,
    solutions.unwrap().map((solution) => ({ solution })),
  );
  const average = await averageCharge({ charges: charges.unwrap() });
  console.log(`${grid.length} solves, average charge on the left electrode: ${average.toFixed(6)}`);
  console.log(`took ${((performance.now() - started) / 1000).toFixed(2)} s`);
}
