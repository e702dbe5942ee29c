/**
 * `flow()`: steps composed by the names of their inputs and outputs.
 *
 * @module
 */
import { type AnyStep, type Concurrent, type FlowNode, toNode } from "./node.ts";
import { replaceNodes, returnNames, wiringOrder, withNodeOptions } from "./_wiring.ts";
import type { RemoteInfo } from "../routing/mod.ts";
import type { FlowRun } from "./flow_run.ts";
import { type FlowRunOptions, runRecorded } from "./recorded_run.ts";
import { submitFlow, type SubmitOptions } from "./submit.ts";
import { callerSite } from "../step/mod.ts";
import { type FlowTarget, parseFlowTarget } from "./flow_target.ts";

/** What a flow is built from: steps, mapped steps, groups and other flows. */
export type FlowPart = AnyStep | FlowNode | Concurrent | Flow;

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/**
 * A composed workflow: its steps, wired by data names (a step's inputs are its parameter
 * names, its outputs its `returns` names or its map spec's outputs). Immutable: every
 * method returns a new flow. A flow is not thenable (it has no `then`): run it with
 * {@linkcode Flow.run}.
 *
 * @example
 * ```ts
 * import { flow, mapStep } from "./mod.ts";
 * import { step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const grid = step("doc-flow-grid", ({ n }: { n: number }) => [...Array(n).keys()], { returns: "xs" });
 * const sq = step("doc-flow-sq", ({ xs }: { xs: number }) => xs * xs, { returns: "ys" });
 * const f = flow("squares", grid).pipe(mapStep(sq, "xs[i] -> ys[i]"));
 * assert.deepEqual(f.parameters, ["n"]);
 * assert.deepEqual(f.allOutputs, ["xs", "ys"]);
 * assert.equal("then" in f, false);
 * ```
 */
export class Flow {
  /** The flow's name. */
  readonly name: string;
  /** Its steps, in the order given. */
  readonly nodes: readonly FlowNode[];
  /** Its steps in an order where each comes after the steps it reads from. */
  readonly order: readonly FlowNode[];
  /** Where its calls go (set by {@linkcode Flow.on}), or `null`: the session's remote info. */
  readonly remoteInfo: RemoteInfo | null;
  readonly #returning: ReadonlyMap<string, string> | null;

  /**
   * Use {@linkcode flow}.
   *
   * @param name Flow name.
   * @param nodes Its steps.
   * @param returning Returned data names and the names they are returned under.
   * @param remoteInfo Where its calls go (see {@linkcode Flow.on}).
   * @throws {FlowWiringError} for a step given twice, a name produced twice, or a cycle.
   */
  constructor(
    name: string,
    nodes: readonly FlowNode[],
    returning: ReadonlyMap<string, string> | null = null,
    remoteInfo: RemoteInfo | null = null,
  ) {
    if (typeof name !== "string" || !NAME_RE.test(name)) {
      throw new TypeError(
        `Cannot define flow ${
          JSON.stringify(name)
        }: a name must start with a letter or _ and use only letters, digits, _ . : -`,
      );
    }
    this.name = name;
    this.nodes = nodes;
    this.order = wiringOrder(name, nodes);
    this.#returning = returning;
    this.remoteInfo = remoteInfo;
  }

  /**
   * The same flow with its calls sent to a cluster: a flow on system S runs as if remote
   * info routed its steps' calls to S. Each mapped step's elements that need running (not
   * cached, not masked) reach the runtime together and go out as one job array, packed by
   * the route's `inputsPerJob`; each restart round is one more array over only the failed
   * elements. Steps the target does not route follow the session's remote info.
   *
   * @param target A system name, one route for every step (`{ system, inputsPerJob,
   * resources }`), or remote info whose keys match the steps (`"*::solve"`), labels, or the
   * stack where the flow is run. The flow makes the restarts itself, in rounds: a step's
   * `maxRestarts` (of `mapStep` or `withRestarts`), else its route's.
   * @returns The new flow (not thenable: run it with {@linkcode Flow.run}).
   * @throws {TypeError} for a target that is neither.
   * @throws {RemoteInfoError} for a route or remote info that is not valid.
   *
   * @example
   * ```ts
   * import { flow, mapStep } from "./mod.ts";
   * import { step } from "../step/mod.ts";
   * import assert from "node:assert/strict";
   * const sq = step("doc-on-sq", ({ x }: { x: number }) => x * x, { returns: "y" });
   * const f = flow("on", mapStep(sq, "x[i] -> y[i]"));
   * const there = f.on({ system: "cluster", inputsPerJob: 10 });
   * assert.equal(there.remoteInfo?.rules[0].route.system, "cluster");
   * assert.equal(f.remoteInfo, null);
   * assert.equal("then" in there, false);
   * ```
   */
  on(target: FlowTarget): Flow {
    return new Flow(this.name, this.nodes, this.#returning, parseFlowTarget(target, this.name));
  }

  /**
   * Adds steps after this flow's (data names decide what runs first).
   *
   * @param parts Steps, `mapStep(...)`, `concurrently(...)` or flows.
   * @returns The new flow.
   * @throws {FlowWiringError} as the constructor.
   */
  pipe(...parts: readonly FlowPart[]): Flow {
    return new Flow(this.name, [...this.nodes, ...parts.flatMap(nodesOf)], null, this.remoteInfo);
  }

  /**
   * Joins another flow: its steps join this flow's, wired by name.
   *
   * @param other The flow (or any part).
   * @returns The new flow.
   * @throws {FlowWiringError} as the constructor.
   */
  join(other: FlowPart): Flow {
    return this.pipe(other);
  }

  /**
   * Chooses what a run returns: data names, or `{ name: "returned_name" }` renames.
   *
   * @param items Names and renames.
   * @returns The new flow.
   * @throws {FlowWiringError} for a name that is neither an output nor a parameter.
   */
  returning(...items: readonly (string | Readonly<Record<string, string>>)[]): Flow {
    const map = returnNames(this.name, items, this.allOutputs, this.parameters);
    return new Flow(this.name, this.nodes, map, this.remoteInfo);
  }

  /**
   * The same flow under another name.
   *
   * @param name The new name.
   * @returns The new flow.
   */
  rename(name: string): Flow {
    return new Flow(name, this.nodes, this.#returning, this.remoteInfo);
  }

  /**
   * The same flow with some steps replaced (same spec and options).
   *
   * @param replacements Old step to new step.
   * @returns The new flow.
   * @throws {FlowWiringError} for a step that is not in the flow.
   */
  replaceSteps(replacements: ReadonlyMap<AnyStep, AnyStep>): Flow {
    const nodes = replaceNodes(this.name, this.nodes, replacements);
    return new Flow(this.name, nodes, this.#returning, this.remoteInfo);
  }

  /**
   * The same flow with other restart limits.
   *
   * @param restarts Step name to `maxRestarts`.
   * @returns The new flow.
   * @throws {FlowWiringError} for a step that is not in the flow.
   */
  withRestarts(restarts: Readonly<Record<string, number>>): Flow {
    const nodes = withNodeOptions(this.name, this.nodes, restarts, (n) => ({ maxRestarts: n }));
    return new Flow(this.name, nodes, this.#returning, this.remoteInfo);
  }

  /** Inputs no step produces, in order of first use. */
  get parameters(): string[] {
    const produced = new Set(this.allOutputs);
    return [...new Set(this.nodes.flatMap((n) => n.inputs))].filter((n) => !produced.has(n));
  }

  /** Parameters without a default in every step that reads them: a run must give them. */
  get requiredParameters(): string[] {
    return this.parameters.filter((p) =>
      this.nodes.some((n) => n.inputs.includes(p) && !n.optional.has(p))
    );
  }

  /** Every name a step produces, in step order. */
  get allOutputs(): string[] {
    return this.nodes.flatMap((n) => n.outputs);
  }

  /** The names a run returns (after renames); by default every output. */
  get returns(): string[] {
    return this.#returning ? [...this.#returning.values()] : this.allOutputs;
  }

  /** Returned data names to the names they are returned under. */
  get returnMap(): ReadonlyMap<string, string> {
    return this.#returning ?? new Map(this.allOutputs.map((n) => [n, n]));
  }

  /**
   * Runs the flow in this process with the current session: every call (and every element
   * of a map) is a normal cached step call, routed by {@linkcode Flow.on}'s target, else
   * like any other. The run is recorded in the store as it goes (`record: false` to not),
   * so `drover flows progress ID` shows it.
   *
   * @param inputs Values of the parameters.
   * @param options Session, abort signal, event sink, recording.
   * @returns The run: per-step state and every value, and its `id` in the store.
   * @throws {FlowWiringError} when a required parameter is not given.
   * @throws {FlowStepError} when a step whose policy is to raise failed.
   */
  run(inputs: Readonly<Record<string, unknown>>, options: FlowRunOptions = {}): Promise<FlowRun> {
    return runRecorded(
      this,
      inputs,
      this.remoteInfo ? { remoteInfo: this.remoteInfo, ...options } : options,
    );
  }

  /**
   * Records a run and starts it in a detached process (`drover flows resume ID`) that
   * outlives this one; returns its id at once. The process imports the module that calls
   * `submit` (or `options.module`): keep its top-level work behind `if (import.meta.main)`.
   *
   * @param inputs Values of the parameters.
   * @param options Session, module, export name, working directory.
   * @returns The run id.
   */
  submit(inputs: Readonly<Record<string, unknown>>, options: SubmitOptions = {}): Promise<number> {
    const module = options.module ?? callerSite(1)?.file;
    return submitFlow(this, inputs, module === undefined ? options : { ...options, module });
  }
}

function nodesOf(part: FlowPart): readonly FlowNode[] {
  if (part instanceof Flow) return part.nodes;
  if (part && typeof part === "object" && (part as Concurrent).kind === "concurrently") {
    return (part as Concurrent).members;
  }
  return [toNode(part as AnyStep | FlowNode)];
}

/**
 * Makes a flow.
 *
 * @param name Flow name (letters, digits, `_ . : -`).
 * @param parts Steps, `mapStep(...)`, `concurrently(...)` or flows.
 * @returns The flow.
 * @throws {FlowWiringError} for a step given twice, a name produced twice, or a cycle.
 *
 * @example
 * ```ts
 * import { concurrently, flow } from "./mod.ts";
 * import { step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const geo = step("doc-f-geo", ({ size }: { size: number }) => size * 2, { returns: "geometry" });
 * const mesh = step("doc-f-mesh", ({ geometry, mesh_size = 0.1 }: { geometry: number; mesh_size?: number }) => geometry / mesh_size, { returns: "mesh" });
 * const mat = step("doc-f-mat", ({ geometry }: { geometry: number }) => geometry + 1, { returns: "materials" });
 * const f = flow("model", geo, concurrently(mesh, mat));
 * assert.deepEqual(f.parameters, ["size", "mesh_size"]);
 * assert.deepEqual(f.requiredParameters, ["size"]);
 * assert.throws(() => flow("bad", geo, geo), /step "doc-f-geo" is in it twice/);
 * ```
 */
export function flow(name: string, ...parts: readonly FlowPart[]): Flow {
  return new Flow(name, parts.flatMap(nodesOf));
}

/**
 * Starts a flow with one step, named after it.
 *
 * @param part The first step.
 * @returns The flow.
 *
 * @example
 * ```ts
 * import { first } from "./mod.ts";
 * import { step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const a = step("doc-first-a", ({ x }: { x: number }) => x + 1, { returns: "y" });
 * assert.equal(first(a).name, "doc-first-a");
 * ```
 */
export function first(part: FlowPart): Flow {
  const nodes = nodesOf(part);
  return part instanceof Flow
    ? new Flow(part.name, nodes, null, part.remoteInfo)
    : new Flow(nodes[0]?.name ?? "flow", nodes);
}
