/**
 * Screening over a table: 500 generated "structures", a cheap filter over all of them, a rough
 * calculation over the survivors (smallest first), and an accurate one over the best rough
 * results. Each task keeps a fixed number of calls in flight and takes the next best row as
 * soon as one finishes; every call is a cached step, so a rerun only does what is new.
 *
 *   deno run -A examples/screening.ts             # fills the table (once) and runs the tasks
 *
 * From another shell, while it runs (the runner reads the settings at its next claim):
 *
 *   deno task drover queue status                  # per task: pending, running, done, next rows
 *   deno task drover queue set rough --in-flight 8 --priority "length ASC"
 *   deno task drover queue promote accurate 17     # take row 17 next
 *   deno task drover table show structures --where "rough.barrier < 0.3" --order-by "nsites"
 *
 * To send the rough calculations to Slurm without editing this file, route them with remote
 * info, e.g. DROVER_REMOTE_INFO='{"screening.ts::rough": {"system": "cluster"}}'; calls freed
 * together go out as one job array.
 *
 * @module
 */
import { z } from "zod";
import { runQueue, step, table, task, type TaskCall } from "drover";

/** A generated structure. */
export interface Structure {
  /** Its number. */
  readonly id: number;
  /** How many sites it has. */
  readonly nsites: number;
  /** The length of its diffusion path, Å. */
  readonly length: number;
}

/** The table of structures. */
export const structures = table(
  "structures",
  z.object({ id: z.number().int(), nsites: z.number().int(), length: z.number() }),
);

/** Stands in for real work. */
function work(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A cheap empirical estimate: the dimensionality of the path network. */
export const empirical = step("screening.empirical", ({ nsites, length }: Structure) => ({
  dimensionality: (nsites * 7 + Math.round(length * 10)) % 4,
}));

/** A rough barrier (a few hundred ms of "work"). */
export const roughCalc = step("screening.rough", async ({ nsites, length }: Structure) => {
  await work(100);
  return { barrier: Math.round(((nsites % 37) / 37 + length / 40) * 1000) / 1000 };
});

/** An accurate barrier (slower). */
export const accurateCalc = step("screening.accurate", async ({ id, nsites }: Structure) => {
  await work(300);
  return { barrier: ((id * 13) % 100) / 200 + nsites / 10_000 };
});

/** Stage 1: the cheap filter, over every structure. */
export const cheap = task("empirical", { from: "structures", step: empirical, inFlight: 16 });

/** Stage 2: rough barriers for small structures, smallest first; widens to 300 sites when done. */
export const rough = task("rough", {
  from: "structures",
  where: "nsites <= 150 AND empirical.dimensionality >= 1",
  priority: "nsites ASC, length ASC",
  step: ({ row }: TaskCall<Structure>) => roughCalc(row),
  inFlight: 8,
  onEmpty: ({ where }) =>
    where?.includes("<= 150") ? "nsites <= 300 AND empirical.dimensionality >= 1" : undefined,
});

/** Stage 3: accurate barriers for the best rough results, best first. */
export const accurate = task("accurate", {
  from: "structures",
  where: "rough.barrier < 0.5 AND empirical.dimensionality >= 1",
  priority: "rough.barrier ASC",
  step: accurateCalc,
  inFlight: 4,
});

if (import.meta.main) {
  const rows = Array.from({ length: 500 }, (_, i) => ({
    id: i + 1,
    nsites: 8 + ((i * 7919) % 400),
    length: Math.round((2 + ((i * 104729) % 1000) / 50) * 100) / 100,
  }));
  structures.insert(rows, { onConflict: "ignore" });
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  const report = await runQueue([cheap, rough, accurate], {
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === "widened") console.log(`${e.task}: widened to ${e.where}`);
    },
  });
  Deno.removeSignalListener("SIGINT", stop);
  for (const name of ["empirical", "rough", "accurate"]) {
    console.log(`${name}: ${report.done[name]} done, ${report.failed[name]} failed`);
  }
}
