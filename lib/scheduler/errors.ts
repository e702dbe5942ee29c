/**
 * The error raised when a scheduler's output cannot be understood, and the result type of
 * the `safeParse*` functions.
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

/** Options shared by the scheduler output parsers. */
export interface ParseOptions {
  /**
   * The command line to name in errors, e.g. the exact `squeue ...` that was run.
   * Defaults to the parser's command name.
   */
  readonly command?: string;
}
