/**
 * The workflow bench/slurm.ts runs in a fresh temp project: N trivial calls of
 * `bench.trivial` (or, WORK=cpu, `bench.cpu`: 0.2 s of CPU each) mapped at once (routed to
 * Slurm by the bench's DROVER_REMOTE_INFO).
 *
 * Environment: N (calls, default 1000), WORK. Writes one JSON line per runtime event to stderr,
 * prefixed `@@bench ` and carrying `at` (epoch ms), plus a `main` line when the script's
 * body starts and a `done` line when the map has finished, so the bench can split the
 * wall time into phases. Prints `{"ok":…,"sum":…}` on stdout.
 */
import { configure, map, step } from "drover";

export const trivial = step("bench.trivial", ({ x }: { x: number }) => x + 1);

/** 0.2 s of CPU (a busy loop), then x + 1. */
export const cpu = step("bench.cpu", ({ x }: { x: number }) => {
  const end = performance.now() + 200;
  while (performance.now() < end) {
    // busy
  }
  return x + 1;
});

function mark(record: Record<string, unknown>): void {
  console.error(`@@bench ${JSON.stringify({ at: Date.now(), ...record })}`);
}

if (import.meta.main) {
  mark({ type: "main", timeOrigin: performance.timeOrigin });
  configure({
    onEvent: (e) => {
      if (e.type.startsWith("job-") || e.type === "remote-error" || e.type === "code-identity") {
        mark({ ...e });
      }
    },
  });
  const n = Number(Deno.env.get("N") ?? "1000");
  const which = Deno.env.get("WORK") === "cpu" ? cpu : trivial;
  const result = await map(which, Array.from({ length: n }, (_, x) => ({ x })));
  mark({ type: "done" });
  const sum = result.values.reduce((a: number, v) => a + (v ?? 0), 0);
  const firstFailures = result.failures.slice(0, 3).map((f) => String(f.error));
  console.log(
    JSON.stringify({ ok: result.ok, failures: result.failures.length, firstFailures, sum }),
  );
}
