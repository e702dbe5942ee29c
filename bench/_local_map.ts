// Subprocess of bench/cache.ts: a local map of N trivial uncached calls (argument N), then,
// with a second argument "replay", the same map again against the finished calls. Prints
// one JSON line: { n, mapS, mapCpuS, replayS?, replayCpuS?, rssBytes } (wall and CPU
// seconds: on a shared machine CPU time is the steadier figure). Peak RSS is sampled while it
// runs.
import process from "node:process";
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
  let cpu = process.cpuUsage();
  const r = await map(tiny, inputs);
  const mapS = (performance.now() - t) / 1000;
  const cpuUs = (u: { user: number; system: number }): number => u.user + u.system;
  const mapCpuS = cpuUs(process.cpuUsage(cpu)) / 1e6;
  if (!r.ok) throw new Error("map failed");
  sample();
  let replayS: number | undefined;
  let replayCpuS: number | undefined;
  if (replay) {
    t = performance.now();
    cpu = process.cpuUsage();
    const again = await map(tiny, inputs);
    replayS = (performance.now() - t) / 1000;
    replayCpuS = cpuUs(process.cpuUsage(cpu)) / 1e6;
    if (!again.ok) throw new Error("replay failed");
    sample();
  }
  useSession(undefined);
  await session.close();
  const m = { n, mapS, mapCpuS, replayS, replayCpuS, rssBytes: peak };
  console.log(JSON.stringify(m));
  console.error(`local map: ${JSON.stringify(m)}`); // progress, beside the table's figures
} finally {
  clearInterval(timer);
  await Deno.remove(dir, { recursive: true });
}
