/**
 * Flow benchmarks (not part of the test task): `deno task bench:flows [N]`.
 *
 * Prints each figure next to its goal (issue 11):
 * - orchestration overhead per element of a 3-step mapped flow with trivial steps, in
 *   process, first run (goal ≤ 5 µs per element; every element is a cached step call)
 * - cached replay of the same flow per element (goal ≤ 2 µs)
 * - planning a 1000 x 1000 map: shape plus every element's inputs (goal ≤ 1 s)
 * - driver RSS after planning it (goal ≤ 300 MB while running it; running 10⁶ calls is not
 *   done here)
 *
 * Not measured here: the sbatch count of a 100 x 100 map with injected transient failures on
 * Slurm (tests/e2e/flow_remote_test.ts checks one sbatch per map plus one per restart round).
 *
 * @module
 */
import { flow, mapStep, openSession, planMap, step } from "../mod.ts";

const N = Number(Deno.args[0] ?? "2000");
const rows: { name: string; value: string; goal: string; met: boolean }[] = [];

const a = step("bench.flow_a", ({ x }: { x: number }) => x + 1, { returns: "y" });
const b = step("bench.flow_b", ({ y }: { y: number }) => y * 2, { returns: "z" });
const c = step("bench.flow_c", ({ z }: { z: number }) => z - 1, { returns: "w" });
const f = flow(
  "bench",
  mapStep(a, "x[i] -> y[i]"),
  mapStep(b, "y[i] -> z[i]"),
  mapStep(c, "z[i] -> w[i]"),
);

const tmp = await Deno.makeTempDir({ prefix: "drover-bench-flows-" });
try {
  const session = openSession({ dir: `${tmp}/.drover`, recordRun: false });
  await f.run({ x: [-1] }, { session }); // code identities once, outside the timing
  const xs = Array.from({ length: N }, (_, i) => i);
  let t = performance.now();
  await f.run({ x: xs }, { session });
  const first = ((performance.now() - t) * 1000) / (3 * N);
  rows.push({
    name: `3-step mapped flow, ${N} elements, first run, per element-call`,
    value: `${first.toFixed(1)} µs`,
    goal: "≤ 5 µs",
    met: first <= 5,
  });
  t = performance.now();
  await f.run({ x: xs }, { session });
  const replay = ((performance.now() - t) * 1000) / (3 * N);
  rows.push({
    name: `the same flow replayed from the cache, per element-call`,
    value: `${replay.toFixed(1)} µs`,
    goal: "≤ 2 µs",
    met: replay <= 2,
  });
  await session.close();

  const side = Array.from({ length: 1000 }, (_, i) => i);
  t = performance.now();
  const plan = planMap("x[i], y[j] -> z[i, j]", { x: side, y: side });
  let runnable = 0;
  for (let k = 0; k < plan.size; k++) if (plan.element(k).kind === "run") runnable++;
  const planMs = performance.now() - t;
  if (runnable !== 1_000_000) throw new Error("planning lost elements");
  rows.push({
    name: "plan a 1000 x 1000 map (shape and every element's inputs)",
    value: `${planMs.toFixed(0)} ms`,
    goal: "≤ 1000 ms",
    met: planMs <= 1000,
  });
  const rss = Deno.memoryUsage().rss / 1e6;
  rows.push({
    name: "driver RSS after planning it",
    value: `${rss.toFixed(0)} MB`,
    goal: "≤ 300 MB",
    met: rss <= 300,
  });
} finally {
  await Deno.remove(tmp, { recursive: true });
}

const width = Math.max(...rows.map((r) => r.name.length));
console.log("drover flow benchmarks (a shared machine: figures are disturbed by its load)");
for (const r of rows) {
  console.log(
    `${r.name.padEnd(width)}  ${r.value.padStart(10)}  goal ${r.goal.padEnd(10)} ${
      r.met ? "met" : "NOT MET"
    }`,
  );
}
