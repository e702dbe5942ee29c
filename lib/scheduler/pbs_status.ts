/**
 * PBS Pro and Torque jobs, one line each, from `qstat` (PBS Pro: `qstat -t -x`).
 *
 * @module
 */
import type { ParsedListing, ParseOptions, ParseProblem, ParseResult } from "./errors.ts";
import { failLine, listing, type NumberedLine, outputLines, readRecord, safely } from "./_lines.ts";
import { isPbsJobState, parsePbsJobId, type PbsJobRef, type PbsJobState } from "./pbs_job.ts";
import { parseSlurmDuration } from "../units/mod.ts";

/** One line of `qstat -t -x`. */
export interface PbsQstatRow extends PbsJobRef {
  /** Job name (qstat cuts it to 16 characters, ending in `*`). */
  readonly name: string;
  /** Owner (also cut). */
  readonly user: string;
  /** CPU time used in ms; null when not shown (`--`). */
  readonly timeUsed: number | null;
  /** State. */
  readonly state: PbsJobState;
  /** Queue. */
  readonly queue: string;
}

function parseId(command: string, line: NumberedLine, id: string): PbsJobRef {
  const ref = parsePbsJobId(id);
  if (!ref) failLine(command, line, `has a malformed job id ${JSON.stringify(id)}`);
  return ref;
}

const QSTAT_COMMAND = "qstat -t -x";

/**
 * Parses the default text of PBS Pro and Torque `qstat` (PBS Pro with `-t -x`): two header
 * lines, then `Job id  Name  User  Time Use  S  Queue` columns separated by spaces. A line
 * without six columns, with a malformed id or time, or an unknown state is skipped and
 * reported with its job id; the others are read.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The rows, in output order, and the problems.
 * @throws {SchedulerOutputError} When no line could be read but some could not.
 *
 * @example
 * ```ts
 * import { parsePbsQstat } from "./pbs_status.ts";
 * import assert from "node:assert/strict";
 * const { jobs: rows, problems } = parsePbsQstat([
 *   "Job id            Name             User              Time Use S Queue",
 *   "----------------  ---------------- ----------------  -------- - -----",
 *   "2138[].pbs01      drover-a1        alice                    0 B workq",
 *   "2138[1].pbs01     drover-a1        alice             00:00:04 R workq",
 *   "2139.pbs01        other            alice             00:00:04 ? workq",
 * ].join("\n"));
 * assert.equal(rows[0].isArray, true);
 * assert.equal(rows[1].arrayIndex, 1);
 * assert.equal(rows[1].timeUsed, 4000);
 * assert.equal(problems[0].jobId, "2139.pbs01");
 * ```
 */
export function parsePbsQstat(
  output: string,
  options: ParseOptions = {},
): ParsedListing<PbsQstatRow> {
  const command = options.command ?? QSTAT_COMMAND;
  const jobs: PbsQstatRow[] = [];
  const problems: ParseProblem[] = [];
  for (const line of outputLines(output)) {
    if (/^Job id\s/i.test(line.text) || /^[-\s]+$/.test(line.text)) continue;
    const id = line.text.trim().split(/\s+/)[0];
    const row = readRecord(problems, id, () => readRow(command, line));
    if (row) jobs.push(row);
  }
  return listing(command, jobs, problems);
}

function readRow(command: string, line: NumberedLine): PbsQstatRow {
  const cols = line.text.trim().split(/\s+/);
  if (cols.length !== 6) failLine(command, line, `has ${cols.length} columns, expected 6`);
  const [id, name, user, time, state, queue] = cols;
  if (!isPbsJobState(state)) {
    failLine(command, line, `has an unknown state ${JSON.stringify(state)}`);
  }
  let timeUsed: number | null = null;
  if (time !== "--") {
    if (!/^\d+(?::\d+){0,2}$/.test(time)) {
      failLine(command, line, `has a malformed time ${JSON.stringify(time)}`);
    }
    timeUsed = time.includes(":") ? parseSlurmDuration(time) : Number(time) * 1000;
  }
  return { ...parseId(command, line, id), name, user, timeUsed, state, queue };
}

/**
 * Like {@linkcode parsePbsQstat}, but returns the error instead of throwing it.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The listing or the error.
 *
 * @example
 * ```ts
 * import { safeParsePbsQstat } from "./pbs_status.ts";
 * import assert from "node:assert/strict";
 * assert.equal(safeParsePbsQstat("2138.pbs01 x alice 0 Z workq\n").success, false);
 * ```
 */
export function safeParsePbsQstat(
  output: string,
  options: ParseOptions = {},
): ParseResult<ParsedListing<PbsQstatRow>> {
  return safely(() => parsePbsQstat(output, options));
}
