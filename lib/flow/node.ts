/**
 * The nodes of a flow: a step (plain, or mapped by a spec) with its input and output names
 * and failure policy; `mapStep()` and `concurrently()`.
 *
 * @module
 */
import type { Step } from "../step/mod.ts";
import { paramNames } from "./_params.ts";
import { type MapSpec, parseMapSpec } from "./map_spec.ts";

/** What to do when a step (or elements of a mapped step) failed. */
export type OnError = "mask" | "raise" | { readonly maxFailed: number };

/** Options of {@linkcode mapStep} (also the options of a plain step in a flow). */
export interface NodeOptions {
  /**
   * Restart rounds for retryable failures (transient ones, and user errors with
   * `retryable: true`): each round reruns only the failed elements, as one batch. Default: 0.
   */
  readonly maxRestarts?: number;
  /**
   * `"mask"` (default): failed elements are masked and the flow carries on; `"raise"`: the
   * run rejects; `{ maxFailed }`: raise when more fail than `maxFailed` (a count, or a
   * fraction of the elements when below 1).
   */
  readonly onError?: OnError;
}

/** One step of a flow. */
export interface FlowNode {
  /** The step's name (unique in a flow). */
  readonly name: string;
  /** The step. */
  readonly step: AnyStep;
  /** Input names, in order. */
  readonly inputs: readonly string[];
  /** Inputs with a default value (a flow need not give them). */
  readonly optional: ReadonlySet<string>;
  /** Output names, in order. */
  readonly outputs: readonly string[];
  /** The map spec, or `null` for a step called once. */
  readonly spec: MapSpec | null;
  /** The spec as written. */
  readonly specText: string | null;
  /** Failure policy and restarts. */
  readonly options: NodeOptions;
}

/** Steps that run side by side (data flow decides the order anyway). */
export interface Concurrent {
  /** Discriminant. */
  readonly kind: "concurrently";
  /** The members. */
  readonly members: readonly FlowNode[];
}

/** A step that uses its output names wrongly, an unknown input, a bad option. */
export class FlowWiringError extends Error {
  /** The flow. */
  readonly flow: string;
  /** The steps involved. */
  readonly steps: readonly string[];
  /** The data names involved. */
  readonly names: readonly string[];
  /**
   * Creates an instance.
   *
   * @param flow Flow name.
   * @param message What is wrong (the whole message).
   * @param data Steps and names involved.
   */
  constructor(
    flow: string,
    message: string,
    data: { steps?: readonly string[]; names?: readonly string[] } = {},
  ) {
    super(message);
    this.name = "FlowWiringError";
    this.flow = flow;
    this.steps = data.steps ?? [];
    this.names = data.names ?? [];
  }
}

/** A step of any input and output types, as a flow holds them. */
// deno-lint-ignore no-explicit-any
export type AnyStep = Step<any, any>;

function isStep(x: unknown): x is AnyStep {
  return typeof x === "function" && typeof (x as AnyStep).stepName === "string" &&
    typeof (x as AnyStep).definition === "object";
}

function returnsOf(s: AnyStep): string[] {
  const r = s.definition.options.returns;
  return r === undefined ? [s.stepName] : typeof r === "string" ? [r] : [...r];
}

function paramsOf(s: AnyStep): { names: readonly string[]; optional: ReadonlySet<string> } | null {
  const given = s.definition.options.inputs;
  const read = paramNames(s.definition.fn);
  if (given) {
    return { names: given, optional: new Set(read?.optional ?? []) };
  }
  return read;
}

/**
 * Makes a node of a plain step (called once with whole values).
 *
 * @param s The step.
 * @param options Restarts and failure policy.
 * @returns The node.
 * @throws {FlowWiringError} when the step's inputs cannot be told.
 */
export function stepNode(s: AnyStep, options: NodeOptions = {}): FlowNode {
  const params = paramsOf(s);
  if (!params) {
    throw new FlowWiringError(
      "",
      `Cannot use step "${s.stepName}" in a flow: its inputs cannot be told (destructure its parameter, ({ a, b }) => ..., or give the step option inputs: ["a", "b"])`,
      { steps: [s.stepName] },
    );
  }
  checkOptions(s.stepName, options);
  return {
    name: s.stepName,
    step: s,
    inputs: params.names,
    optional: params.optional,
    outputs: returnsOf(s),
    spec: null,
    specText: null,
    options,
  };
}

function checkOptions(name: string, o: NodeOptions): void {
  if (o.maxRestarts !== undefined && !(Number.isInteger(o.maxRestarts) && o.maxRestarts >= 0)) {
    throw new RangeError(
      `Cannot use step "${name}": maxRestarts must be an integer ≥ 0 (got ${o.maxRestarts})`,
    );
  }
  const e = o.onError;
  if (
    e !== undefined && e !== "mask" && e !== "raise" &&
    !(typeof e === "object" && e !== null && e.maxFailed >= 0)
  ) {
    throw new RangeError(
      `Cannot use step "${name}": onError must be "mask", "raise" or { maxFailed: n ≥ 0 } (got ${
        JSON.stringify(e)
      })`,
    );
  }
}

/**
 * A step mapped over arrays by a map spec. The spec's outputs name the step's outputs (a
 * step with several gives a tuple or an object per element); inputs of the step that the
 * spec does not list are passed whole.
 *
 * @param s The step.
 * @param spec The map spec, e.g. `"V_left[a], V_right[b] -> electrostatics[a, b]"`.
 * @param options Restarts and failure policy.
 * @returns The node, for `flow(...)` or `.pipe(...)`.
 * @throws {MapSpecError} for a bad spec.
 * @throws {FlowWiringError} when the spec names an input the step does not take, or outputs
 * other than the step's declared `returns`.
 *
 * @example
 * ```ts
 * import { mapStep } from "./node.ts";
 * import { step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const scale = step("doc-node-scale", ({ x, k }: { x: number; k: number }) => x * k, { returns: "y" });
 * const node = mapStep(scale, "x[i] -> y[i]");
 * assert.deepEqual(node.inputs, ["x", "k"]);
 * assert.deepEqual(node.outputs, ["y"]);
 * assert.throws(() => mapStep(scale, "x[i] -> z[i]"), /returns \[y\] but its map spec names \[z\]/);
 * ```
 */
export function mapStep(s: AnyStep, spec: string, options: NodeOptions = {}): FlowNode {
  if (!isStep(s)) throw new TypeError("Cannot map: the first argument must be a step");
  const parsed = parseMapSpec(spec);
  const params = paramsOf(s);
  const specIn = parsed.inputs.map((i) => i.name);
  const outs = parsed.outputs.map((o) => o.name);
  if (params) {
    const unknown = specIn.filter((n) => !params.names.includes(n));
    if (unknown.length) {
      throw new FlowWiringError(
        "",
        `Cannot map step "${s.stepName}": its map spec "${spec}" names input(s) ${
          unknown.map((n) => `"${n}"`).join(", ")
        } that the step does not take (it takes ${params.names.join(", ")})`,
        { steps: [s.stepName], names: unknown },
      );
    }
  }
  const declared = s.definition.options.returns;
  if (declared !== undefined && returnsOf(s).join() !== outs.join()) {
    throw new FlowWiringError(
      "",
      `Cannot map step "${s.stepName}": it returns [${
        returnsOf(s).join(", ")
      }] but its map spec names [${outs.join(", ")}]`,
      { steps: [s.stepName], names: outs },
    );
  }
  checkOptions(s.stepName, options);
  const inputs = [...specIn, ...(params?.names ?? []).filter((n) => !specIn.includes(n))];
  return {
    name: s.stepName,
    step: s,
    inputs,
    optional: new Set([...(params?.optional ?? [])].filter((n) => !specIn.includes(n))),
    outputs: outs,
    spec: parsed,
    specText: spec,
    options,
  };
}

/**
 * Steps to run side by side.
 *
 * @param members Steps or nodes.
 * @returns The group, for `flow(...)` or `.pipe(...)`.
 *
 * @example
 * ```ts
 * import { concurrently } from "./node.ts";
 * import { step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const a = step("doc-conc-a", ({ x }: { x: number }) => x);
 * const b = step("doc-conc-b", ({ x }: { x: number }) => -x);
 * assert.equal(concurrently(a, b).members.length, 2);
 * ```
 */
export function concurrently(...members: readonly (AnyStep | FlowNode)[]): Concurrent {
  return { kind: "concurrently", members: members.map(toNode) };
}

/**
 * A step or node as a node.
 *
 * @param x A step or a node.
 * @returns The node.
 */
export function toNode(x: AnyStep | FlowNode): FlowNode {
  if (isStep(x)) return stepNode(x);
  if (x && typeof x === "object" && "step" in x && "outputs" in x) return x;
  throw new TypeError("Cannot add to a flow: expected a step, mapStep(...) or concurrently(...)");
}
