/**
 * A flow's wiring (private to lib/flow): the order its steps run in, checked for steps
 * given twice, names produced twice and cycles; and its steps edited by step.
 *
 * @module
 */
import {
  type AnyStep,
  type FlowNode,
  FlowWiringError,
  mapStep,
  type NodeOptions,
  stepNode,
} from "./node.ts";

/**
 * The steps in an order where each comes after the steps it reads from.
 *
 * @param flow The flow's name (for errors).
 * @param nodes Its steps.
 * @returns The order.
 * @throws {FlowWiringError} for a step given twice, a name produced twice, or a cycle.
 */
export function wiringOrder(flow: string, nodes: readonly FlowNode[]): FlowNode[] {
  const byName = new Map<string, FlowNode>();
  const producer = new Map<string, FlowNode>();
  for (const n of nodes) {
    if (byName.has(n.name)) {
      throw new FlowWiringError(
        flow,
        `Cannot build flow "${flow}": step "${n.name}" is in it twice`,
        {
          steps: [n.name],
        },
      );
    }
    byName.set(n.name, n);
    for (const o of n.outputs) {
      const other = producer.get(o);
      if (other) {
        throw new FlowWiringError(
          flow,
          `Cannot build flow "${flow}": "${o}" is produced by both step "${other.name}" and step "${n.name}"`,
          { steps: [other.name, n.name], names: [o] },
        );
      }
      producer.set(o, n);
    }
  }
  // Kahn's algorithm over "reads an output of".
  const order: FlowNode[] = [];
  const done = new Set<FlowNode>();
  let progress = true;
  while (progress && order.length < nodes.length) {
    progress = false;
    for (const n of nodes) {
      if (done.has(n)) continue;
      if (n.inputs.every((i) => !producer.has(i) || done.has(producer.get(i)!))) {
        order.push(n);
        done.add(n);
        progress = true;
      }
    }
  }
  if (order.length < nodes.length) {
    const stuck = nodes.filter((n) => !done.has(n));
    const names = [
      ...new Set(stuck.flatMap((n) => n.inputs.filter((i) => stuck.includes(producer.get(i)!)))),
    ];
    throw new FlowWiringError(
      flow,
      `Cannot build flow "${flow}": steps ${
        stuck.map((n) => `"${n.name}"`).join(", ")
      } form a cycle through ${names.map((n) => `"${n}"`).join(", ")}`,
      { steps: stuck.map((n) => n.name), names },
    );
  }
  return order;
}

/**
 * The steps with some replaced (same spec and options).
 *
 * @param flow The flow's name (for errors).
 * @param nodes Its steps.
 * @param replacements Old step to new step.
 * @returns The new steps.
 * @throws {FlowWiringError} for a step that is not in the flow.
 */
export function replaceNodes(
  flow: string,
  nodes: readonly FlowNode[],
  replacements: ReadonlyMap<AnyStep, AnyStep>,
): FlowNode[] {
  for (const old of replacements.keys()) {
    if (!nodes.some((n) => n.step === old)) {
      throw new FlowWiringError(
        flow,
        `Cannot replace step "${old.stepName}" in flow "${flow}": it is not in the flow`,
        { steps: [old.stepName] },
      );
    }
  }
  return nodes.map((n) => {
    const s = replacements.get(n.step);
    if (!s) return n;
    return n.specText === null ? stepNode(s, n.options) : mapStep(s, n.specText, n.options);
  });
}

/**
 * The steps with options set on some, by step name.
 *
 * @param flow The flow's name (for errors).
 * @param nodes Its steps.
 * @param byStep Step name to a value.
 * @param f The options a value sets.
 * @returns The new steps.
 * @throws {FlowWiringError} for a step that is not in the flow.
 */
export function withNodeOptions<T>(
  flow: string,
  nodes: readonly FlowNode[],
  byStep: Readonly<Record<string, T>>,
  f: (v: T) => NodeOptions,
): FlowNode[] {
  const unknown = Object.keys(byStep).filter((s) => !nodes.some((n) => n.name === s));
  if (unknown.length) {
    throw new FlowWiringError(
      flow,
      `Cannot set options of step(s) ${
        unknown.map((n) => `"${n}"`).join(", ")
      } in flow "${flow}": not in the flow (steps: ${nodes.map((n) => n.name).join(", ")})`,
      { steps: unknown },
    );
  }
  return nodes.map((n) => {
    if (!(n.name in byStep)) return n;
    const options = { ...n.options, ...f(byStep[n.name]) };
    return n.specText === null ? stepNode(n.step, options) : mapStep(n.step, n.specText, options);
  });
}

/**
 * What a run returns: data names, or `{ name: "returned_name" }` renames.
 *
 * @param flow The flow's name (for errors).
 * @param items Names and renames.
 * @param outputs Every name its steps produce.
 * @param parameters Its parameters.
 * @returns Returned data names to the names they are returned under.
 * @throws {FlowWiringError} for a name that is neither an output nor a parameter.
 */
export function returnNames(
  flow: string,
  items: readonly (string | Readonly<Record<string, string>>)[],
  outputs: readonly string[],
  parameters: readonly string[],
): Map<string, string> {
  const map = new Map<string, string>();
  for (const item of items) {
    for (const [from, to] of typeof item === "string" ? [[item, item]] : Object.entries(item)) {
      map.set(from, to);
    }
  }
  const known = new Set([...outputs, ...parameters]);
  const missing = [...map.keys()].filter((n) => !known.has(n));
  if (missing.length) {
    throw new FlowWiringError(
      flow,
      `Cannot return ${
        missing.map((n) => `"${n}"`).join(", ")
      } from flow "${flow}": no step produces ${missing.length > 1 ? "them" : "it"} (outputs: ${
        outputs.join(", ")
      })`,
      { names: missing },
    );
  }
  return map;
}
