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

/** Failures listed one by one in a {@linkcode MapError}'s message; the rest are counted. */
const LISTED = 5;

/**
 * Thrown by {@linkcode MapResult.unwrap} when any element failed. Its message summarises:
 * how many failed, counts by error name, the first five failures on one line each (with
 * `drover calls show KEY` for their stacks) and how to list the rest; every failure stays
 * in `failures` (and in `errors`).
 *
 * @example
 * ```ts
 * import { MapError } from "./map_result.ts";
 * import assert from "node:assert/strict";
 * const e = new MapError("relax", 10, [
 *   { index: 3, error: new RangeError("fmax too small") },
 *   { index: 7, error: new RangeError("fmax too small") },
 *   { index: 8, error: new TypeError("no atoms") },
 * ]);
 * assert.equal(e.message.split("\n")[0],
 *   'Cannot complete map over step "relax": 3 of 10 calls failed (2 RangeError, 1 TypeError)');
 * assert.match(e.message, /^  \[8\] TypeError: no atoms$/m);
 * assert.deepEqual(e.countsByName, { RangeError: 2, TypeError: 1 });
 * assert.equal(e.failures.length, 3);
 * ```
 */
export class MapError extends AggregateError {
  /** The step mapped over. */
  readonly step: string;
  /** How many elements the map had. */
  readonly total: number;
  /** The failed elements. */
  readonly failures: readonly MapFailure[];
  /** How many failures each error name has, most frequent first. */
  readonly countsByName: Readonly<Record<string, number>>;
  /**
   * Creates an instance.
   *
   * @param step Step name.
   * @param total How many elements the map had.
   * @param failures The failed ones.
   */
  constructor(step: string, total: number, failures: readonly MapFailure[]) {
    const counts = new Map<string, number>();
    for (const f of failures) {
      const name = errorName(f.error);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const byName = [...counts].sort((a, b) => b[1] - a[1]);
    const lines = [
      `Cannot complete map over step "${step}": ${failures.length} of ${total} calls failed (${
        byName.map(([name, n]) => `${n} ${name}`).join(", ")
      })`,
      ...failures.slice(0, LISTED).map((f) => `  [${f.index}] ${failureLine(f.error)}`),
    ];
    if (failures.length > LISTED) {
      lines.push(
        `  and ${failures.length - LISTED} more: drover calls ls --step ${step} --state failed`,
      );
    }
    super(failures.map((f) => f.error), lines.join("\n"));
    this.name = "MapError";
    this.step = step;
    this.total = total;
    this.failures = failures;
    this.countsByName = Object.fromEntries(byName);
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** "Name: first line of the message (drover calls show KEY)", at most ~200 characters. */
function failureLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  let first = message.split("\n", 1)[0];
  if (first.length > 160 || first !== message) first = `${first.slice(0, 160)}…`;
  const key = (error as { key?: unknown } | null)?.key;
  const show = typeof key === "string" && key !== ""
    ? ` (drover calls show ${key.slice(0, 12)})`
    : "";
  return `${errorName(error)}: ${first}${show}`;
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
