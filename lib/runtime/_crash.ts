/**
 * Crash points for the kill -9 tests: when `DROVER_CRASH_AT` names a point, the process
 * kills itself with SIGKILL there, exactly as `kill -9` from outside would at that moment.
 *
 * @module
 */

/** The places a test can crash the driver at. */
export type CrashPoint = "before-submit" | "after-submit" | "after-gather";

let wanted: string | undefined | null = null;

/**
 * Kills this process with SIGKILL if `DROVER_CRASH_AT` names `point`.
 *
 * @param point Where the runtime is.
 */
export function crashPoint(point: CrashPoint): void {
  if (wanted === null) {
    try {
      wanted = Deno.env.get("DROVER_CRASH_AT");
    } catch {
      wanted = undefined;
    }
  }
  if (wanted === point) Deno.kill(Deno.pid, "SIGKILL");
}
