/**
 * Cutting many elements into job arrays that a Slurm cluster accepts.
 *
 * @module
 */

/** Limits of the cluster and what is already queued there. */
export interface SplitArrayOptions {
  /**
   * Slurm's `MaxArraySize`: array indices must be below it, so an array (indexed from 0)
   * holds at most this many elements.
   */
  readonly maxArraySize: number;
  /**
   * A lower cap on elements per array, e.g. `max_array_tasks` from `SchedulerParameters`.
   * Default: no cap beyond `maxArraySize`.
   */
  readonly maxArrayTasks?: number;
  /**
   * Slurm's `MaxJobCount`: how many jobs slurmctld holds at once. Every array element
   * counts as a job.
   */
  readonly maxJobCount: number;
  /**
   * Jobs (array elements) slurmctld already holds, which count against `maxJobCount`: all
   * users' when known (`squeue --noheader --array --all --format=%i | wc -l`), else yours.
   */
  readonly inFlight: number;
  /**
   * Total elements allowed to run at once across all arrays of this split; divided among
   * them as each array's `%throttle`. Default: unthrottled.
   */
  readonly throttle?: number;
}

/** One array to submit: elements `start .. start+size-1` of the whole, indexed 0 .. size-1. */
export interface ArrayChunk {
  /** Index of the chunk's first element within the whole. */
  readonly start: number;
  /** Number of elements (the array is `0-(size-1)`). */
  readonly size: number;
  /** The array's share of the throttle, when one was asked for. */
  readonly throttle?: number;
}

/** How `n` elements are cut. */
export interface ArraySplit {
  /** Arrays to submit now, in order. */
  readonly arrays: readonly ArrayChunk[];
  /** Elements that do not fit under `maxJobCount` now (from `n - deferred` on); submit later. */
  readonly deferred: number;
}

function checkCount(value: number, what: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Cannot split job array: ${what} must be an integer >= ${min} (got ${value})`,
    );
  }
}

/**
 * Cuts `n` elements into as few arrays as the limits allow: each array holds at most
 * `min(maxArraySize, maxArrayTasks)` elements (indexed from 0, so every index stays below
 * `MaxArraySize`), and all of them together at most `maxJobCount - inFlight` elements
 * (Slurm refuses submissions once it holds `MaxJobCount` jobs); the rest is `deferred`. A `throttle` is shared among the arrays, each getting at least 1.
 *
 * @param n How many elements, >= 0.
 * @param options The cluster's limits (see `parseSlurmConfig`) and what is in flight.
 * @returns The arrays to submit now and how many elements wait.
 * @throws {RangeError} When a number is not a non-negative integer (limits >= 1).
 *
 * @example
 * ```ts
 * import { splitArray } from "./split_array.ts";
 * import assert from "node:assert/strict";
 * const split = splitArray(2500, { maxArraySize: 1001, maxJobCount: 10_000, inFlight: 0 });
 * assert.deepEqual(split.arrays.map((a) => [a.start, a.size]), [[0, 1001], [1001, 1001], [2002, 498]]);
 * assert.equal(split.deferred, 0);
 * const full = splitArray(100, { maxArraySize: 1001, maxJobCount: 100, inFlight: 60 });
 * assert.deepEqual(full.arrays, [{ start: 0, size: 40 }]);
 * assert.equal(full.deferred, 60);
 * ```
 */
export function splitArray(n: number, options: SplitArrayOptions): ArraySplit {
  checkCount(n, "the number of elements", 0);
  checkCount(options.maxArraySize, "maxArraySize", 1);
  checkCount(options.maxJobCount, "maxJobCount", 1);
  checkCount(options.inFlight, "inFlight", 0);
  if (options.maxArrayTasks !== undefined) checkCount(options.maxArrayTasks, "maxArrayTasks", 1);
  if (options.throttle !== undefined) checkCount(options.throttle, "throttle", 1);
  const perArray = Math.min(options.maxArraySize, options.maxArrayTasks ?? Infinity);
  const room = Math.max(0, options.maxJobCount - options.inFlight);
  const now = Math.min(n, room);
  const sizes: number[] = [];
  for (let left = now; left > 0; left -= perArray) sizes.push(Math.min(perArray, left));
  const arrays: ArrayChunk[] = [];
  let start = 0;
  sizes.forEach((size, i) => {
    if (options.throttle === undefined) {
      arrays.push({ start, size });
    } else {
      const share = Math.floor(options.throttle / sizes.length) +
        (i < options.throttle % sizes.length ? 1 : 0);
      arrays.push({ start, size, throttle: Math.max(1, share) });
    }
    start += size;
  });
  return { arrays, deferred: n - now };
}
