/**
 * Quickstart: three steps, each pretending to work for a while. Run it twice:
 *
 *   deno task demo      # first run: computes (about 2 s)
 *   deno task demo      # second run: every call comes from the cache (milliseconds)
 *
 * Then look at what was recorded: `deno task drover status`, `deno task drover calls ls`.
 * Edit `relax` below and run again: only relax and what depends on its results rerun.
 *
 * @module
 */
import { configure, type DroverEvent, map, step } from "drover";

/** Stands in for real work (a DFT relaxation, an MD run...). */
function work(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Builds a toy "structure": a chain of atoms with a given spacing. */
export const build = step("quickstart.build", async ({ n, spacing }: {
  n: number;
  spacing: number;
}) => {
  await work(200);
  return { positions: Float64Array.from({ length: n }, (_, i) => i * spacing) };
});

/** "Relaxes" a structure: pulls every spacing toward 1.0. */
export const relax = step("quickstart.relax", async ({ structure, fmax }: {
  structure: { positions: Float64Array };
  fmax: number;
}) => {
  await work(500);
  const p = structure.positions;
  const relaxed = p.map((_, i) => i === 0 ? p[0] : p[0] + i * (1 + (p[1] - p[0] - 1) * fmax));
  return { positions: relaxed };
});

/** A toy pair energy of a structure. */
export const energy = step("quickstart.energy", async ({ structure }: {
  structure: { positions: Float64Array };
}) => {
  await work(300);
  let e = 0;
  const p = structure.positions;
  for (let i = 1; i < p.length; i++) {
    const r = p[i] - p[i - 1];
    e += 1 / r ** 12 - 2 / r ** 6;
  }
  return e;
});

if (import.meta.main) {
  const counts = { ran: 0, cached: 0 };
  configure({
    onEvent: (e: DroverEvent) => {
      if (e.type === "call-done") counts.ran++;
      if (e.type === "call-cached") counts.cached++;
    },
  });
  const started = performance.now();
  const structures = await Promise.all(
    [0.9, 1.1, 1.3].map((spacing) => build({ n: 8, spacing })),
  );
  const relaxed = await map(relax, structures.map((structure) => ({ structure, fmax: 0.1 })));
  const energies = await map(energy, relaxed.unwrap().map((structure) => ({ structure })));
  for (const [i, e] of energies.unwrap().entries()) {
    console.log(`structure ${i}: energy ${e.toFixed(4)}`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  console.log(`${counts.ran} calls ran, ${counts.cached} came from the cache, ${seconds} s`);
  if (counts.ran > 0) console.log("Run it again: every call will come from the cache.");
}
