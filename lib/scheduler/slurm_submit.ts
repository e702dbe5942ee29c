/**
 * The answer of `sbatch --parsable`.
 *
 * @module
 */
import type { ParseOptions, ParseResult } from "./errors.ts";
import { failLine, failOutput, outputLines, safely } from "./_lines.ts";

/** A submitted Slurm job. */
export interface SbatchResult {
  /** The job id (for an array, the array's job id). */
  readonly jobId: string;
  /** The cluster, when sbatch named one (`--clusters` / federation). */
  readonly cluster: string | null;
}

const COMMAND = "sbatch --parsable";

/**
 * Parses `sbatch --parsable` standard output: one line `<jobid>` or `<jobid>;<cluster>`.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The job id and cluster.
 * @throws {SchedulerOutputError} When the output is not exactly one such line.
 *
 * @example
 * ```ts
 * import { parseSbatch } from "./slurm_submit.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseSbatch("12345\n"), { jobId: "12345", cluster: null });
 * assert.deepEqual(parseSbatch("12345;big\n"), { jobId: "12345", cluster: "big" });
 * ```
 */
export function parseSbatch(output: string, options: ParseOptions = {}): SbatchResult {
  const command = options.command ?? COMMAND;
  const lines = outputLines(output);
  if (lines.length === 0) failOutput(command, output, "it is empty (expected a job id)");
  if (lines.length > 1) failLine(command, lines[1], "follows the job id (expected one line)");
  const m = /^\s*(\d+)(?:;([^\s;]+))?\s*$/.exec(lines[0].text);
  if (!m) failLine(command, lines[0], 'is not "<jobid>" or "<jobid>;<cluster>"');
  return { jobId: m[1], cluster: m[2] ?? null };
}

/**
 * Like {@linkcode parseSbatch}, but returns the error instead of throwing it.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The job or the error.
 *
 * @example
 * ```ts
 * import { safeParseSbatch } from "./slurm_submit.ts";
 * import assert from "node:assert/strict";
 * const result = safeParseSbatch("Submitted batch job 12345\n");
 * assert.equal(result.success, false);
 * ```
 */
export function safeParseSbatch(
  output: string,
  options: ParseOptions = {},
): ParseResult<SbatchResult> {
  return safely(() => parseSbatch(output, options));
}
