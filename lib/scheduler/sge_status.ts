/**
 * Grid Engine jobs, from plain `qstat` (the runtime runs `qstat -u <user>`).
 *
 * @module
 */
import type { ParsedListing, ParseOptions, ParseProblem, ParseResult } from "./errors.ts";
import { failLine, listing, type NumberedLine, outputLines, readRecord, safely } from "./_lines.ts";
import { parseTaskList, type TaskRange } from "./slurm_job_id.ts";

/** What an SGE state string (`qw`, `hqw`, `r`, `Rr`, `t`, `s`, `Eqw`, `dr`, ...) means for drover. */
export type SgeJobStatus = "pending" | "running" | "suspended" | "error" | "deleting";

/** One line of `qstat`. */
export interface SgeQstatRow {
  /** Job number. */
  readonly jobId: string;
  /** Priority. */
  readonly priority: number;
  /** Job name (qstat cuts it to 10 characters). */
  readonly name: string;
  /** Owner. */
  readonly user: string;
  /** The state as printed (`qw`, `r`, `Eqw`, ...). */
  readonly state: string;
  /** What the state means. */
  readonly status: SgeJobStatus;
  /** Submit time (pending) or start time (running), as printed: `MM/DD/YYYY HH:MM:SS`. */
  readonly time: string;
  /** `queue@host` while running; null while pending. */
  readonly queue: string | null;
  /** Slots. */
  readonly slots: number;
  /** Array task ids (1-based, as SGE numbers them); null for a job that is not an array. */
  readonly tasks: readonly TaskRange[] | null;
}

const COMMAND = "qstat";
const STATE = /^[dEhNPrRsStTwqz]+$/;

/**
 * What an SGE state string means: `d` deleting wins, then `E` error, then `s`/`S`/`T`
 * suspended, then `r`/`t` running (and a lone `R`, restarted, as Univa prints it);
 * anything else (`qw`, `hqw`, `Rq`, Univa's `N`, `P`, `w`, `h`) is pending.
 *
 * @param state The state as qstat prints it.
 * @returns Its meaning.
 *
 * @example
 * ```ts
 * import { sgeStatusOf } from "./sge_status.ts";
 * import assert from "node:assert/strict";
 * assert.equal(sgeStatusOf("hqw"), "pending");
 * assert.equal(sgeStatusOf("Rr"), "running");
 * assert.equal(sgeStatusOf("Eqw"), "error");
 * assert.equal(sgeStatusOf("dr"), "deleting");
 * assert.equal(sgeStatusOf("R"), "running");
 * assert.equal(sgeStatusOf("Rq"), "pending");
 * ```
 */
export function sgeStatusOf(state: string): SgeJobStatus {
  if (state.includes("d")) return "deleting";
  if (state.includes("E")) return "error";
  if (/[sST]/.test(state)) return "suspended";
  if (/[rt]/.test(state) || state === "R") return "running";
  return "pending";
}

/**
 * Parses Grid Engine's default `qstat` text: a header, a line of dashes, then
 * `job-ID prior name user state submit/start-at queue slots ja-task-ID` columns. The queue
 * column is empty for pending jobs and the task column for jobs that are not arrays;
 * task lists such as `3-20:1` or `4,6,8` become ranges. A line with too few columns, a
 * malformed number, state, date or task list is skipped and reported with its job id.
 *
 * @param output The command's standard output (empty when the user has no jobs).
 * @param options The command line to name in errors.
 * @returns The rows, in output order, and the problems.
 * @throws {SchedulerOutputError} When no line could be read but some could not.
 *
 * @example
 * ```ts
 * import { parseSgeQstat } from "./sge_status.ts";
 * import assert from "node:assert/strict";
 * const { jobs: rows, problems } = parseSgeQstat([
 *   "job-ID  prior   name       user         state submit/start at     queue                          slots ja-task-ID ",
 *   "-----------------------------------------------------------------------------------------------------------------",
 *   "    101 0.55500 drover-a1  alice        r     05/07/2024 10:11:12 all.q@node01                       1 1",
 *   "    101 0.55500 drover-a1  alice        qw    05/07/2024 10:11:00                                    1 2-20:1",
 *   "    102 0.55500 drover-a2  alice        qw    yesterday",
 * ].join("\n"));
 * assert.equal(problems[0].jobId, "102");
 * assert.equal(rows[0].status, "running");
 * assert.equal(rows[1].queue, null);
 * assert.deepEqual(rows[1].tasks, [{ first: 2, last: 20, step: 1 }]);
 * ```
 */
export function parseSgeQstat(
  output: string,
  options: ParseOptions = {},
): ParsedListing<SgeQstatRow> {
  const command = options.command ?? COMMAND;
  const jobs: SgeQstatRow[] = [];
  const problems: ParseProblem[] = [];
  for (const line of outputLines(output)) {
    if (/^job-ID\s/.test(line.text) || /^-+\s*$/.test(line.text)) continue;
    const id = /^\s*(\d+)\s/.exec(line.text)?.[1] ?? null;
    const row = readRecord(problems, id, () => readRow(command, line));
    if (row) jobs.push(row);
  }
  return listing(command, jobs, problems);
}

function readRow(command: string, line: NumberedLine): SgeQstatRow {
  const cols = line.text.trim().split(/\s+/);
  if (cols.length < 8 || cols.length > 10) {
    failLine(command, line, `has ${cols.length} columns, expected 8 to 10`);
  }
  const [jobId, prior, name, user, state, date, clock, ...rest] = cols;
  if (!/^\d+$/.test(jobId)) {
    failLine(command, line, `has a malformed job id ${JSON.stringify(jobId)}`);
  }
  if (!/^-?\d+(\.\d+)?$/.test(prior)) {
    failLine(command, line, `has a malformed priority ${JSON.stringify(prior)}`);
  }
  if (!STATE.test(state)) {
    failLine(command, line, `has an unknown state ${JSON.stringify(state)}`);
  }
  if (!/^\d\d\/\d\d\/\d{4}$/.test(date) || !/^\d\d:\d\d:\d\d$/.test(clock)) {
    failLine(command, line, `has a malformed date ${JSON.stringify(`${date} ${clock}`)}`);
  }
  // rest: [queue] slots [tasks]; a queue is never a bare number.
  const queue = rest.length === 3 || (rest.length === 2 && !/^\d+$/.test(rest[0]))
    ? rest.shift()!
    : null;
  const [slotsText, tasksText] = rest;
  if (!/^\d+$/.test(slotsText)) {
    failLine(command, line, `has a malformed slot count ${JSON.stringify(slotsText)}`);
  }
  let tasks: TaskRange[] | null = null;
  if (tasksText !== undefined) {
    const list = parseTaskList(tasksText);
    if (!list || list.throttle !== null) {
      failLine(command, line, `has a malformed task list ${JSON.stringify(tasksText)}`);
    }
    tasks = list.ranges;
  }
  return {
    jobId,
    priority: Number(prior),
    name,
    user,
    state,
    status: sgeStatusOf(state),
    time: `${date} ${clock}`,
    queue,
    slots: Number(slotsText),
    tasks,
  };
}

/**
 * Like {@linkcode parseSgeQstat}, but returns the error instead of throwing it.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The listing or the error.
 *
 * @example
 * ```ts
 * import { safeParseSgeQstat } from "./sge_status.ts";
 * import assert from "node:assert/strict";
 * assert.equal(safeParseSgeQstat("101 0.5 x alice qw\n").success, false);
 * ```
 */
export function safeParseSgeQstat(
  output: string,
  options: ParseOptions = {},
): ParseResult<ParsedListing<SgeQstatRow>> {
  return safely(() => parseSgeQstat(output, options));
}
