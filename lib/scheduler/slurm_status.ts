/**
 * Live Slurm jobs, from `squeue`.
 *
 * The runtime runs, once per system per interval:
 *
 * ```sh
 * squeue --me --noheader --states=all --format='%i|%T|%r|%j'
 * ```
 *
 * `--states=all` keeps jobs that ended less than `MinJobAge` ago (with their final state);
 * without `--array` pending elements come as one line per range (`22_[3-9%2]`). The job
 * name comes last because it is the only field that may contain `|`. `--me` needs Slurm
 * 20.11 or later (`--user=<name>` before). Filtering by user rather than `--jobs=<ids>`
 * avoids squeue's exit 1 ("Invalid job id specified") when every listed job is gone.
 *
 * @module
 */
import type { ParsedListing, ParseOptions, ParseProblem, ParseResult } from "./errors.ts";
import {
  failLine,
  listing,
  type NumberedLine,
  outputLines,
  readRecord,
  safely,
  splitFields,
} from "./_lines.ts";
import { parseSlurmJobId, type SlurmJobRef } from "./slurm_job_id.ts";
import { isSlurmJobState, type SlurmJobState } from "./slurm_state.ts";

/** The `--format` that {@linkcode parseSqueue} reads: job id, state, reason, name. */
export const SQUEUE_FORMAT = "%i|%T|%r|%j";

/** One line of `squeue` output. */
export interface SqueueRow extends SlurmJobRef {
  /** The state (`%T`). */
  readonly state: SlurmJobState;
  /** Why it is pending or ended (`%r`), e.g. `"JobArrayTaskLimit"`; null for `None`. */
  readonly reason: string | null;
  /** The job name (`%j`). */
  readonly name: string;
}

const COMMAND = `squeue --noheader --format=${SQUEUE_FORMAT}`;

/**
 * Parses `squeue --noheader --format='%i|%T|%r|%j'` output. A pending array range such as
 * `22_[3-4,6,8-9%2]` becomes one row with its task ranges and throttle; a running
 * element `22_4` a row with the single index 4; a plain job `23` a row without tasks. A line
 * without four fields, with a malformed job id or an unknown state is skipped and reported
 * with its job id; the others are read.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The rows, in output order, and the problems.
 * @throws {SchedulerOutputError} When no line could be read but some could not.
 *
 * @example
 * ```ts
 * import { parseSqueue } from "./slurm_status.ts";
 * import assert from "node:assert/strict";
 * const { jobs: rows, problems } = parseSqueue([
 *   "22_[3-9%2]|PENDING|JobArrayTaskLimit|drover-a1",
 *   "22_0|RUNNING|None|drover-a1",
 *   "23|LEVITATING|None|drover-a2",
 * ].join("\n"));
 * assert.equal(problems[0].jobId, "23");
 * assert.equal(rows[0].throttle, 2);
 * assert.deepEqual(rows[0].arrayTasks, [{ first: 3, last: 9, step: 1 }]);
 * assert.equal(rows[1].state, "RUNNING");
 * assert.equal(rows[1].reason, null);
 * ```
 */
export function parseSqueue(
  output: string,
  options: ParseOptions = {},
): ParsedListing<SqueueRow> {
  const command = options.command ?? COMMAND;
  const jobs: SqueueRow[] = [];
  const problems: ParseProblem[] = [];
  for (const line of outputLines(output)) {
    const id = line.text.split("|")[0].trim() || null;
    const row = readRecord(problems, id, () => readRow(command, line));
    if (row) jobs.push(row);
  }
  return listing(command, jobs, problems);
}

function readRow(command: string, line: NumberedLine): SqueueRow {
  const fields = splitFields(line.text, "|", 4);
  if (!fields) failLine(command, line, `has fewer than 4 fields (expected ${SQUEUE_FORMAT})`);
  const [id, state, reason, name] = fields;
  const ref = parseSlurmJobId(id.trim());
  if (!ref) failLine(command, line, `has a malformed job id ${JSON.stringify(id)}`);
  if (!isSlurmJobState(state)) {
    failLine(command, line, `has an unknown state ${JSON.stringify(state)}`);
  }
  return {
    ...ref,
    state,
    reason: reason === "None" || reason === "(null)" || reason === "" ? null : reason,
    name,
  };
}

/**
 * Like {@linkcode parseSqueue}, but returns the error instead of throwing it.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The listing or the error.
 *
 * @example
 * ```ts
 * import { safeParseSqueue } from "./slurm_status.ts";
 * import assert from "node:assert/strict";
 * const result = safeParseSqueue("JOBID PARTITION NAME\n");
 * assert.equal(result.success, false);
 * if (!result.success) assert.equal(result.error.lineNumber, 1);
 * ```
 */
export function safeParseSqueue(
  output: string,
  options: ParseOptions = {},
): ParseResult<ParsedListing<SqueueRow>> {
  return safely(() => parseSqueue(output, options));
}
