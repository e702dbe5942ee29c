// Subprocess of bench/cache.ts: a local map of N trivial uncached calls (argument N), then,
// with a second argument "replay", the same map again against the finished calls. Prints
// one JSON line: { n, mapS, replayS?, rssBytes }. Peak RSS is sampled while it runs.
import { map, openSession, step, useSession } from "../mod.ts";

const n = Number(Deno.args[0] ?? 10_000);
const replay = Deno.args[1] === "replay";
const dir = await Deno.makeTempDir({ prefix: "drover-bench-map-" });
let peak = 0;
const sample = (): void => {
  peak = Math.max(peak, Deno.memoryUsage().rss);
};
const timer = setInterval(sample, 50);
try {
  const session = openSession({ dir: `${dir}/.drover`, recordRun: false });
  useSession(session);
  const tiny = step("bench.map", ({ i }: { i: number }) => i + 1);
  await tiny({ i: -1 }); // code identity computed once, outside the timing
  const inputs = Array.from({ length: n }, (_, i) => ({ i }));
  let t = performance.now();
  const r = await map(tiny, inputs);
  const mapS = (performance.now() - t) / 1000;
  if (!r.ok) throw new Error("map failed");
  sample();
  let replayS: number | undefined;
  if (replay) {
    t = performance.now();
    const again = await map(tiny, inputs);
    replayS = (performance.now() - t) / 1000;
    if (!again.ok) throw new Error("replay failed");
    sample();
  }
  useSession(undefined);
  await session.close();
  console.log(JSON.stringify({ n, mapS, replayS, rssBytes: peak }));
} finally {
  clearInterval(timer);
  await Deno.remove(dir, { recursive: true });
}
