/**
 * Array results of mapped steps: an N-dimensional array in index order whose elements are
 * ok, failed or skipped, with a numpy-style mask (true = missing), per-element errors and
 * root causes.
 *
 * @module
 */
import { defineEncoding } from "../codec/mod.ts";

/** The state of one element of a flow array. */
export type FlowElementState = "ok" | "failed" | "skipped";

/** Why an element is missing: the element of a step that failed, and its error. */
export interface ElementFailure {
  /** The step whose call failed. */
  readonly step: string;
  /** The element's index in that step's output (empty for an unmapped step). */
  readonly index: readonly number[];
  /** The call key, for `drover calls show KEY` (absent when the call never got a key). */
  readonly key?: string;
  /** The error's class name and message. */
  readonly error: { readonly name: string; readonly message: string };
}

/** Where an array's values live: results by call key, shared by the outputs of one step. */
export interface ValueTable {
  /**
   * The result of the call with this key, if known.
   *
   * @param key Call key.
   */
  get(key: string): unknown;
}

/** What {@linkcode FlowArray}'s constructor takes. */
export interface FlowArrayInit {
  /** The data name. */
  readonly name: string;
  /** Index names, one per axis. */
  readonly axes: readonly string[];
  /** Size of each axis; for a ragged last axis, its longest row. */
  readonly shape: readonly number[];
  /** For a ragged last axis: the length of each row, in row order. Default: not ragged. */
  readonly lengths?: readonly number[];
  /** State of each element, flat in index order. */
  readonly states: readonly FlowElementState[];
  /** Call key of each element (where its value is in `table`), flat; `undefined` when missing. */
  readonly keys: readonly (string | undefined)[];
  /** Results by call key. */
  readonly table: ValueTable;
  /** Picks an element's value from its call's result (the output of a multi-output step, the
   * j-th item of a ragged row). Default: the result itself. */
  readonly pick?: (result: unknown, flat: number) => unknown;
  /** The failure of each failed element, by flat index. */
  readonly failures?: ReadonlyMap<number, ElementFailure>;
  /** The root causes of each skipped element, by flat index. */
  readonly causes?: ReadonlyMap<number, readonly ElementFailure[]>;
}

/**
 * An N-dimensional array of step results in index order ("flat" = row-major position).
 * Missing elements (failed or skipped) are masked; each failed element keeps its error,
 * each skipped element the root failures it descends from. Values are read from a table
 * keyed by call key, so an array never copies results.
 *
 * @example
 * ```ts
 * import { FlowArray } from "./flow_array.ts";
 * import assert from "node:assert/strict";
 * const a = FlowArray.of("x", [[1, 2], [3, 4]]);
 * assert.deepEqual(a.shape, [2, 2]);
 * assert.equal(a.get(1, 0), 3);
 * assert.equal(a.mean(), 2.5);
 * assert.deepEqual(a.mask, [false, false, false, false]);
 * ```
 */
export class FlowArray<T = unknown> {
  /** The data name. */
  readonly name: string;
  /** Index names, one per axis. */
  readonly axes: readonly string[];
  /** Size of each axis (a ragged last axis: its longest row). */
  readonly shape: readonly number[];
  /** Row lengths of a ragged last axis, or `null`. */
  readonly lengths: readonly number[] | null;
  /** Element states, flat. */
  readonly states: readonly FlowElementState[];
  readonly #keys: readonly (string | undefined)[];
  readonly #table: ValueTable;
  readonly #pick: (result: unknown, flat: number) => unknown;
  readonly #failures: ReadonlyMap<number, ElementFailure>;
  readonly #causes: ReadonlyMap<number, readonly ElementFailure[]>;
  readonly #offsets: number[] | null;

  /**
   * Creates an array over results held elsewhere.
   *
   * @param init Name, axes, shape, states, keys and the table of results.
   * @throws {RangeError} when the states or keys do not match the shape.
   */
  constructor(init: FlowArrayInit) {
    this.name = init.name;
    this.axes = init.axes;
    this.shape = init.shape;
    this.lengths = init.lengths ?? null;
    let size = init.shape.reduce((a, b) => a * b, 1);
    if (this.lengths) {
      this.#offsets = [0];
      for (const n of this.lengths) this.#offsets.push(this.#offsets.at(-1)! + n);
      size = this.#offsets.at(-1)!;
    } else {
      this.#offsets = null;
    }
    if (init.states.length !== size || init.keys.length !== size) {
      throw new RangeError(
        `Cannot build array "${init.name}": shape [${init.shape}] holds ${size} elements (got ${init.states.length} states, ${init.keys.length} keys)`,
      );
    }
    this.states = init.states;
    this.#keys = init.keys;
    this.#table = init.table;
    this.#pick = init.pick ?? ((r) => r);
    this.#failures = init.failures ?? new Map();
    this.#causes = init.causes ?? new Map();
  }

  /**
   * An array of plain values, all ok: from a nested JS array (its depth gives the axes),
   * or flat values with a shape.
   *
   * @param name The data name.
   * @param values Nested arrays, or flat values when `shape` is given.
   * @param options `shape` for flat values; `axes` names (default `d0, d1, ...`).
   * @returns The array.
   * @throws {RangeError} for a nested array that is not rectangular.
   *
   * @example
   * ```ts
   * import { FlowArray } from "./flow_array.ts";
   * import assert from "node:assert/strict";
   * assert.deepEqual(FlowArray.of("v", [1, 2, 3, 4], { shape: [2, 2] }).get(1, 1), 4);
   * assert.throws(() => FlowArray.of("v", [[1], [2, 3]]), RangeError);
   * ```
   */
  static of<T>(
    name: string,
    values: readonly unknown[],
    options: { shape?: readonly number[]; axes?: readonly string[]; depth?: number } = {},
  ): FlowArray<T> {
    let shape = options.shape;
    let flat: unknown[];
    if (shape) {
      flat = [...values];
    } else {
      shape = nestedShape(values, options.depth ?? options.axes?.length);
      flat = (values as unknown[]).flat(shape.length - 1);
      if (flat.length !== shape.reduce((a, b) => a * b, 1)) {
        throw new RangeError(`Cannot build array "${name}": nested arrays are not rectangular`);
      }
    }
    const keys = flat.map((_, i) => String(i));
    return new FlowArray<T>({
      name,
      axes: options.axes ?? shape.map((_, i) => `d${i}`),
      shape,
      states: flat.map(() => "ok"),
      keys,
      table: { get: (k) => flat[Number(k)] },
    });
  }

  /** Number of elements. */
  get size(): number {
    return this.states.length;
  }

  /** True where the element is missing (failed or skipped), flat. */
  get mask(): boolean[] {
    return this.states.map((s) => s !== "ok");
  }

  /** Values, flat in index order; `undefined` where masked. */
  get values(): (T | undefined)[] {
    return this.states.map((_, i) => this.at(i));
  }

  /**
   * The value at a flat position, or `undefined` when masked.
   *
   * @param flat Flat position.
   * @returns The value.
   */
  at(flat: number): T | undefined {
    if (this.states[flat] !== "ok") return undefined;
    const key = this.#keys[flat];
    return key === undefined ? undefined : this.#pick(this.#table.get(key), flat) as T;
  }

  /**
   * The value at an N-dimensional index, or `undefined` when masked.
   *
   * @param index One number per axis.
   * @returns The value.
   * @throws {RangeError} for an index outside the shape.
   */
  get(...index: number[]): T | undefined {
    return this.at(this.flatIndex(index));
  }

  /**
   * The call key of the element at a flat position (`undefined` if it never ran).
   *
   * @param flat Flat position.
   * @returns The key.
   */
  keyAt(flat: number): string | undefined {
    return this.#keys[flat];
  }

  /**
   * The flat position of an N-dimensional index.
   *
   * @param index One number per axis.
   * @returns The flat position.
   * @throws {RangeError} for an index outside the shape.
   */
  flatIndex(index: readonly number[]): number {
    const bad = (): never => {
      throw new RangeError(`Cannot index array "${this.name}" [${this.shape}] at [${index}]`);
    };
    if (index.length !== this.shape.length) bad();
    const outer = this.#offsets ? index.length - 1 : index.length;
    let flat = 0;
    for (let d = 0; d < outer; d++) {
      if (!(index[d] >= 0 && index[d] < this.shape[d])) bad();
      flat = flat * this.shape[d] + index[d];
    }
    if (!this.#offsets) return flat;
    const j = index[outer];
    if (!(j >= 0 && j < this.lengths![flat])) bad();
    return this.#offsets[flat] + j;
  }

  /**
   * The N-dimensional index of a flat position.
   *
   * @param flat Flat position.
   * @returns One number per axis.
   */
  indexOf(flat: number): number[] {
    let rest = flat;
    let last: number[] = [];
    const dims = this.#offsets ? this.shape.slice(0, -1) : this.shape;
    if (this.#offsets) {
      const row = upperBound(this.#offsets, flat) - 1;
      last = [flat - this.#offsets[row]];
      rest = row;
    }
    const index = new Array<number>(dims.length);
    for (let d = dims.length - 1; d >= 0; d--) {
      index[d] = rest % dims[d];
      rest = Math.floor(rest / dims[d]);
    }
    return [...index, ...last];
  }

  /**
   * The state of an element.
   *
   * @param index One number per axis.
   * @returns ok, failed or skipped.
   */
  state(...index: number[]): FlowElementState {
    return this.states[this.flatIndex(index)];
  }

  /**
   * The failure of a failed element.
   *
   * @param flat Flat position.
   * @returns Its failure, or `undefined` when it did not fail.
   */
  errorAt(flat: number): ElementFailure | undefined {
    return this.#failures.get(flat);
  }

  /**
   * Why an element is missing: its own failure, or the failures a skipped element
   * descends from (through maps and reductions). Empty for an ok element.
   *
   * @param flat Flat position.
   * @returns The root failures.
   */
  rootCauses(flat: number): readonly ElementFailure[] {
    const own = this.#failures.get(flat);
    if (own) return [own];
    return this.#causes.get(flat) ?? [];
  }

  /**
   * Every root failure behind the masked elements, each once (by step and key).
   *
   * @returns The failures.
   */
  allRootCauses(): ElementFailure[] {
    const seen = new Map<string, ElementFailure>();
    for (let i = 0; i < this.size; i++) {
      for (const f of this.rootCauses(i)) seen.set(`${f.step}\0${f.key ?? f.index.join()}`, f);
    }
    return [...seen.values()];
  }

  /** The values of the ok elements, flat in index order. */
  valid(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i++) if (this.states[i] === "ok") out.push(this.at(i) as T);
    return out;
  }

  /** The mean of the ok elements (numbers), skipping masked ones; `NaN` when none is ok. */
  mean(): number {
    const v = this.valid() as unknown[];
    let sum = 0;
    for (const x of v) sum += Number(x);
    return v.length === 0 ? NaN : sum / v.length;
  }

  /** How many elements are in each state. */
  counts(): Record<FlowElementState, number> {
    const c = { ok: 0, failed: 0, skipped: 0 };
    for (const s of this.states) c[s]++;
    return c;
  }

  /** Values as nested arrays (rows of a ragged axis keep their own lengths). */
  toNested(): unknown[] {
    const values = this.values;
    if (this.shape.length === 0) return values;
    const build = (d: number, start: number): [unknown[], number] => {
      const last = d === this.shape.length - 1;
      if (last) {
        const n = this.#offsets ? this.lengths![start] : this.shape[d];
        const from = this.#offsets ? this.#offsets[start] : start;
        return [values.slice(from, from + n), this.#offsets ? start + 1 : start + n];
      }
      const out: unknown[] = [];
      let at = start;
      for (let k = 0; k < this.shape[d]; k++) {
        const [row, next] = build(d + 1, at);
        out.push(row);
        at = next;
      }
      return [out, at];
    };
    return build(0, 0)[0];
  }
}

function nestedShape(values: readonly unknown[], depth: number | undefined): number[] {
  const shape: number[] = [];
  let v: unknown = values;
  while (Array.isArray(v) && (depth === undefined || shape.length < depth)) {
    shape.push(v.length);
    v = v[0];
  }
  if (depth !== undefined && shape.length < depth) {
    throw new RangeError(`Cannot build an array of ${depth} axes from ${shape.length} levels`);
  }
  return shape;
}

function upperBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface StoredArray {
  name: string;
  axes: string[];
  shape: number[];
  lengths: number[] | null;
  states: FlowElementState[];
  values: unknown[];
  failures: [number, ElementFailure][];
  causes: [number, ElementFailure[]][];
}

defineEncoding(FlowArray, {
  name: "drover.FlowArray",
  encode: (a): StoredArray => {
    const failures: [number, ElementFailure][] = [];
    const causes: [number, ElementFailure[]][] = [];
    a.states.forEach((s, i) => {
      if (s === "failed") failures.push([i, a.errorAt(i)!]);
      if (s === "skipped") causes.push([i, [...a.rootCauses(i)]]);
    });
    return {
      name: a.name,
      axes: [...a.axes],
      shape: [...a.shape],
      lengths: a.lengths ? [...a.lengths] : null,
      states: [...a.states],
      values: a.values,
      failures: failures.filter(([, f]) => f !== undefined),
      causes,
    };
  },
  decode: (p: StoredArray) =>
    new FlowArray({
      name: p.name,
      axes: p.axes,
      shape: p.shape,
      ...(p.lengths ? { lengths: p.lengths } : {}),
      states: p.states,
      keys: p.states.map((_, i) => String(i)),
      table: { get: (k) => p.values[Number(k)] },
      failures: new Map(p.failures),
      causes: new Map(p.causes),
    }),
});
