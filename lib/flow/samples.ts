/**
 * `inputSamples()`: one row per element of a mapped output with the flow inputs that
 * produced it (the aiida-dynamic-workflows `input_samples` table).
 *
 * @module
 */
import { FlowArray, type FlowElementState } from "./flow_array.ts";
import type { Store } from "../store/mod.ts";
import type { FlowNodeView, FlowRunView } from "./flow_run.ts";
import { viewOf } from "./_view.ts";

/** One row of {@linkcode inputSamples}. */
export interface SampleRow {
  /** The element's index in the output. */
  readonly index: readonly number[];
  /** Its state. */
  readonly state: FlowElementState;
  /** The flow inputs that produced it, by name, in the order found. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Its value (`undefined` when masked). */
  readonly value: unknown;
}

/**
 * The rows of a mapped output, in element order: for each element, the parameter values it
 * came from, traced back through the maps (the matching element of each mapped input) and
 * through unmapped steps (their inputs, whole). Inputs reduced with `:` are left out: an
 * element of a reduction comes from many.
 *
 * @param run A run, or the id of a run in the store.
 * @param output A mapped output's name.
 * @param options The store of a run given by id (default: the current session's).
 * @returns One row per element.
 * @throws {RangeError} when `output` is not a mapped output of the run.
 *
 * @example
 * ```ts
 * import { flow, inputSamples, mapStep } from "./mod.ts";
 * import { openSession, step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await using session = openSession({ dir: `${dir}/.drover`, recordRun: false });
 * const mul = step("doc-samples-mul", ({ a, b, k }: { a: number; b: number; k: number }) => a * b * k, { returns: "p" });
 * const run = await flow("s", mapStep(mul, "a[i], b[j] -> p[i, j]")).run({ a: [1, 2], b: [3], k: 10 }, { session });
 * const rows = inputSamples(run, "p");
 * assert.deepEqual(rows[1], { index: [1, 0], state: "ok", inputs: { a: 2, b: 3, k: 10 }, value: 60 });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function inputSamples(
  runOrId: FlowRunView | number,
  output: string,
  options: { readonly store?: Store } = {},
): SampleRow[] {
  const run = viewOf(runOrId, options.store);
  const producer = new Map<string, FlowNodeView>();
  for (const n of run.nodes) for (const o of n.outputs) producer.set(o, n);
  const d = run.data.get(output);
  const array = d?.value;
  const node = producer.get(output);
  if (!node?.spec || !(array instanceof FlowArray)) {
    throw new RangeError(
      `Cannot list samples of "${output}" in run of flow "${run.flow}": it is not a mapped output (mapped: ${
        run.nodes.filter((n) => n.spec).flatMap((n) => n.outputs).join(", ")
      })`,
    );
  }
  const rows: SampleRow[] = [];
  for (let flat = 0; flat < array.size; flat++) {
    const index = array.indexOf(flat);
    const inputs: Record<string, unknown> = {};
    traceElement(run, producer, node, index, inputs);
    rows.push({ index, state: array.states[flat], inputs, value: array.at(flat) });
  }
  return rows;
}

/** Adds the parameters behind element `index` of mapped node `node` to `into`. */
function traceElement(
  run: FlowRunView,
  producer: ReadonlyMap<string, FlowNodeView>,
  node: FlowNodeView,
  index: readonly number[],
  into: Record<string, unknown>,
): void {
  const outAxes = (node.spec!.outputs[0].axes ?? []).map((
    a,
  ) => (a.kind === "index" ? a.name : ":"));
  const at = new Map(outAxes.map((n, d) => [n, index[d]]));
  const listed = new Set(node.spec!.inputs.map((i) => i.name));
  for (const item of node.spec!.inputs) {
    if (!item.axes) {
      traceWhole(run, producer, item.name, into);
      continue;
    }
    if (item.axes.some((a) => a.kind === "reduce")) continue;
    const fixed = item.axes.map((a) => (a.kind === "index" ? at.get(a.name)! : 0));
    const p = producer.get(item.name);
    if (p?.spec) {
      traceElement(run, producer, p, fixed, into);
    } else if (p) {
      continue; // an unmapped step's array: its element has no inputs of its own
    } else {
      const v = run.data.get(item.name)?.value;
      into[item.name] = v instanceof FlowArray ? v.get(...fixed) : elementOf(v, fixed);
    }
  }
  for (const name of node.inputs) if (!listed.has(name)) traceWhole(run, producer, name, into);
}

/** Adds a whole input: a parameter's value, or the parameters of the unmapped step making it. */
function traceWhole(
  run: FlowRunView,
  producer: ReadonlyMap<string, FlowNodeView>,
  name: string,
  into: Record<string, unknown>,
): void {
  const p = producer.get(name);
  if (!p) {
    if (run.data.has(name) && !(name in into)) into[name] = run.data.get(name)!.value;
    return;
  }
  if (p.spec) return; // a whole mapped array: no single source
  for (const i of p.inputs) traceWhole(run, producer, i, into);
}

function elementOf(v: unknown, index: readonly number[]): unknown {
  let x = v;
  for (const k of index) x = Array.isArray(x) ? x[k] : undefined;
  return x;
}
