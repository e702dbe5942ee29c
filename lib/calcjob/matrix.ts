/**
 * Sweeps: a calcjob's `matrix` of axes expands to one parameter set per combination.
 *
 * @module
 */
import type { MatrixMode } from "./jobs_file.ts";

/** A matrix whose axes cannot be zipped (lengths differ). */
export class MatrixError extends RangeError {
  /** Axis names and their lengths. */
  readonly lengths: Readonly<Record<string, number>>;

  /**
   * Creates an instance.
   *
   * @param lengths Axis names and their lengths.
   */
  constructor(lengths: Readonly<Record<string, number>>) {
    const text = Object.entries(lengths).map(([k, n]) => `${k} has ${n}`).join(", ");
    super(`Cannot zip the matrix: its axes must have the same length (${text})`);
    this.name = "MatrixError";
    this.lengths = lengths;
  }
}

/**
 * Expands a matrix: `product` gives every combination (the first axis varies slowest, like
 * nested loops in the order written); `zip` pairs the i-th values of every axis.
 *
 * @param matrix Axis name to its values (each non-empty).
 * @param mode How the axes combine. Default: `product`.
 * @returns One record of axis values per combination, in order.
 * @throws {MatrixError} In `zip` mode when the axes' lengths differ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expandMatrix } from "./matrix.ts";
 * assert.deepEqual(expandMatrix({ x: [1, 2], y: ["a", "b"] }), [
 *   { x: 1, y: "a" }, { x: 1, y: "b" }, { x: 2, y: "a" }, { x: 2, y: "b" },
 * ]);
 * assert.deepEqual(expandMatrix({ x: [1, 2], y: ["a", "b"] }, "zip"), [
 *   { x: 1, y: "a" }, { x: 2, y: "b" },
 * ]);
 * assert.throws(() => expandMatrix({ x: [1], y: [1, 2] }, "zip"), RangeError);
 * ```
 */
export function expandMatrix(
  matrix: Readonly<Record<string, readonly unknown[]>>,
  mode: MatrixMode = "product",
): Record<string, unknown>[] {
  const axes = Object.entries(matrix);
  if (axes.length === 0) return [{}];
  if (mode === "zip") {
    const n = axes[0][1].length;
    if (axes.some(([, values]) => values.length !== n)) {
      throw new MatrixError(Object.fromEntries(axes.map(([k, v]) => [k, v.length])));
    }
    return Array.from({ length: n }, (_, i) => Object.fromEntries(axes.map(([k, v]) => [k, v[i]])));
  }
  let out: Record<string, unknown>[] = [{}];
  for (const [name, values] of axes) {
    const next: Record<string, unknown>[] = [];
    for (const partial of out) {
      for (const value of values) next.push({ ...partial, [name]: value });
    }
    out = next;
  }
  return out;
}

/**
 * A short label suffix for one combination: `[x=1,y=a]`.
 *
 * @param combination Axis values.
 * @returns The suffix (values JSON-encoded unless plain text or numbers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { combinationLabel } from "./matrix.ts";
 * assert.equal(combinationLabel({ x: 1, y: "a" }), "[x=1,y=a]");
 * assert.equal(combinationLabel({ v: [1, 2] }), "[v=[1,2]]");
 * ```
 */
export function combinationLabel(combination: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(combination).map(([k, v]) =>
    `${k}=${typeof v === "string" && /^[\w.+-]*$/.test(v) ? v : JSON.stringify(v)}`
  );
  return `[${parts.join(",")}]`;
}
