/**
 * The flow of `deno task bench:flows`'s Slurm figure, run in a fresh project: a 100 x 100
 * outer-product map sent with `.on(...)` to the Slurm system, 100 calls an element. 3 % of
 * the elements fail on their first attempt with an error marked `retryable: true` (once, by
 * a marker file), which the flow restarts in rounds. (A failure that kills the element's
 * process would also fail the calls after it in its element as `not-started`, each round
 * getting one kill further: set KILL=1 to inject those instead.) Prints the output's counts
 * and the restart rounds as JSON.
 *
 * @module
 */
import { configure, flow, type FlowArray, mapStep, step } from "drover";

export const cell = step("bench.flow_cell", ({ a, b, markers }: {
  a: number;
  b: number;
  markers: string;
}) => {
  // A fixed 3 % of the elements, spread over the grid.
  if ((a * 37 + b * 61) % 100 < 3) {
    let first = false;
    try {
      Deno.writeTextFileSync(`${markers}/${a}_${b}`, "", { createNew: true });
      first = true;
    } catch {
      // a later attempt
    }
    if (first && Deno.env.get("KILL") === "1") Deno.kill(Deno.pid, "SIGKILL");
    if (first) throw Object.assign(new Error("injected transient failure"), { retryable: true });
  }
  return a * b;
}, { returns: "c" });

if (import.meta.main) {
  configure({ maxPollMs: 500 });
  const side = Number(Deno.env.get("SIDE") ?? "100");
  const markers = `${Deno.cwd()}/markers`;
  await Deno.mkdir(markers, { recursive: true });
  const range = Array.from({ length: side }, (_, i) => i);
  const f = flow("bench_flow_slurm")
    .pipe(mapStep(cell, "a[i], b[j] -> c[i, j]", { maxRestarts: 5 }))
    .on({
      system: "slurm",
      inputsPerJob: Number(Deno.env.get("PER_JOB") ?? "100"),
      env: { KILL: Deno.env.get("KILL") ?? "0" },
    });
  const run = await f.run({ a: range, b: range, markers });
  const c = run.data.get("c")!.value as FlowArray<number>;
  const injected = range.flatMap((a) => range.filter((b) => (a * 37 + b * 61) % 100 < 3)).length;
  console.log(JSON.stringify({
    counts: c.counts(),
    restarts: run.steps["bench.flow_cell"].restarts,
    injected,
    right: c.values.every((v, k) => v === Math.floor(k / side) * (k % side)),
  }));
}
