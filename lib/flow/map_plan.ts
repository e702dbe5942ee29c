/**
 * Planning a mapped step: the output shape of a map spec over given inputs, and the inputs
 * (or the root causes of the skip) of each output element.
 *
 * @module
 */
import { type ElementFailure, FlowArray } from "./flow_array.ts";
import { type MapSpec, MapSpecError, parseMapSpec, printMapSpec } from "./map_spec.ts";

/** One element of a map: its call inputs, or why it is skipped. */
export type PlannedElement =
  | { readonly kind: "run"; readonly inputs: Record<string, unknown> }
  | { readonly kind: "skip"; readonly causes: readonly ElementFailure[] };

/** The plan of a mapped step over its inputs. */
export interface MapPlan {
  /** The spec. */
  readonly spec: MapSpec;
  /** Output index names, without a new ragged axis. */
  readonly axes: readonly string[];
  /** Output sizes of those axes (a ragged axis taken from an input: its longest row). */
  readonly shape: readonly number[];
  /** Row lengths when the last axis is ragged because an input's is; else `null`. */
  readonly lengths: readonly number[] | null;
  /** The new ragged axis of the outputs (`j` of `char[i, j*]`), or `null`. */
  readonly ragged: string | null;
  /** Number of calls. */
  readonly size: number;
  /**
   * The inputs of the call at a flat position, or why it is skipped.
   *
   * @param flat Flat position in the output (a row, for a new ragged axis).
   */
  element(flat: number): PlannedElement;
}

function locate(text: string, name: string): number {
  const m = new RegExp(`(^|[^A-Za-z0-9_])(${name})\\s*\\[`).exec(text);
  return m ? m.index + m[1].length : 0;
}

/**
 * Plans a map: checks that zipped axes agree in size, gives the output shape (outer
 * product of distinct indices, in output order) and each element's inputs. A mapped input
 * is a {@linkcode FlowArray} or a (nested) JS array; an element whose mapped input element
 * is masked is skipped with that element's root causes; a reduced axis (`:`) hands the
 * element a {@linkcode FlowArray} slice, masked elements included.
 *
 * @param spec The spec (text or parsed).
 * @param inputs Values by name: arrays for bracketed inputs, anything for whole ones.
 * @returns The plan.
 * @throws {MapSpecError} when an input is missing, has the wrong number of axes, or zipped
 * axes differ in size; the caret points at the input.
 *
 * @example
 * ```ts
 * import { planMap } from "./map_plan.ts";
 * import assert from "node:assert/strict";
 * const p = planMap("x[i], y[j], scale -> z[i, j]", { x: [1, 2], y: [10, 20, 30], scale: 2 });
 * assert.deepEqual(p.shape, [2, 3]);
 * assert.deepEqual(p.element(5), { kind: "run", inputs: { x: 2, y: 30, scale: 2 } });
 * assert.throws(() => planMap("x[i], y[i] -> z[i]", { x: [1], y: [1, 2] }), /axis "i"/);
 * ```
 */
export function planMap(spec: string | MapSpec, inputs: Record<string, unknown>): MapPlan {
  const parsed = typeof spec === "string" ? parseMapSpec(spec) : spec;
  const text = typeof spec === "string" ? spec : printMapSpec(parsed);
  const arrays = new Map<string, FlowArray>();
  const sizes = new Map<string, { size: number; from: string }>();
  let inherited: FlowArray | null = null;
  const outAxes = (parsed.outputs[0].axes ?? []).flatMap((a) => a.kind === "index" ? [a] : []);
  const axes = outAxes.filter((a) => !a.ragged).map((a) => a.name);
  const ragged = outAxes.find((a) => a.ragged)?.name ?? null;
  for (const item of parsed.inputs) {
    if (!item.axes) continue;
    const fail = (problem: string): never => {
      throw new MapSpecError(text, locate(text, item.name), problem);
    };
    if (!(item.name in inputs)) fail(`input "${item.name}" is not given`);
    const v = inputs[item.name];
    let a: FlowArray;
    if (v instanceof FlowArray) a = v;
    else if (Array.isArray(v)) {
      try {
        a = FlowArray.of(item.name, v, { depth: item.axes.length });
      } catch (e) {
        a = fail(
          `input "${item.name}" is not an array of ${item.axes.length} axes (${
            (e as Error).message
          })`,
        );
      }
    } else {a = fail(
        `input "${item.name}" must be an array (got ${v === null ? "null" : typeof v})`,
      );}
    if (a.shape.length !== item.axes.length) {
      fail(
        `input "${item.name}" has ${a.shape.length} axes, the spec gives it ${item.axes.length}`,
      );
    }
    arrays.set(item.name, a);
    item.axes.forEach((axis, k) => {
      if (axis.kind !== "index") return;
      if (a.lengths && k === a.shape.length - 1) {
        const same =
          item.axes!.map((x) => (x.kind === "index" ? x.name : ":")).join() === axes.join();
        if (!same) {
          fail(
            `ragged input "${item.name}" maps over "${axis.name}" only with the output's axes [${
              axes.join(", ")
            }] in order`,
          );
        }
        inherited = a;
        return;
      }
      const known = sizes.get(axis.name);
      if (known && known.size !== a.shape[k]) {
        fail(
          `axis "${axis.name}" is ${known.size} long in "${known.from}" but ${
            a.shape[k]
          } in "${item.name}"`,
        );
      }
      sizes.set(axis.name, { size: a.shape[k], from: item.name });
    });
  }
  const inh = inherited as FlowArray | null;
  const shape = inh ? [...inh.shape] : axes.map((n) => sizes.get(n)!.size);
  const size = inh ? inh.size : shape.reduce((a, b) => a * b, 1);
  const indexOf = inh
    ? (flat: number) => inh.indexOf(flat)
    : (flat: number) => unflatten(flat, shape);
  // Per input: its array and, per axis, the output axis it follows (-1 for a reduced `:`).
  const items = parsed.inputs.map((item) => ({
    name: item.name,
    array: arrays.get(item.name),
    dims: item.axes?.map((x) => (x.kind === "index" ? axes.indexOf(x.name) : -1)) ?? null,
    whole: item.axes ? undefined : inputs[item.name],
  }));
  return {
    spec: parsed,
    axes,
    shape,
    lengths: inh ? inh.lengths : null,
    ragged,
    size,
    element(flat: number): PlannedElement {
      const out = indexOf(flat);
      const call: Record<string, unknown> = {};
      let causes: ElementFailure[] | undefined;
      for (const item of items) {
        if (!item.dims) {
          call[item.name] = item.whole;
          continue;
        }
        const a = item.array!;
        const fixed = item.dims.map((d) => (d < 0 ? null : out[d]));
        if (!item.dims.includes(-1)) {
          const f = a.flatIndex(fixed as number[]);
          if (a.states[f] === "ok") call[item.name] = a.at(f);
          else (causes ??= []).push(...a.rootCauses(f));
        } else {
          call[item.name] = sliceArray(a, fixed);
        }
      }
      return causes ? { kind: "skip", causes: dedupe(causes) } : { kind: "run", inputs: call };
    },
  };
}

function unflatten(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return index;
}

function dedupe(causes: readonly ElementFailure[]): ElementFailure[] {
  const m = new Map<string, ElementFailure>();
  for (const c of causes) m.set(`${c.step}\0${c.key ?? c.index.join()}`, c);
  return [...m.values()];
}

/**
 * The sub-array of `a` with some axes fixed (`null` keeps an axis), masked elements and
 * their root causes kept; values are read from `a`, not copied.
 *
 * @param a The array.
 * @param fixed One entry per axis: an index, or `null` to keep the axis.
 * @returns The slice.
 *
 * @example
 * ```ts
 * import { FlowArray } from "./flow_array.ts";
 * import { sliceArray } from "./map_plan.ts";
 * import assert from "node:assert/strict";
 * const row = sliceArray(FlowArray.of("x", [[1, 2, 3], [4, 5, 6]]), [1, null]);
 * assert.deepEqual(row.values, [4, 5, 6]);
 * ```
 */
export function sliceArray(a: FlowArray, fixed: readonly (number | null)[]): FlowArray {
  const kept = fixed.flatMap((x, d) => (x === null ? [d] : []));
  const raggedKept = a.lengths !== null && fixed.at(-1) === null;
  const outerFixed = raggedKept ? fixed.slice(0, -1) : fixed;
  // A kept ragged axis is only sliced with every other axis fixed (one row).
  if (raggedKept && outerFixed.some((x) => x === null)) {
    throw new RangeError(`Cannot slice ragged array "${a.name}" along its ragged axis and another`);
  }
  const shape = raggedKept
    ? [a.lengths![rowOf(a, outerFixed as number[])]]
    : kept.map((d) => a.shape[d]);
  const flats: number[] = [];
  const walk = (d: number, index: number[]): void => {
    if (d === fixed.length) {
      flats.push(a.flatIndex(index));
      return;
    }
    if (fixed[d] !== null) return walk(d + 1, [...index, fixed[d]!]);
    const n = raggedKept && d === fixed.length - 1 ? shape[0] : a.shape[d];
    for (let k = 0; k < n; k++) walk(d + 1, [...index, k]);
  };
  walk(0, []);
  const failures = new Map<number, ElementFailure>();
  const causes = new Map<number, readonly ElementFailure[]>();
  flats.forEach((f, i) => {
    const own = a.errorAt(f);
    if (own) failures.set(i, own);
    else if (a.states[f] === "skipped") causes.set(i, a.rootCauses(f));
  });
  return new FlowArray({
    name: a.name,
    axes: kept.map((d) => a.axes[d]),
    shape,
    states: flats.map((f) => a.states[f]),
    keys: flats.map((f) => String(f)),
    table: { get: (k) => a.at(Number(k)) },
    failures,
    causes,
  });
}

function rowOf(a: FlowArray, outer: readonly number[]): number {
  let row = 0;
  for (let d = 0; d < outer.length; d++) row = row * a.shape[d] + outer[d];
  return row;
}
