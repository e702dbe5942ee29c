/**
 * Test hook for the kill -9 tests of the calcjob lifecycle: when the environment variable
 * `DROVER_CRASH_AT` names one of these points, the process kills itself with SIGKILL there,
 * exactly as `kill -9` from outside would at that moment. Inert when the variable is unset
 * or names another point (the runtime's own points share the variable).
 *
 * @module
 */

/** The places of the lifecycle a test can crash `drover calcjobs run` at. */
export type CalcJobCrashPoint =
  /** Files written to the system, the batch still recorded `uploading`. */
  | "calcjob-after-upload"
  /** Recorded `submitting` and no array of its name found: `sbatch` is next. */
  | "calcjob-before-sbatch"
  /** `sbatch` returned, its id not yet recorded (still `submitting`). */
  | "calcjob-after-sbatch"
  /** The array recorded `submitted`. */
  | "calcjob-after-submit"
  /** While polling: the scheduler answered, nothing decided yet. */
  | "calcjob-polling"
  /** While downloading: outputs stored as objects, the calcjob still `downloading`. */
  | "calcjob-downloading";

let wanted: string | undefined | null = null;

/**
 * Kills this process with SIGKILL if `DROVER_CRASH_AT` names `point`.
 *
 * @param point Where the lifecycle is.
 */
export function crashPoint(point: CalcJobCrashPoint): void {
  if (wanted === null) {
    try {
      wanted = Deno.env.get("DROVER_CRASH_AT");
    } catch {
      wanted = undefined;
    }
  }
  if (wanted === point) Deno.kill(Deno.pid, "SIGKILL");
}
