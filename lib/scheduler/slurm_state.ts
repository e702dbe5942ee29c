/**
 * Slurm's job states, as `squeue %T` and `sacct State` print them.
 *
 * @module
 */

/** A Slurm job state (long form). */
export type SlurmJobState =
  | "BOOT_FAIL"
  | "CANCELLED"
  | "COMPLETED"
  | "COMPLETING"
  | "CONFIGURING"
  | "DEADLINE"
  | "FAILED"
  | "LAUNCH_FAILED"
  | "NODE_FAIL"
  | "OUT_OF_MEMORY"
  | "PENDING"
  | "POWER_UP_NODE"
  | "PREEMPTED"
  | "RECONFIG_FAIL"
  | "REQUEUED"
  | "REQUEUE_FED"
  | "REQUEUE_HOLD"
  | "RESIZING"
  | "RESV_DEL_HOLD"
  | "REVOKED"
  | "RUNNING"
  | "SIGNALING"
  | "SPECIAL_EXIT"
  | "STAGE_OUT"
  | "STOPPED"
  | "SUSPENDED"
  | "TIMEOUT"
  | "UPDATE_DB";

/** Every {@linkcode SlurmJobState}. */
export const SLURM_JOB_STATES: readonly SlurmJobState[] = [
  "BOOT_FAIL",
  "CANCELLED",
  "COMPLETED",
  "COMPLETING",
  "CONFIGURING",
  "DEADLINE",
  "FAILED",
  "LAUNCH_FAILED",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "PENDING",
  "POWER_UP_NODE",
  "PREEMPTED",
  "RECONFIG_FAIL",
  "REQUEUED",
  "REQUEUE_FED",
  "REQUEUE_HOLD",
  "RESIZING",
  "RESV_DEL_HOLD",
  "REVOKED",
  "RUNNING",
  "SIGNALING",
  "SPECIAL_EXIT",
  "STAGE_OUT",
  "STOPPED",
  "SUSPENDED",
  "TIMEOUT",
  "UPDATE_DB",
];

const KNOWN: ReadonlySet<string> = new Set(SLURM_JOB_STATES);

const TERMINAL: ReadonlySet<SlurmJobState> = new Set<SlurmJobState>([
  "BOOT_FAIL",
  "CANCELLED",
  "COMPLETED",
  "DEADLINE",
  "FAILED",
  "LAUNCH_FAILED",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "PREEMPTED",
  "RECONFIG_FAIL",
  "REVOKED",
  "TIMEOUT",
]);

/**
 * Whether a string is a known Slurm job state.
 *
 * @param value Any string.
 * @returns True for `"RUNNING"`, false for `"running"` or `"CANCELLED by 0"`.
 *
 * @example
 * ```ts
 * import { isSlurmJobState } from "./slurm_state.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isSlurmJobState("OUT_OF_MEMORY"), true);
 * assert.equal(isSlurmJobState("CANCELLED by 0"), false);
 * ```
 */
export function isSlurmJobState(value: string): value is SlurmJobState {
  return KNOWN.has(value);
}

/**
 * Whether a job in this state has ended for good (it will not run again by itself).
 * `PREEMPTED` counts as ended: with `PreemptMode=REQUEUE` Slurm shows the job `PENDING`
 * again instead.
 *
 * @param state A state.
 * @returns True for `COMPLETED`, `FAILED`, `TIMEOUT`, `CANCELLED`, ...
 *
 * @example
 * ```ts
 * import { isTerminalSlurmState } from "./slurm_state.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isTerminalSlurmState("TIMEOUT"), true);
 * assert.equal(isTerminalSlurmState("COMPLETING"), false);
 * ```
 */
export function isTerminalSlurmState(state: SlurmJobState): boolean {
  return TERMINAL.has(state);
}
