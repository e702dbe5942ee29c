/**
 * Remote relax: an ExPyRe/wfl-style workflow. 200 small Lennard-Jones clusters are relaxed
 * with FIRE, one `relax` call each, mapped over the inputs. The script says nothing about
 * where the calls run:
 *
 *   deno run -A examples/remote_relax.ts                 # all 200 calls on this machine
 *
 * To send the `relax` calls to a Slurm cluster instead, name a system in `drover.yaml`
 * (next to `.drover/`) and route the step with remote info, unchanged script:
 *
 *   # drover.yaml
 *   systems:
 *     cluster: { scheduler: slurm, rundir: /scratch/me/drover, pollMs: 2000 }
 *     # or behind SSH: { host: me@login.hpc.example.org, scheduler: slurm, ... }
 *
 *   DROVER_REMOTE_INFO='{"remote_relax.ts::relax": {"system": "cluster",
 *     "inputsPerJob": 10, "resources": {"cores": 1, "time": "10:00"}}}' \
 *     deno run -A examples/remote_relax.ts
 *
 * That makes one `sbatch` of a 20-element job array (10 calls per element). Kill the
 * script while the jobs run and start it again: it re-attaches to the same jobs. Results
 * are the same numbers wherever they were computed.
 *
 * @module
 */
import { map, step } from "drover";

/** One cluster to relax: flat x, y, z coordinates. */
export interface Cluster {
  /** Which input this is. */
  readonly id: number;
  /** Coordinates, 3 per atom. */
  readonly positions: Float64Array;
}

/** A relaxed cluster. */
export interface Relaxed {
  /** Which input this was. */
  readonly id: number;
  /** Lennard-Jones energy (epsilon = sigma = 1). */
  readonly energy: number;
  /** Largest force component left. */
  readonly fmax: number;
  /** FIRE steps taken. */
  readonly steps: number;
  /** Relaxed coordinates. */
  readonly positions: Float64Array;
}

/** Lennard-Jones energy and forces of a cluster. */
function lennardJones(x: Float64Array, forces: Float64Array): number {
  forces.fill(0);
  let energy = 0;
  const n = x.length / 3;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = x[3 * i] - x[3 * j];
      const dy = x[3 * i + 1] - x[3 * j + 1];
      const dz = x[3 * i + 2] - x[3 * j + 2];
      const r2 = dx * dx + dy * dy + dz * dz;
      const s6 = 1 / (r2 * r2 * r2);
      energy += 4 * (s6 * s6 - s6);
      const f = (48 * s6 * s6 - 24 * s6) / r2;
      forces[3 * i] += f * dx;
      forces[3 * i + 1] += f * dy;
      forces[3 * i + 2] += f * dz;
      forces[3 * j] -= f * dx;
      forces[3 * j + 1] -= f * dy;
      forces[3 * j + 2] -= f * dz;
    }
  }
  return energy;
}

/** Relaxes one cluster with FIRE (Bitzek et al. 2006) until every force is below `fmax`. */
export const relax = step("remote_relax.relax", ({ cluster, fmax, maxSteps }: {
  cluster: Cluster;
  fmax: number;
  maxSteps: number;
}): Relaxed => {
  const x = Float64Array.from(cluster.positions);
  const v = new Float64Array(x.length);
  const f = new Float64Array(x.length);
  let dt = 0.005;
  let alpha = 0.1;
  let positiveSteps = 0;
  let energy = lennardJones(x, f);
  let steps = 0;
  let worst = Math.max(...f.map(Math.abs));
  while (worst > fmax && steps < maxSteps) {
    let power = 0, vv = 0, ff = 0;
    for (let k = 0; k < x.length; k++) {
      power += f[k] * v[k];
      vv += v[k] * v[k];
      ff += f[k] * f[k];
    }
    const scale = ff > 0 ? Math.sqrt(vv / ff) : 0;
    for (let k = 0; k < x.length; k++) v[k] = (1 - alpha) * v[k] + alpha * scale * f[k];
    if (power > 0) {
      if (++positiveSteps > 5) {
        dt = Math.min(dt * 1.1, 0.05);
        alpha *= 0.99;
      }
    } else {
      positiveSteps = 0;
      dt *= 0.5;
      alpha = 0.1;
      v.fill(0);
    }
    for (let k = 0; k < x.length; k++) {
      v[k] += dt * f[k];
      x[k] += dt * v[k];
    }
    energy = lennardJones(x, f);
    worst = Math.max(...f.map(Math.abs));
    steps++;
  }
  return { id: cluster.id, energy, fmax: worst, steps, positions: x };
});

/** A deterministic pseudo-random cluster of `atoms` atoms on a jittered cubic grid. */
export function makeCluster(id: number, atoms: number): Cluster {
  let seed = (id + 1) * 2654435761 >>> 0;
  const random = (): number => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const side = Math.ceil(Math.cbrt(atoms));
  const positions = new Float64Array(atoms * 3);
  for (let a = 0; a < atoms; a++) {
    const grid = [a % side, Math.floor(a / side) % side, Math.floor(a / side / side)];
    for (let d = 0; d < 3; d++) positions[3 * a + d] = 1.12 * grid[d] + 0.15 * (random() - 0.5);
  }
  return { id, positions };
}

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 200);
  const started = performance.now();
  const clusters = Array.from({ length: n }, (_, i) => makeCluster(i, 6 + (i % 7)));
  const relaxed = await map(
    relax,
    clusters.map((cluster) => ({ cluster, fmax: 1e-3, maxSteps: 5000 })),
  );
  const results = relaxed.unwrap();
  const total = results.reduce((sum, r) => sum + r.energy, 0);
  const lowest = results.reduce((best, r) => r.energy < best.energy ? r : best);
  console.log(
    `relaxed ${results.length} clusters in ${((performance.now() - started) / 1000).toFixed(2)} s`,
  );
  console.log(
    `sum of energies ${total.toFixed(6)}; lowest: cluster ${lowest.id} at ${
      lowest.energy.toFixed(6)
    }`,
  );
  console.log(`checksum ${results.map((r) => r.energy.toFixed(9)).join(",").length}:${total}`);
}
