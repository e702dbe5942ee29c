/**
 * The workflow bench/driver.ts runs: N trivial calls of `bench.trivial` mapped at once
 * (routed to Slurm by DROVER_REMOTE_INFO), arguments offset by OFFSET (each call sleeping SLEEP_MS, default 0) so a second run in
 * the same project makes new calls. Writes `@@bench {...}` lines to stderr: `map-start`
 * just before `map()`, each runtime event, `done` when the map returned, each with `at`
 * (epoch ms) and `cpuMs` (this process's user+system CPU so far). With PROFILE=1, a
 * `profile` line lists the functions that took the most CPU from `map()` to the first
 * submission.
 */
import process from "node:process";
import { configure, map, step } from "drover";
import { type Profiling, startProfile } from "./_driver_profile.ts";

export const trivial = step(
  "bench.trivial",
  async ({ x, ms }: { x: number; ms: number }) => {
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    return x + 1;
  },
);

function mark(record: Record<string, unknown>): void {
  const cpu = process.cpuUsage();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.error(`@@bench ${JSON.stringify({ at: Date.now(), cpuMs, ...record })}`);
}

if (import.meta.main) {
  let profiling: Profiling | undefined;
  let profiled: Promise<void> | undefined;
  configure({
    onEvent: (e) => {
      if (e.type.startsWith("job-") || e.type === "code-identity") mark({ ...e, keys: undefined });
      if (e.type === "job-submitted" && profiling && !profiled) {
        const p = profiling;
        profiled = p.stop().then((top) => mark({ type: "profile", top, inclusive: p.inclusive }));
      }
    },
  });
  if (Deno.env.get("PROFILE") === "1") profiling = await startProfile();
  const n = Number(Deno.env.get("N") ?? "1000");
  const offset = Number(Deno.env.get("OFFSET") ?? "0");
  const ms = Number(Deno.env.get("SLEEP_MS") ?? "0");
  const args = Array.from({ length: n }, (_, i) => ({ x: offset + i, ms }));
  mark({ type: "map-start" });
  const result = await map(trivial, args);
  await profiled;
  mark({ type: "done" });
  const sum = result.values.reduce((a: number, v) => a + (v ?? 0), 0);
  console.log(JSON.stringify({ ok: result.ok, sum }));
}
