/**
 * The errors of schedulers (output that cannot be understood, a command that failed, a job
 * that was refused) and the result type of the `safeParse*` functions.
 *
 * @module
 */

/** Data carried by a {@linkcode SchedulerOutputError}. */
export interface SchedulerOutputErrorInit {
  /** The command whose output was parsed (`squeue`, `sacct`, `qstat -f`). */
  readonly command: string;
  /** The offending line, without its newline (the whole output when no line is to blame). */
  readonly line: string;
  /** 1-based number of the offending line; 0 when the output as a whole is wrong. */
  readonly lineNumber: number;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/**
 * A scheduler command printed something drover cannot parse. Carries the command and the
 * offending line so the caller can report or log them; it is not retryable by itself (the
 * same output would fail again), but the caller may query again later.
 *
 * @example
 * ```ts
 * import { SchedulerOutputError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new SchedulerOutputError("Cannot parse squeue output: line 1 is empty", {
 *   command: "squeue",
 *   line: "",
 *   lineNumber: 1,
 * });
 * assert.equal(e.name, "SchedulerOutputError");
 * assert.equal(e.command, "squeue");
 * assert.equal(e.lineNumber, 1);
 * ```
 */
export class SchedulerOutputError extends Error {
  /** The command whose output was parsed. */
  readonly command: string;
  /** The offending line (or the whole output when `lineNumber` is 0). */
  readonly line: string;
  /** 1-based line number, 0 for the output as a whole. */
  readonly lineNumber: number;
  /**
   * Creates an instance.
   *
   * @param message "Cannot parse <command> output: <what is wrong>".
   * @param init The command, the line and its number.
   */
  constructor(message: string, init: SchedulerOutputErrorInit) {
    super(message, { cause: init.cause });
    this.name = "SchedulerOutputError";
    this.command = init.command;
    this.line = init.line;
    this.lineNumber = init.lineNumber;
  }
}

/**
 * What a `safeParse*` function returns: the data, or the error `parse*` would have thrown.
 *
 * @typeParam T The parsed data.
 */
export type ParseResult<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error: SchedulerOutputError };

/**
 * One record of a listing that could not be read. The parser skips it and reads the rest;
 * callers decide whether to warn (a report) or to stop (a driver, which must not take an
 * unreadable job for a finished one).
 */
export interface ParseProblem {
  /** The job id of the record, when it could be read (`"5310[2].pbs01"`, `"101"`). */
  readonly jobId: string | null;
  /** 1-based number of the offending line (the record's first line when no line is to blame). */
  readonly lineNumber: number;
  /** The offending line, without its newline. */
  readonly line: string;
  /** The whole message: "Cannot parse qacct -j output: line 7 ... has ..." */
  readonly message: string;
}

/**
 * What a listing parser returns: every record it could read, in output order, and one
 * problem for each record it could not.
 *
 * @typeParam T One record.
 */
export interface ParsedListing<T> {
  /** The records that were read. */
  readonly jobs: T[];
  /** The records that were skipped, with why. */
  readonly problems: ParseProblem[];
}

/** Options shared by the scheduler output parsers. */
export interface ParseOptions {
  /**
   * The command line to name in errors, e.g. the exact `squeue ...` that was run.
   * Defaults to the parser's command name.
   */
  readonly command?: string;
}

/** Data carried by a {@linkcode SchedulerCommandError}. */
export interface SchedulerCommandErrorInit {
  /** The command line that was run on the system. */
  readonly command: string;
  /** Its exit code. */
  readonly exitCode: number;
  /** Its standard error, decoded. */
  readonly stderr: string;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/**
 * A scheduler command (`squeue`, `scancel`, `scontrol`, or the local scheduler's shell)
 * exited with a non-zero code. The caller may run it again at its next poll; the driver never
 * does.
 *
 * @example
 * ```ts
 * import { SchedulerCommandError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new SchedulerCommandError("Cannot list Slurm jobs: squeue exited with 1", {
 *   command: "squeue --me",
 *   exitCode: 1,
 *   stderr: "slurm_load_jobs error: Unable to contact slurm controller",
 * });
 * assert.equal(e.name, "SchedulerCommandError");
 * assert.equal(e.exitCode, 1);
 * assert.equal(e.unreachable, true);
 * ```
 */
export class SchedulerCommandError extends Error {
  /** The command line that was run. */
  readonly command: string;
  /** Its exit code. */
  readonly exitCode: number;
  /** Its standard error. */
  readonly stderr: string;
  /**
   * Whether the scheduler's controller could not be reached (restarting, overloaded, the
   * network): a transient condition, worth trying again later, not a refusal.
   */
  readonly unreachable: boolean;
  /**
   * Creates an instance.
   *
   * @param message "Cannot <verb> <object>: <command> exited with <code> (<stderr>)".
   * @param init The command, exit code and standard error.
   */
  constructor(message: string, init: SchedulerCommandErrorInit) {
    super(message, { cause: init.cause });
    this.name = "SchedulerCommandError";
    this.command = init.command;
    this.exitCode = init.exitCode;
    this.stderr = init.stderr;
    this.unreachable = isUnreachableMessage(init.stderr);
  }
}

/**
 * What Slurm, Grid Engine and PBS print when their controller cannot be reached (as
 * opposed to refusing a request), and what a shell prints when the command is missing or
 * was killed by a timeout.
 */
const UNREACHABLE = [
  /unable to contact slurm controller/i,
  /socket timed out on send\/recv/i,
  /zero bytes were transmitted or received/i,
  /slurm_receive_msg|slurm_load_(jobs|partitions).*(connect|timed out)/i,
  /connection refused|connection timed out|no route to host/i,
  /unable to contact qmaster|commlib error|cannot connect to (server|host)/i,
  /pbs_iff: cannot|communication failure/i,
];

/**
 * Whether a scheduler command's stderr says the scheduler could not be reached.
 *
 * @param stderr What the command printed.
 * @returns True for a transient "cannot reach the controller" failure.
 *
 * @example
 * ```ts
 * import { isUnreachableMessage } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isUnreachableMessage("sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)"), true);
 * assert.equal(isUnreachableMessage("sbatch: error: Invalid partition name specified"), false);
 * ```
 */
export function isUnreachableMessage(stderr: string): boolean {
  return UNREACHABLE.some((re) => re.test(stderr));
}

/**
 * The scheduler refused a job: `sbatch` (or the local scheduler) exited with a non-zero
 * code, so nothing was queued. Drivers never submit again on their own: a submission that
 * timed out may still have been queued, and only the caller can look for it by name.
 *
 * @example
 * ```ts
 * import { SchedulerCommandError, SubmitError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new SubmitError("Cannot submit /r/job.sh: sbatch exited with 1", {
 *   command: "sbatch --parsable '/r/job.sh'",
 *   exitCode: 1,
 *   stderr: "sbatch: error: Batch job submission failed: Invalid partition name specified",
 *   scriptPath: "/r/job.sh",
 * });
 * assert.ok(e instanceof SchedulerCommandError);
 * assert.equal(e.name, "SubmitError");
 * assert.equal(e.scriptPath, "/r/job.sh");
 * ```
 */
export class SubmitError extends SchedulerCommandError {
  /** The script that was not submitted. */
  readonly scriptPath: string;
  /**
   * Creates an instance.
   *
   * @param message "Cannot submit <script>: <command> exited with <code> (<stderr>)".
   * @param init The command, exit code, standard error and script path.
   */
  constructor(message: string, init: SchedulerCommandErrorInit & { readonly scriptPath: string }) {
    super(message, init);
    this.name = "SubmitError";
    this.scriptPath = init.scriptPath;
  }
}
