/**
 * The failures tutorial as a flow: what a run does when a step fails (it is skipped
 * downstream, the rest carries on), when some elements of a map fail (they are masked and
 * the average sees only the others), and when elements fail transiently (they are
 * restarted, in rounds of only the failed ones).
 *
 *   deno run -A examples/flows_failures.ts
 *   deno run -A examples/flows_failures.ts --on cluster   # every step on a system of drover.yaml
 *
 * - `mesh_error: true`: meshing fails, so the solves, the charges and the average are
 *   skipped; geometry and materials still run.
 * - `V_limits: [lo, hi]`: a solve outside the limits fails; its charge is skipped and the
 *   average is over the rest.
 * - `failure_probability: p`: each charge fails with probability p, marked retryable, and is
 *   restarted up to 5 times.
 *
 * @module
 */
import { concurrently, flow, type FlowArray, type FlowRun, mapStep, report, step } from "drover";
import {
  averageCharge,
  chargeOf,
  type Electrostatics,
  type Geometry,
  makeGeometry,
  makeMaterials,
  type Materials,
  type Mesh,
  meshOf,
  permittivityGrid,
  solveLaplace,
  V_LEFT,
  V_RIGHT,
} from "./flows_electrostatics.ts";

export const makeMesh = step(
  "flows_failures.make_mesh",
  ({ geometry, mesh_size, mesh_error = false }: {
    geometry: Geometry;
    mesh_size: number;
    mesh_error?: boolean;
  }): Mesh => {
    if (mesh_error) throw new Error("meshing failed (mesh_error is set)");
    return meshOf(geometry, mesh_size);
  },
  { returns: "mesh" },
);

export const runElectrostatics = step(
  "flows_failures.run_electrostatics",
  ({ mesh, materials, V_left, V_right, V_limits = [-Infinity, Infinity] }: {
    mesh: Mesh;
    materials: Materials;
    V_left: number;
    V_right: number;
    V_limits?: readonly [number, number];
  }): Electrostatics => {
    for (const v of [V_left, V_right]) {
      if (v < V_limits[0] || v > V_limits[1]) {
        throw new RangeError(`voltage ${v} is outside the limits [${V_limits.join(", ")}]`);
      }
    }
    return solveLaplace(mesh, permittivityGrid(mesh, materials), V_left, V_right);
  },
  { returns: "electrostatics" },
);

export const getCharge = step(
  "flows_failures.get_charge",
  ({ electrostatics, failure_probability = 0 }: {
    electrostatics: Electrostatics;
    failure_probability?: number;
  }): number => {
    if (Math.random() < failure_probability) {
      // `retryable: true` tells drover a restart may succeed.
      throw Object.assign(new Error("random failure"), { retryable: true });
    }
    return chargeOf(electrostatics);
  },
  { returns: "charge" },
);

/** The tutorial's flow with failure switches. */
export const failuresFlow = flow(
  "failures",
  makeGeometry,
  concurrently(makeMesh, makeMaterials),
)
  .pipe(mapStep(runElectrostatics, "V_left[a], V_right[b] -> electrostatics[a, b]"))
  .pipe(mapStep(getCharge, "electrostatics[i, j] -> charge[i, j]", { maxRestarts: 5 }))
  .pipe(averageCharge);

/** The tutorial's inputs, with a coarse mesh. */
export const BASE = { x: 1.0, y: 0.5, mesh_size: 0.1, V_left: V_LEFT, V_right: V_RIGHT };

function summary(title: string, run: FlowRun): string {
  const lines = [`== ${title}: ${run.state}`];
  for (const s of Object.values(run.steps)) {
    const c = s.counts;
    lines.push(
      `  ${s.step.padEnd(36)} ${
        s.state.padEnd(9)
      } ok ${c.ok}, failed ${c.failed}, skipped ${c.skipped}${
        s.restarts ? `, ${s.restarts} restart round(s)` : ""
      }${s.missing.length ? ` (missing ${s.missing.join(", ")})` : ""}`,
    );
  }
  const avg = run.returns.average_charge;
  if (typeof avg === "number") lines.push(`  average charge: ${avg.toFixed(6)}`);
  return lines.join("\n");
}

if (import.meta.main) {
  // `--on SYSTEM`: the same flow with its calls sent to SYSTEM (one array per map, one more
  // per restart round).
  const at = Deno.args.indexOf("--on");
  const f = at >= 0
    ? failuresFlow.on({ system: Deno.args[at + 1], inputsPerJob: 25 })
    : failuresFlow;
  console.log(summary("mesh_error", await f.run({ ...BASE, mesh_error: true })));
  const limited = await f.run({ ...BASE, V_limits: [-3, 3] });
  console.log(summary("V_limits [-3, 3]", limited));
  const charge = limited.data.get("charge")!.value as FlowArray<number>;
  console.log(
    `  first masked charge: ${charge.rootCauses(charge.mask.indexOf(true))[0]?.error.message}`,
  );
  console.log(
    summary(
      "failure_probability 0.3",
      await f.run({ ...BASE, failure_probability: 0.3 }),
    ),
  );
  console.log(report.graph(limited, { format: "mermaid" }));
}
