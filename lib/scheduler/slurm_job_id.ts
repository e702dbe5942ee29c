/**
 * Slurm job ids as `squeue %i` and `sacct JobID` print them: `123`, `123_4` (one array
 * element), `123_[0-9%2]` (pending elements, with the array's throttle), `123+1`
 * (heterogeneous job component).
 *
 * @module
 */

/** Array indices `first, first+step, ..., <= last`. */
export interface TaskRange {
  /** First index. */
  readonly first: number;
  /** Last index (inclusive). */
  readonly last: number;
  /** Step, >= 1. */
  readonly step: number;
}

/** A parsed job id. */
export interface SlurmJobRef {
  /** The job id, or the array's job id for array elements (`"123"`, `"123+1"`). */
  readonly jobId: string;
  /** The array indices the line stands for; null when it is not an array element. */
  readonly arrayTasks: readonly TaskRange[] | null;
  /** The array's `%throttle`, shown on pending ranges; null when not shown. */
  readonly throttle: number | null;
}

const JOB_ID = /^(\d+(?:\+\d+)?)(?:_(?:(\d+)|\[([0-9,:%-]+)\]))?$/;
const RANGE = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/;

/**
 * Parses a task list like `3-4,6,8-9%2` or `1-10:3`.
 *
 * @param text The list, without brackets.
 * @returns Ranges and throttle, or undefined when malformed.
 */
export function parseTaskList(
  text: string,
): { ranges: TaskRange[]; throttle: number | null } | undefined {
  const [list, throttleText, extra] = text.split("%");
  if (extra !== undefined || list === "") return undefined;
  let throttle: number | null = null;
  if (throttleText !== undefined) {
    if (!/^\d+$/.test(throttleText)) return undefined;
    throttle = Number(throttleText);
  }
  const ranges: TaskRange[] = [];
  for (const part of list.split(",")) {
    const m = RANGE.exec(part);
    if (!m) return undefined;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    if (last < first || step < 1) return undefined;
    ranges.push({ first, last, step });
  }
  return { ranges, throttle };
}

/**
 * Parses a Slurm job id with its optional array part.
 *
 * @param text `123`, `123_4`, `123_[0-9%2]`, `123_[1,3-5]`, `123+0`.
 * @returns The parts, or undefined when the text is not a job id.
 *
 * @example
 * ```ts
 * import { parseSlurmJobId } from "./slurm_job_id.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseSlurmJobId("22_[3-4,6%2]"), {
 *   jobId: "22",
 *   arrayTasks: [{ first: 3, last: 4, step: 1 }, { first: 6, last: 6, step: 1 }],
 *   throttle: 2,
 * });
 * assert.deepEqual(parseSlurmJobId("22_5")?.arrayTasks, [{ first: 5, last: 5, step: 1 }]);
 * assert.equal(parseSlurmJobId("22_"), undefined);
 * ```
 */
export function parseSlurmJobId(text: string): SlurmJobRef | undefined {
  const m = JOB_ID.exec(text);
  if (!m) return undefined;
  if (m[2] !== undefined) {
    const index = Number(m[2]);
    return { jobId: m[1], arrayTasks: [{ first: index, last: index, step: 1 }], throttle: null };
  }
  if (m[3] !== undefined) {
    const list = parseTaskList(m[3]);
    return list && { jobId: m[1], arrayTasks: list.ranges, throttle: list.throttle };
  }
  return { jobId: m[1], arrayTasks: null, throttle: null };
}

/**
 * Lists every index of some task ranges, in order.
 *
 * @param ranges The ranges.
 * @returns The indices.
 *
 * @example
 * ```ts
 * import { expandTaskRanges } from "./slurm_job_id.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   expandTaskRanges([{ first: 3, last: 4, step: 1 }, { first: 8, last: 12, step: 2 }]),
 *   [3, 4, 8, 10, 12],
 * );
 * ```
 */
export function expandTaskRanges(ranges: readonly TaskRange[]): number[] {
  const out: number[] = [];
  for (const r of ranges) for (let i = r.first; i <= r.last; i += r.step) out.push(i);
  return out;
}
