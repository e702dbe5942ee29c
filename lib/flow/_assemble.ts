/**
 * Assembling a mapped step's elements from its calls' results (private to lib/flow): each
 * element's state, key and value, what failed and why.
 *
 * @module
 */
import type { Session } from "../step/mod.ts";
import type { CallList, CallResult } from "./_calls.ts";
import { type ResultTable, SPILLED } from "./_values.ts";
import { buildOutput, component, outerIndex } from "./_outputs.ts";
import { failureOf } from "./failure_policy.ts";
import type { ElementFailure, FlowElementState, ValueTable } from "./flow_array.ts";
import type { DataValue, FlowElementOutcome } from "./flow_run.ts";
import type { MapPlan } from "./map_plan.ts";
import type { FlowNode } from "./node.ts";

/** A mapped step's elements by flat index (skipped ones are set by the caller). */
export interface Elements {
  readonly states: FlowElementState[];
  readonly keys: (string | undefined)[];
  readonly failures: Map<number, ElementFailure>;
  readonly causes: Map<number, readonly ElementFailure[]>;
}

/**
 * Records each run element's outcome into `el`, checking every output is there (a list on
 * a ragged axis), and puts each value into the step's table.
 *
 * @param node The mapped step.
 * @param plan Its plan.
 * @param run The flat index of each call.
 * @param calls Each call's arguments (to key a result the cache did not key).
 * @param r Results and keys by call position (a large value left in the store as
 *   `SPILLED`, already in `table`).
 * @param el The elements, filled in.
 * @param session Keys results the cache lookup did not key.
 * @param table The step's values by call key, filled in.
 * @param onFailed Called with each failure as it is found.
 */
export async function assemble(
  node: FlowNode,
  plan: MapPlan,
  run: readonly number[],
  calls: CallList,
  r: { readonly results: readonly CallResult[]; readonly keys: readonly (string | undefined)[] },
  el: Elements,
  session: Session,
  table: ResultTable,
  onFailed: (failure: ElementFailure) => void,
): Promise<void> {
  const def = node.step.definition;
  for (let k = 0; k < r.results.length; k++) {
    const res = r.results[k];
    const flat = run[k];
    try {
      if (!res.ok) throw res.error;
      const spilled = res.value === SPILLED;
      const value = spilled ? table.get(r.keys[k]!) : res.value;
      for (let o = 0; o < node.outputs.length; o++) {
        const part = component(node, value, o);
        if (plan.ragged && !Array.isArray(part)) {
          throw new TypeError(
            `step "${node.name}" must return a list for the ragged axis "${plan.ragged}*" (got ${typeof part})`,
          );
        }
      }
      const key = r.keys[k] ?? (await session.keyOf(def, calls.at(k))).key;
      // Keyed here, not by the lookup (an uncached step): not in the store, held in memory.
      if (r.keys[k] === undefined) table.put(key, value, false);
      el.keys[flat] = key;
      el.states[flat] = "ok";
    } catch (error) {
      el.states[flat] = "failed";
      const failure = failureOf(node.name, outerIndex(plan, flat), error);
      el.failures.set(flat, failure);
      onFailed(failure);
    }
  }
}

/**
 * Lays out a mapped step's elements: the skipped ones (an input missing) with their causes,
 * and the arguments of each one to run. Inputs the spec does not list are passed whole to
 * every element.
 *
 * @param plan The step's plan.
 * @param values The step's inputs.
 * @returns The elements (skipped ones set), the flat index and arguments of each call.
 */
export function prepare(
  plan: MapPlan,
  values: Record<string, unknown>,
): { el: Elements; runFlat: number[]; calls: CallList } {
  const listed = new Set(plan.spec.inputs.map((i) => i.name));
  const whole = Object.entries(values).filter(([k]) => !listed.has(k));
  const argsOf = (inputs: Record<string, unknown>): Record<string, unknown> =>
    whole.length ? Object.assign(Object.fromEntries(whole), inputs) : inputs;
  const el: Elements = {
    states: new Array(plan.size),
    keys: new Array(plan.size).fill(undefined),
    failures: new Map(),
    causes: new Map(),
  };
  const runFlat: number[] = [];
  for (let flat = 0; flat < plan.size; flat++) {
    const e = plan.element(flat);
    if (e.kind === "skip") {
      el.states[flat] = "skipped";
      el.causes.set(flat, e.causes);
    } else {
      runFlat.push(flat);
    }
  }
  // Each call's arguments are built again when asked (they may hold large upstream values).
  const calls: CallList = {
    length: runFlat.length,
    at: (i) => {
      const e = plan.element(runFlat[i]);
      if (e.kind === "skip") throw new Error(`element ${runFlat[i]} was planned to run`);
      return argsOf(e.inputs);
    },
  };
  return { el, runFlat, calls };
}

/**
 * Each element's outcome, for the store's recorder.
 *
 * @param plan The step's plan.
 * @param el Its elements.
 * @returns The outcomes by flat index.
 */
export function outcomes(plan: MapPlan, el: Elements): FlowElementOutcome[] {
  return el.states.map((state, flat) => ({
    flat,
    index: outerIndex(plan, flat),
    state,
    ...(el.keys[flat] ? { key: el.keys[flat] } : {}),
    ...(el.failures.has(flat) ? { failure: el.failures.get(flat)! } : {}),
    ...(el.causes.has(flat) ? { causes: el.causes.get(flat)! } : {}),
  }));
}

/**
 * The data of a mapped step's outputs: each output's array, missing (with `causes`) when
 * it has elements and none of them is ok.
 *
 * @param node The mapped step.
 * @param plan Its plan.
 * @param el Its elements.
 * @param table The values by call key.
 * @param causes Why elements failed or were skipped.
 * @returns Each output's name and data.
 */
export function outputData(
  node: FlowNode,
  plan: MapPlan,
  el: Elements,
  table: ValueTable,
  causes: readonly ElementFailure[],
): [string, DataValue][] {
  return node.outputs.map((name, o) => {
    const array = buildOutput(node, plan, name, o, { ...el, table });
    return [
      name,
      array.size > 0 && array.counts().ok === 0
        ? { state: "missing", causes, value: array }
        : { state: "ok", value: array },
    ];
  });
}

/**
 * The outcome of a single (unmapped) step's one element.
 *
 * @param failure Why it failed, if it did.
 * @param key Its call's key, when it succeeded and is recorded.
 * @returns The outcome.
 */
export function singleOutcome(
  failure: ElementFailure | undefined,
  key: string | undefined,
): FlowElementOutcome {
  return failure
    ? { flat: 0, index: [], state: "failed", ...(failure.key ? { key: failure.key } : {}), failure }
    : { flat: 0, index: [], state: "ok", ...(key ? { key } : {}) };
}
