/**
 * Cache benchmarks (not part of the test task): `deno task bench`.
 *
 * Prints each figure next to its goal:
 * - cache-hit overhead per call with small arguments (goal < 20 µs median, in-process)
 * - hashing throughput for a 100 MB Float64Array (goal ≥ 1 GB/s)
 * - replay of a script whose 10,000 calls are all finished (goal < 1 s total, whole process)
 * - local throughput of 10,000 trivial uncached calls (goal ≥ 5,000 calls/s, in-process)
 * - a local map of 10k, 100k and 1M trivial calls, each in a fresh subprocess: time per call
 *   (goal at 100k and 1M: within 1.3x of 10k; wall time, and CPU time, which other load on
 *   the machine disturbs less) and peak RSS (goal ≤ 400 MB); the 1M cached replay (goal
 *   ≤ 10 s). `deno task bench -- --quick` skips the 1M sizes.
 *
 * @module
 */
import { hashValue, map, openSession, step, useSession } from "../mod.ts";

const N = 10_000;
const rows: { name: string; value: string; goal: string; met: boolean }[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const tmp = await Deno.makeTempDir({ prefix: "drover-bench-" });
try {
  // 1 + 4: in-process throughput of uncached calls, then cache-hit overhead.
  const session = openSession({ dir: `${tmp}/inproc/.drover` });
  useSession(session);
  const add = step("bench.add", ({ a, b }: { a: number; b: number }) => a + b);
  await add({ a: -1, b: -1 }); // code identity computed once, outside the timing
  let t = performance.now();
  const r = await map(add, Array.from({ length: N }, (_, i) => ({ a: i, b: 1 })));
  const uncachedS = (performance.now() - t) / 1000;
  if (!r.ok) throw new Error("uncached calls failed");
  const rate = N / uncachedS;
  rows.push({
    name: `local throughput, ${N} trivial uncached calls`,
    value: `${Math.round(rate)} calls/s`,
    goal: "≥ 5000 calls/s",
    met: rate >= 5000,
  });

  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    await add({ a: i, b: 1 });
    times.push((performance.now() - s) * 1000);
  }
  const hitUs = median(times);
  rows.push({
    name: "cache-hit overhead per call, small args (median)",
    value: `${hitUs.toFixed(1)} µs`,
    goal: "< 20 µs",
    met: hitUs < 20,
  });
  useSession(undefined);
  await session.close();

  // 2: hashing throughput.
  const big = new Float64Array((100 * 1024 * 1024) / 8);
  for (let i = 0; i < big.length; i++) big[i] = i * 0.5;
  hashValue(big.subarray(0, 1024));
  const rates: number[] = [];
  for (let k = 0; k < 5; k++) {
    t = performance.now();
    hashValue(big);
    rates.push(big.byteLength / ((performance.now() - t) / 1000) / 1e9);
  }
  const gbs = median(rates);
  rows.push({
    name: "hashing a 100 MB Float64Array",
    value: `${gbs.toFixed(2)} GB/s`,
    goal: "≥ 1 GB/s",
    met: gbs >= 1,
  });

  // 3: replay of a finished 10,000-call script, measured as a whole process.
  const project = `${tmp}/replay`;
  await Deno.mkdir(project);
  const script = new URL("./_replay_workflow.ts", import.meta.url).pathname;
  const config = new URL("../deno.json", import.meta.url).pathname;
  const run = async (): Promise<number> => {
    const s = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", config, script, String(N)],
      cwd: project,
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error("replay script failed");
    return (performance.now() - s) / 1000;
  };
  const firstS = await run();
  const replays = [await run(), await run(), await run()];
  const replayS = median(replays);
  rows.push({
    name: `replay of a script with ${N} finished calls (first run ${firstS.toFixed(2)} s)`,
    value: `${replayS.toFixed(2)} s`,
    goal: "< 1 s",
    met: replayS < 1,
  });

  // 5: flat cost in the number of calls, each size in its own process (RSS per size).
  const mapScript = new URL("./_local_map.ts", import.meta.url).pathname;
  const sizes = Deno.args.includes("--quick") ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
  let perCall10k = 0;
  let cpuPerCall10k = 0;
  for (const n of sizes) {
    const replay = n === 1_000_000;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", config, mapScript, String(n), ...(replay ? ["replay"] : [])],
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error(`local map of ${n} calls failed`);
    const m = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      mapS: number;
      mapCpuS: number;
      replayS?: number;
      replayCpuS?: number;
      rssBytes: number;
    };
    const us = (m.mapS / n) * 1e6;
    if (n === 10_000) perCall10k = us;
    const ratio = us / perCall10k;
    rows.push({
      name: `local map of ${n} trivial calls, time per call`,
      value: n === 10_000 ? `${us.toFixed(0)} µs` : `${us.toFixed(0)} µs (${ratio.toFixed(2)}x)`,
      goal: n === 10_000 ? "(reference)" : "≤ 1.3x of 10k",
      met: ratio <= 1.3,
    });
    // CPU time of the process (user + system): steadier than wall time on a shared machine.
    const cpuUs = (m.mapCpuS / n) * 1e6;
    if (n === 10_000) cpuPerCall10k = cpuUs;
    const cpuRatio = cpuUs / cpuPerCall10k;
    rows.push({
      name: `local map of ${n} trivial calls, CPU time per call`,
      value: n === 10_000
        ? `${cpuUs.toFixed(0)} µs`
        : `${cpuUs.toFixed(0)} µs (${cpuRatio.toFixed(2)}x)`,
      goal: n === 10_000 ? "(reference)" : "≤ 1.3x of 10k",
      met: cpuRatio <= 1.3,
    });
    const mb = m.rssBytes / 1e6;
    rows.push({
      name: `local map of ${n} trivial calls, peak RSS`,
      value: `${mb.toFixed(0)} MB`,
      goal: "≤ 400 MB",
      met: mb <= 400,
    });
    if (m.replayS !== undefined) {
      rows.push({
        name: `cached replay of ${n} calls`,
        value: `${m.replayS.toFixed(2)} s (CPU ${m.replayCpuS?.toFixed(2)} s)`,
        goal: "≤ 10 s",
        met: m.replayS <= 10,
      });
    }
  }
} finally {
  await Deno.remove(tmp, { recursive: true });
}

const width = Math.max(...rows.map((r) => r.name.length));
console.log("drover cache benchmarks");
for (const r of rows) {
  console.log(
    `${r.name.padEnd(width)}  ${r.value.padStart(14)}  goal ${r.goal.padEnd(15)} ${
      r.met ? "met" : "NOT MET"
    }`,
  );
}
