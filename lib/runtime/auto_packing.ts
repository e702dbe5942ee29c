/**
 * Adaptive packing (pure): how many calls go into one array element when a route says
 * `inputsPerJob: "auto"`, from the measured durations of earlier calls of the same step, a
 * target element duration and the job's walltime.
 *
 * @module
 */

/** The target element duration when the route gives none: 5 minutes. */
export const DEFAULT_TARGET_ELEMENT_MS = 5 * 60_000;

/** The share of the walltime an element may fill (the rest is margin for start and noise). */
export const WALLTIME_SAFETY = 0.8;

/** With nothing measured, elements are capped at this many (1 call each below it). */
export const DEFAULT_MAX_ELEMENTS = 1000;

/** The percentile of measured durations taken as a call's duration. */
export const DURATION_PERCENTILE = 90;

/**
 * The least work an element is given when calls are spread for parallelism: several times
 * an element's start (a Deno start and the bundle's load, 0.2–1 s), so spreading pays.
 */
export const MIN_SPREAD_ELEMENT_MS = 5_000;

/** What the chooser reads. */
export interface AutoPackingInput {
  /** Measured durations (ms) of earlier calls of the step; empty when none. */
  readonly durationsMs: readonly number[];
  /** The calls to pack (at least 1 for a meaningful answer). */
  readonly calls: number;
  /** The target element duration (ms). Default: {@linkcode DEFAULT_TARGET_ELEMENT_MS}. */
  readonly targetMs?: number;
  /** The job's walltime (ms), when it has one; elements stay within its safe share. */
  readonly walltimeMs?: number;
  /**
   * How many elements the system can run at once. When the calls' work fits in fewer
   * elements than this, it is spread over up to this many, each with at least
   * {@linkcode MIN_SPREAD_ELEMENT_MS} of work. Default: 1 (no spreading).
   */
  readonly parallelism?: number;
}

/** What the chooser picked, and from what. */
export interface AutoPacking {
  /** Calls per element, at least 1 and at most the calls (when there are any). */
  readonly perElement: number;
  /** `measured`: from durations; `default`: nothing measured, the documented default. */
  readonly basis: "measured" | "default";
  /** The duration (ms) one call was taken to last (the percentile), when measured. */
  readonly callMs?: number;
  /** The longest an element may last (ms): the target, within the walltime's safe share. */
  readonly boundMs: number;
}

/**
 * The `p`th percentile (nearest rank) of values.
 *
 * @param values The values (not all need be finite; non-finite and negative ones are left out).
 * @param p The percentile, 0 to 100.
 * @returns The percentile, or undefined when no value is usable.
 *
 * @example
 * ```ts
 * import { percentile } from "./auto_packing.ts";
 * import assert from "node:assert/strict";
 * assert.equal(percentile([5, 1, 3, 2, 4, 6, 7, 8, 9, 100], 90), 9);
 * assert.equal(percentile([], 90), undefined);
 * ```
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  const usable = values.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
  if (usable.length === 0) return undefined;
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * usable.length);
  return usable[Math.max(0, rank - 1)];
}

/**
 * Chooses calls per element. With durations measured, a call is taken to last the 90th
 * percentile of them (at least 1 ms), and an element holds as many calls as fit in the
 * bound (the target, and at most {@linkcode WALLTIME_SAFETY} of the walltime), at least 1;
 * the calls are then spread evenly over the elements that takes. When that is fewer
 * elements than the system runs at once (`parallelism`), the work is spread wider, up to
 * that many elements but none with less than {@linkcode MIN_SPREAD_ELEMENT_MS} of it: 200
 * calls of 0.2 s go into 8 elements of 5 s, not one of 40 s. With nothing measured, 1 call
 * per element, but no more than {@linkcode DEFAULT_MAX_ELEMENTS} elements.
 *
 * @param input Durations, calls, target and walltime.
 * @returns Calls per element and how they were chosen.
 *
 * @example
 * ```ts
 * import { chooseCallsPerElement } from "./auto_packing.ts";
 * import assert from "node:assert/strict";
 * // 1000 calls of 2 s with a 5 min target: 150 fit; 7 elements of 143 calls.
 * const timed = chooseCallsPerElement({ durationsMs: [2000, 2000], calls: 1000 });
 * assert.deepEqual(timed, { perElement: 143, basis: "measured", callMs: 2000, boundMs: 300_000 });
 * // A 2 min walltime bounds elements to 96 s: 48 calls of 2 s.
 * assert.equal(chooseCallsPerElement({ durationsMs: [2000], calls: 1000, walltimeMs: 120_000 }).perElement, 48);
 * // Nothing measured: 1 per element, at most 1000 elements.
 * assert.equal(chooseCallsPerElement({ durationsMs: [], calls: 10 }).perElement, 1);
 * assert.equal(chooseCallsPerElement({ durationsMs: [], calls: 2500 }).perElement, 3);
 * // 200 calls of 0.2 s (40 s of work) on a system running 16 elements at once: 8 of 5 s.
 * assert.equal(chooseCallsPerElement({ durationsMs: [200], calls: 200, parallelism: 16 }).perElement, 25);
 * // ...and on one running 2 at once: 2 elements of 20 s.
 * assert.equal(chooseCallsPerElement({ durationsMs: [200], calls: 200, parallelism: 2 }).perElement, 100);
 * ```
 */
export function chooseCallsPerElement(input: AutoPackingInput): AutoPacking {
  const calls = Math.max(1, Math.floor(input.calls));
  const target = positiveOr(input.targetMs, DEFAULT_TARGET_ELEMENT_MS);
  const walltime = positiveOr(input.walltimeMs, Infinity);
  const boundMs = Math.min(target, walltime * WALLTIME_SAFETY);
  const measured = percentile(input.durationsMs, DURATION_PERCENTILE);
  if (measured === undefined) {
    return {
      perElement: Math.max(1, Math.ceil(calls / DEFAULT_MAX_ELEMENTS)),
      basis: "default",
      boundMs,
    };
  }
  const callMs = Math.max(1, measured);
  const fit = Math.min(calls, Math.max(1, Math.floor(boundMs / callMs)));
  const parallelism = Math.max(1, Math.floor(positiveOr(input.parallelism, 1)));
  const spread = Math.min(parallelism, calls, Math.floor((calls * callMs) / MIN_SPREAD_ELEMENT_MS));
  const elements = Math.max(Math.ceil(calls / fit), spread);
  return { perElement: Math.ceil(calls / elements), basis: "measured", callMs, boundMs };
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && value > 0 && !Number.isNaN(value) ? value : fallback;
}
