/**
 * The shapes of rows the store keeps: calls and runs.
 *
 * @module
 */

/** Where a call is in its life. */
export type CallState = "running" | "done" | "failed";

/** Every call state, for validation of user input. */
export const CALL_STATES: readonly CallState[] = ["running", "done", "failed"];

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
}
