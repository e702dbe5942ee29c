/**
 * The shapes of rows the store keeps (calls and runs), the persisted state unions, and their
 * transition tables: the ledger ({@link ./ledger.ts}) applies each transition as one guarded
 * UPDATE, and refuses one the table does not list.
 *
 * @module
 */

/** Where a call is in its life. */
export type CallState = "running" | "done" | "failed";

/** Every call state, for validation of user input. */
export const CALL_STATES: readonly CallState[] = ["running", "done", "failed"];

/**
 * Why a call failed. `exception` (user code threw, or its result could not be stored) and
 * `crashed` (the call ended its own process: `Deno.exit`, a segfault) are the user's; the
 * others are the cluster's or drover's and are worth another attempt, except `refused` (the
 * scheduler would not take the job: a rerun after fixing the config tries again, a restart
 * within the run would be refused again). `not-started` calls were never run because an
 * earlier call of their element ended the process: they run again without blame.
 */
export type FailureReason =
  | "exception"
  | "timeout"
  | "out-of-memory"
  | "node-failure"
  | "preempted"
  | "killed"
  | "cancelled-by-user"
  | "cancelled"
  | "lost"
  | "runner-failed"
  | "crashed"
  | "not-started"
  | "result-missing"
  | "refused";

/** Every failure reason, for validation. */
export const FAILURE_REASONS: readonly FailureReason[] = [
  "exception",
  "timeout",
  "out-of-memory",
  "node-failure",
  "preempted",
  "killed",
  "cancelled-by-user",
  "cancelled",
  "lost",
  "runner-failed",
  "crashed",
  "not-started",
  "result-missing",
  "refused",
];

/**
 * Why drover stopped trying a failed call: the failure was not retryable (the user's
 * exception), the restarts allowed in a run were used up, or the scheduler refused the job.
 */
export type RetryState = "non-retryable" | "max-restarts" | "refused";

/** drover's own verdict on a failed call, kept apart from the error's data. */
export interface CallFailure {
  /** Why it failed. */
  readonly reason: FailureReason;
  /** Whether a later run tries it again without being asked (`retryFailed`). */
  readonly retryable: boolean;
  /** Why retrying stopped. */
  readonly retryState: RetryState;
}

/** An error thrown by a step, as stored. */
export interface StoredError {
  /** The original error's class name (`TypeError`, `MyDomainError`). */
  readonly name: string;
  /** The original message. */
  readonly message: string;
  /** The original stack, if any. */
  readonly stack?: string;
  /** Own enumerable data fields of the error that could be kept as JSON. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** One step call as recorded. Times are ms since the epoch. */
export interface CallRecord {
  /** The call key (sha256 hex). */
  readonly key: string;
  /** The step's name. */
  readonly step: string;
  /** Current state. */
  readonly state: CallState;
  /** Code identity hash of the step when the call was made. */
  readonly codeHash: string;
  /** The step's version salt. */
  readonly version: string;
  /** Hash of each (non-ignored) argument, by name. */
  readonly argHashes: Readonly<Record<string, string>>;
  /** Object holding the encoded inputs. */
  readonly inputsRef: string | null;
  /** Object holding the encoded result, when done. */
  readonly resultRef: string | null;
  /** The error, when failed. */
  readonly error: StoredError | null;
  /** The run that executed the call. */
  readonly runId: number | null;
  /** Where it ran: `local`, `local:isolate`, or a system name. */
  readonly location: string;
  /** How many times it was started. */
  readonly attempts: number;
  /** When the row was first written. */
  readonly createdAt: number;
  /** When the latest attempt started. */
  readonly startedAt: number | null;
  /** When it finished. */
  readonly endedAt: number | null;
  /** drover's verdict when failed (absent for rows written before schema v3 or not failed). */
  readonly failure?: CallFailure | null;
}

/** A call's state, or `absent` when the store has no row for its key. */
export type CallStateOrAbsent = CallState | "absent";

/**
 * The call transitions the ledger applies (from -> allowed to):
 * - absent -> running (claimed, or put in a job), done / failed (a local call recorded);
 * - running -> running (another attempt, a claim taken over), done, failed, absent (a claim
 *   released before anything ran);
 * - done -> running (its result object was lost: rerun), done (recomputed locally when the
 *   local result object was corrupt), absent (`drover rm`);
 * - failed -> running (retried), done / failed (retried locally), absent.
 */
export const CALL_TRANSITIONS: Readonly<Record<CallStateOrAbsent, readonly CallStateOrAbsent[]>> = {
  absent: ["running", "done", "failed"],
  running: ["running", "done", "failed", "absent"],
  done: ["running", "done", "absent"],
  failed: ["running", "done", "failed", "absent"],
};

/**
 * Whether a transition is in a table.
 *
 * @param table The transition table.
 * @param from The current state.
 * @param to The next state.
 * @returns True when allowed.
 *
 * @example
 * ```ts
 * import { CALL_TRANSITIONS, canTransition } from "./records.ts";
 * import assert from "node:assert/strict";
 * assert.equal(canTransition(CALL_TRANSITIONS, "absent", "running"), true);
 * assert.equal(canTransition(CALL_TRANSITIONS, "done", "failed"), false);
 * ```
 */
export function canTransition<S extends string>(
  table: Readonly<Record<S, readonly S[]>>,
  from: S,
  to: S,
): boolean {
  return table[from]?.includes(to) ?? false;
}

/** How a script run ended, or that it still runs. */
export type RunStatus = "running" | "done" | "failed" | "interrupted";

/** One execution of a workflow script. */
export interface RunRecord {
  /** Row id. */
  readonly id: number;
  /** The main module. */
  readonly script: string;
  /** Its arguments. */
  readonly argv: readonly string[];
  /** Working directory. */
  readonly cwd: string;
  /** Host name. */
  readonly host: string;
  /** Process id. */
  readonly pid: number;
  /** Start time (ms). */
  readonly startedAt: number;
  /** End time (ms), if ended. */
  readonly endedAt: number | null;
  /** Status; `interrupted` when the process died without saying (kill -9). */
  readonly status: RunStatus;
  /** Error message for failed runs. */
  readonly error: string | null;
  /** Calls the run answered from the cache; null while running or when not recorded. */
  readonly cached: number | null;
}
