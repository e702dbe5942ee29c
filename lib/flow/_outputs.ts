/**
 * The output arrays of a mapped step: picking an output of a multi-output result, and
 * spreading the rows of a new ragged axis.
 *
 * @module
 */
import {
  type ElementFailure,
  FlowArray,
  type FlowElementState,
  type ValueTable,
} from "./flow_array.ts";
import type { MapPlan } from "./map_plan.ts";
import type { FlowNode } from "./node.ts";

/** Picks output `k` of a multi-output result; throws a TypeError when it is not there. */
export function component(
  node: Pick<FlowNode, "name" | "outputs">,
  result: unknown,
  k: number,
): unknown {
  if (node.outputs.length === 1) return result;
  if (Array.isArray(result) && result.length === node.outputs.length) return result[k];
  if (result !== null && typeof result === "object" && !Array.isArray(result)) {
    const name = node.outputs[k];
    if (name in result) return (result as Record<string, unknown>)[name];
  }
  throw new TypeError(
    `step "${node.name}" must return a tuple of ${node.outputs.length} or an object with keys ${
      node.outputs.join(", ")
    }`,
  );
}

export function outerIndex(plan: MapPlan, flat: number): number[] {
  if (plan.lengths) {
    let row = 0;
    let acc = 0;
    while (acc + plan.lengths[row] <= flat) acc += plan.lengths[row++];
    const outer = unflat(row, plan.shape.slice(0, -1));
    return [...outer, flat - acc];
  }
  return unflat(flat, plan.shape);
}

function unflat(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return index;
}

export interface Outcomes {
  readonly states: readonly FlowElementState[];
  readonly keys: readonly (string | undefined)[];
  readonly table: ValueTable;
  readonly failures: ReadonlyMap<number, ElementFailure>;
  readonly causes: ReadonlyMap<number, readonly ElementFailure[]>;
}

/** One output array of a mapped step; a new ragged axis spreads each row's list (a missing
 * row keeps one masked element, so its failure stays visible downstream). */
export function buildOutput(
  node: Pick<FlowNode, "name" | "outputs">,
  plan: Pick<MapPlan, "axes" | "shape" | "lengths" | "ragged" | "size">,
  name: string,
  o: number,
  x: Outcomes,
): FlowArray {
  const axes = [...plan.axes, ...(plan.ragged ? [plan.ragged] : [])];
  if (!plan.ragged) {
    return new FlowArray({
      name,
      axes,
      shape: plan.shape,
      ...(plan.lengths ? { lengths: plan.lengths } : {}),
      states: x.states,
      keys: x.keys,
      table: x.table,
      pick: (r) => component(node, r, o),
      failures: x.failures,
      causes: x.causes,
    });
  }
  const lengths: number[] = [];
  const states: FlowElementState[] = [];
  const keys: (string | undefined)[] = [];
  const sub: number[] = [];
  const failures = new Map<number, ElementFailure>();
  const causes = new Map<number, readonly ElementFailure[]>();
  for (let row = 0; row < plan.size; row++) {
    const key = x.keys[row];
    if (x.states[row] === "ok" && key !== undefined) {
      const list = component(node, x.table.get(key), o) as unknown[];
      lengths.push(list.length);
      list.forEach((_, j) => {
        states.push("ok");
        keys.push(key);
        sub.push(j);
      });
    } else {
      lengths.push(1);
      const at = states.length;
      states.push(x.states[row]);
      keys.push(undefined);
      sub.push(0);
      const f = x.failures.get(row);
      if (f) failures.set(at, f);
      const c = x.causes.get(row);
      if (c) causes.set(at, c);
    }
  }
  return new FlowArray({
    name,
    axes,
    shape: [...plan.shape, Math.max(0, ...lengths)],
    lengths,
    states,
    keys,
    table: x.table,
    pick: (r, flat) => (component(node, r, o) as unknown[])[sub[flat]],
    failures,
    causes,
  });
}
