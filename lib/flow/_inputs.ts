/**
 * A flow run's inputs: checked against the flow's parameters, and gathered for each step
 * (private to lib/flow).
 *
 * @module
 */
import { uniqueCauses } from "./failure_policy.ts";
import type { ElementFailure } from "./flow_array.ts";
import type { Flow } from "./flow.ts";
import type { DataValue } from "./flow_run.ts";
import { type FlowNode, FlowWiringError } from "./node.ts";

/**
 * Throws when `inputs` names something that is not a parameter of `f`, or lacks a required
 * parameter (naming the steps that need it).
 *
 * @param f The flow.
 * @param inputs Values of its parameters.
 * @throws {FlowWiringError} for an unknown input or a missing required parameter.
 */
export function checkInputs(f: Flow, inputs: Readonly<Record<string, unknown>>): void {
  const params = new Set(f.parameters);
  const unknown = Object.keys(inputs).filter((k) => !params.has(k));
  if (unknown.length) {
    throw new FlowWiringError(
      f.name,
      `Cannot run flow "${f.name}": ${unknown.map((n) => `"${n}"`).join(", ")} ${
        unknown.length > 1 ? "are not parameters" : "is not a parameter"
      } (parameters: ${f.parameters.join(", ")})`,
      { names: unknown },
    );
  }
  const missing = f.requiredParameters.filter((p) => !(p in inputs));
  if (missing.length) {
    const needs = f.nodes.filter((n) => n.inputs.some((i) => missing.includes(i)));
    throw new FlowWiringError(
      f.name,
      `Cannot run flow "${f.name}": no value for ${
        missing.map((n) => `"${n}"`).join(", ")
      }, needed by step(s) ${needs.map((n) => `"${n.name}"`).join(", ")}`,
      { steps: needs.map((n) => n.name), names: missing },
    );
  }
}

/**
 * Gathers a step's inputs from the run's data: their values, or the names that are missing
 * and why. An optional parameter not given is left out (the step's default applies).
 *
 * @param node The step.
 * @param data The run's data by name.
 * @returns The values, the missing names and their causes.
 */
export function gatherInputs(
  node: FlowNode,
  data: ReadonlyMap<string, DataValue>,
): { values: Record<string, unknown>; missing: string[]; causes: ElementFailure[] } {
  const values: Record<string, unknown> = {};
  const missing: string[] = [];
  const causes: ElementFailure[] = [];
  for (const name of node.inputs) {
    const d = data.get(name);
    if (!d) continue;
    if (d.state === "ok") values[name] = d.value;
    else {
      missing.push(name);
      causes.push(...d.causes);
    }
  }
  return { values, missing, causes: uniqueCauses(causes) };
}
