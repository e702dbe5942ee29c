/**
 * The result of running a step over many inputs, where some elements may fail.
 *
 * @module
 */

/** One failed element of a map. */
export interface MapFailure {
  /** Index of the input. */
  readonly index: number;
  /** What was thrown (usually a `StepFailedError`). */
  readonly error: unknown;
}

/**
 * Thrown by {@linkcode MapResult.unwrap} when any element failed.
 *
 * @example
 * ```ts
 * import { MapError } from "./map_result.ts";
 * import assert from "node:assert/strict";
 * const e = new MapError("relax", 10, [{ index: 3, error: new Error("x") }]);
 * assert.match(e.message, /1 of 10/);
 * ```
 */
export class MapError extends AggregateError {
  /** The failed elements. */
  readonly failures: readonly MapFailure[];
  /**
   * Creates an instance.
   *
   * @param step Step name.
   * @param total How many elements the map had.
   * @param failures The failed ones.
   */
  constructor(step: string, total: number, failures: readonly MapFailure[]) {
    const first = failures[0];
    super(
      failures.map((f) => f.error),
      `Cannot complete map over step "${step}": ${failures.length} of ${total} calls failed (first: [${first?.index}] ${
        first?.error instanceof Error ? first.error.message : String(first?.error)
      })`,
    );
    this.name = "MapError";
    this.failures = failures;
  }
}

/**
 * Per-element outcome of a map: values in input order, a mask of which succeeded, and the
 * failures. Failed elements never lose the others.
 *
 * @example
 * ```ts
 * import { MapResult } from "./map_result.ts";
 * import assert from "node:assert/strict";
 * const r = new MapResult("s", [1, undefined, 3], [{ index: 1, error: new Error("no") }]);
 * assert.deepEqual(r.mask, [true, false, true]);
 * assert.deepEqual(r.succeeded(), [1, 3]);
 * assert.equal(r.ok, false);
 * assert.throws(() => r.unwrap(), /1 of 3/);
 * ```
 */
export class MapResult<T> {
  /** The step mapped over. */
  readonly step: string;
  /** Values by input index; `undefined` where the element failed. */
  readonly values: readonly (T | undefined)[];
  /** Failures, ordered by index. */
  readonly failures: readonly MapFailure[];
  /** `mask[i]` is true when element i succeeded. */
  readonly mask: readonly boolean[];

  /**
   * Creates an instance.
   *
   * @param step Step name.
   * @param values Values by index.
   * @param failures Failed elements.
   */
  constructor(step: string, values: readonly (T | undefined)[], failures: readonly MapFailure[]) {
    this.step = step;
    this.values = values;
    this.failures = [...failures].sort((a, b) => a.index - b.index);
    const mask = values.map(() => true);
    for (const f of this.failures) mask[f.index] = false;
    this.mask = mask;
  }

  /** True when every element succeeded. */
  get ok(): boolean {
    return this.failures.length === 0;
  }

  /** Number of elements. */
  get length(): number {
    return this.values.length;
  }

  /**
   * All values, in input order.
   *
   * @returns The values.
   * @throws {MapError} when any element failed.
   */
  unwrap(): T[] {
    if (!this.ok) throw new MapError(this.step, this.values.length, this.failures);
    return this.values as T[];
  }

  /**
   * The values of the elements that succeeded, in input order.
   *
   * @returns The successful values.
   */
  succeeded(): T[] {
    return this.values.filter((_, i) => this.mask[i]) as T[];
  }
}
