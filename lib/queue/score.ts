/**
 * Priorities given as a TypeScript scoring function (`priority: (row) => number`, higher first).
 * The store keeps such a priority as `score:<12 hex of sha256 of the function's source>`, so a
 * changed function is a changed priority; the scores are materialised into the items' indexed
 * rank by the processes that hold the function (runners), when the function changes or rows are
 * added. Other processes (`drover queue status`) read the ranks; rows they add to a task's items
 * stay unscored (after the scored ones) until a runner scores them at its next claim.
 *
 * @module
 */
import { sha256Hex } from "../codec/mod.ts";

/** A priority by score: a number for a row, higher first (NaN, non-numbers: last). */
export type ScoreFunction<R = Record<string, unknown>> = (row: R) => number;

const SCORES = new Map<string, ScoreFunction>();

/** What a scoring priority is stored as begins with this. */
export const SCORE_PREFIX = "score:";

/**
 * Registers a scoring function in this process and names it by its source.
 *
 * @param fn The function.
 * @returns Its stored form, `score:<hex>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { registerScore, scoreFunction } from "./score.ts";
 * const id = registerScore((row: { n: number }) => -row.n);
 * assert.match(id, /^score:[0-9a-f]{12}$/);
 * assert.equal(scoreFunction(id)?.({ n: 2 }), -2);
 * ```
 */
export function registerScore<R>(fn: ScoreFunction<R>): string {
  const id = `${SCORE_PREFIX}${sha256Hex(new TextEncoder().encode(fn.toString())).slice(0, 12)}`;
  SCORES.set(id, fn as ScoreFunction);
  return id;
}

/**
 * The scoring function a stored priority names, if this process registered it.
 *
 * @param priority A stored priority.
 * @returns The function, or undefined (not a score, or not known here).
 */
export function scoreFunction(priority: string | undefined): ScoreFunction | undefined {
  return priority?.startsWith(SCORE_PREFIX) ? SCORES.get(priority) : undefined;
}

/**
 * Whether a stored priority is a scoring function.
 *
 * @param priority A stored priority.
 * @returns True for `score:<hex>`.
 */
export function isScore(priority: string | undefined): boolean {
  return priority?.startsWith(SCORE_PREFIX) ?? false;
}
