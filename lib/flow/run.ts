/**
 * Running a flow in this process: each step (each element of a mapped step) is a normal
 * cached step call through the session, so routed calls go to clusters as arrays.
 *
 * @module
 */
import { captureStack, type RemoteInfo, type RouteMatch, type StackFrame } from "../routing/mod.ts";
import { type Clock, systemClock } from "../runtime/mod.ts";
import { currentSession, MAP_WINDOW, type Session } from "../step/mod.ts";
import { buildOutput, component, outerIndex } from "./_outputs.ts";
import type { ElementFailure, FlowElementState } from "./flow_array.ts";
import { failureOf, isRetryable, stateOf, tooMany, uniqueCauses } from "./failure_policy.ts";
import type { Flow } from "./flow.ts";
import {
  type DataValue,
  type FlowElementOutcome,
  type FlowEvent,
  type FlowLogEntry,
  type FlowRun,
  FlowStepError,
  type StepOutcome,
  type StepRun,
  type StepRunState,
} from "./flow_run.ts";
import { type MapPlan, planMap } from "./map_plan.ts";
import { type FlowNode, FlowWiringError } from "./node.ts";
import { routeOfNode } from "./flow_target.ts";

/** A call's value or what it threw. */
type CallResult = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Options of {@linkcode runFlow}. */
export interface RunFlowOptions {
  /** The session whose store and runtime the calls use. Default: the current session. */
  readonly session?: Session;
  /** Stops starting steps and elements; the run rejects with its reason. */
  readonly signal?: AbortSignal;
  /** Receives progress events. */
  readonly onEvent?: (event: FlowEvent) => void;
  /** Time source of the run's timestamps. Default: the system clock. */
  readonly clock?: Clock;
  /** Receives each step's outcome, with its elements, as it ends (the store's recorder). */
  readonly onStepEnd?: (outcome: StepOutcome) => void;
  /** Called as each call of a step settles (live progress). */
  readonly onCallSettled?: (step: string, ok: boolean) => void;
  /**
   * Where the flow's calls go (what {@linkcode Flow.on} sets), matched against each step
   * and the stack where the run was started; a step it does not route follows the
   * session's remote info. Default: the session's remote info alone.
   */
  readonly remoteInfo?: RemoteInfo;
}

/**
 * Runs a flow (what {@linkcode Flow.run} calls). Steps run as soon as their inputs exist; a
 * step whose inputs are missing is skipped and the rest carries on; a mapped step runs only
 * the elements whose inputs are present, restarts retryable failures in rounds over only
 * the failed elements, and masks what still failed.
 *
 * @param f The flow.
 * @param inputs Values of its parameters.
 * @param options Session, signal, events.
 * @returns The run.
 * @throws {FlowWiringError} for a missing required parameter or an unknown input.
 * @throws {FlowStepError} when a step whose policy is to raise failed.
 * @throws {MapSpecError} when mapped inputs do not fit their spec (zipped axes of different
 * lengths, a value that is not an array).
 */
export async function runFlow(
  f: Flow,
  inputs: Readonly<Record<string, unknown>>,
  options: RunFlowOptions = {},
): Promise<FlowRun> {
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
  const r = new Runner(f, options, options.remoteInfo ? captureStack() : []);
  for (const [k, v] of Object.entries(inputs)) r.data.set(k, { state: "ok", value: v });
  return await r.run();
}

class Runner {
  readonly data = new Map<string, DataValue>();
  readonly steps: Record<string, StepRun> = {};
  readonly plans = new Map<string, MapPlan>();
  readonly log: FlowLogEntry[] = [];
  readonly #started = new Map<string, number>();
  readonly #clock: Clock;
  readonly #startedAt: number;
  readonly #done = new Map<string, Promise<void>>();
  readonly #session: Session;
  #stop: unknown = undefined;
  #stopped = false;

  constructor(
    readonly flow: Flow,
    readonly options: RunFlowOptions,
    readonly stack: readonly StackFrame[],
  ) {
    this.#session = options.session ?? currentSession();
    this.#clock = options.clock ?? systemClock;
    this.#startedAt = this.#clock.now();
  }

  #finish(r: Omit<StepRun, "startedAt" | "endedAt">, elements: () => FlowElementOutcome[]): void {
    const now = this.#clock.now();
    this.steps[r.step] = { ...r, startedAt: this.#started.get(r.step) ?? now, endedAt: now };
    const plan = this.plans.get(r.step) ?? null;
    this.options.onStepEnd?.({ run: this.steps[r.step], plan, elements });
  }

  #emit(e: FlowEvent): void {
    this.log.push({ at: this.#clock.now(), event: e });
    try {
      this.options.onEvent?.(e);
    } catch {
      // A faulty listener must not break the run.
    }
  }

  #halt(reason: unknown): void {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#stop = reason;
    }
  }

  async run(): Promise<FlowRun> {
    const producer = new Map<string, FlowNode>();
    for (const n of this.flow.nodes) for (const o of n.outputs) producer.set(o, n);
    const onAbort = (): void => this.#halt(this.options.signal!.reason);
    this.options.signal?.addEventListener("abort", onAbort);
    if (this.options.signal?.aborted) onAbort();
    try {
      for (const node of this.flow.order) {
        const before = node.inputs.flatMap((i) => {
          const p = producer.get(i);
          return p ? [this.#done.get(p.name)!] : [];
        });
        this.#done.set(
          node.name,
          Promise.all(before).then(() => this.#stopped ? undefined : this.#node(node)).catch((e) =>
            this.#halt(e)
          ),
        );
      }
      await Promise.all(this.#done.values());
    } finally {
      this.options.signal?.removeEventListener("abort", onAbort);
    }
    if (this.#stopped) throw this.#stop;
    const returns: Record<string, unknown> = {};
    for (const [from, to] of this.flow.returnMap) {
      const d = this.data.get(from);
      returns[to] = d?.value;
    }
    return {
      flow: this.flow.name,
      nodes: this.flow.order,
      startedAt: this.#startedAt,
      endedAt: this.#clock.now(),
      log: this.log,
      state: Object.values(this.steps).every((s) => s.state === "succeeded")
        ? "succeeded"
        : "partial",
      steps: Object.fromEntries(this.flow.order.map((n) => [n.name, this.steps[n.name]])),
      data: this.data,
      plans: this.plans,
      returns,
    };
  }

  /** Gathers a node's inputs: values, or the missing names and their causes. */
  #gather(
    node: FlowNode,
  ): { values: Record<string, unknown>; missing: string[]; causes: ElementFailure[] } {
    const values: Record<string, unknown> = {};
    const missing: string[] = [];
    const causes: ElementFailure[] = [];
    for (const name of node.inputs) {
      const d = this.data.get(name);
      if (!d) continue; // an optional parameter not given: the step's default applies
      if (d.state === "ok") values[name] = d.value;
      else {
        missing.push(name);
        causes.push(...d.causes);
      }
    }
    return { values, missing, causes: uniqueCauses(causes) };
  }

  #skip(node: FlowNode, missing: string[], causes: ElementFailure[]): void {
    for (const o of node.outputs) this.data.set(o, { state: "missing", causes });
    this.#finish({
      step: node.name,
      state: "skipped",
      mapped: node.spec !== null,
      counts: { ok: 0, failed: 0, skipped: 1 },
      restarts: 0,
      missing,
      causes,
    }, () => [{ flat: 0, index: [], state: "skipped", causes }]);
    this.#emit({ type: "flow-step-skipped", step: node.name, missing });
  }

  async #node(node: FlowNode): Promise<void> {
    this.#started.set(node.name, this.#clock.now());
    const { values, missing, causes } = this.#gather(node);
    if (missing.length) return this.#skip(node, missing, causes);
    if (node.spec === null) return await this.#single(node, values);
    return await this.#mapped(node, values);
  }

  /**
   * Calls with restart rounds; returns the results (or errors) and call keys by position.
   * The cache answers what it holds in one lookup; the rest are called together (so routed
   * ones reach the runtime as one array), then each restart round calls only the failed
   * ones, again together.
   */
  async #calls(
    node: FlowNode,
    calls: readonly Record<string, unknown>[],
    onRound: (round: number, n: number) => void,
  ): Promise<{ results: CallResult[]; keys: (string | undefined)[]; rounds: number }> {
    const def = node.step.definition;
    const results = new Array<CallResult>(calls.length);
    const cached = await this.#session.cachedMany(def, calls);
    const keys = new Array<string | undefined>(calls.length);
    let pending: number[] = [];
    for (let i = 0; i < calls.length; i++) {
      keys[i] = cached.keys[i];
      if (cached.hits.has(i)) results[i] = { ok: true, value: cached.hits.get(i) };
      else pending.push(i);
    }
    const route = this.#routeOf(node);
    const max = node.options.maxRestarts ?? route?.route.maxRestarts ?? 0;
    let round = 0;
    const signal = this.options.signal;
    for (;;) {
      const options = {
        ...(round > 0 ? { retryFailed: true } : {}),
        ...(signal ? { signal } : {}),
        ...(route ? { route } : {}),
      };
      const settled = this.options.onCallSettled;
      const one = (i: number): Promise<void> =>
        this.#session.call(def, calls[i], options).then(
          (value) => void (results[i] = { ok: true, value }),
          (error) => void (results[i] = { ok: false, error }),
        ).then(() => settled?.(node.name, results[i].ok));
      if (route || this.#session.router.active) {
        // Maybe routed: every call at once, so they reach the runtime as one array.
        await Promise.all(pending.map(one));
      } else {
        // Here: a bounded window in flight keeps memory flat in the number of elements.
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < pending.length) await one(pending[next++]);
        };
        await Promise.all(Array.from({ length: Math.min(MAP_WINDOW, pending.length) }, worker));
      }
      pending = pending.filter((i) => {
        const r = results[i];
        return !r.ok && isRetryable(r.error);
      });
      if (pending.length === 0 || round >= max || this.#stopped) {
        return { results, keys, rounds: round };
      }
      round++;
      onRound(round, pending.length);
    }
  }

  /**
   * The route the flow's target gives a step (computed once per step). The flow restarts
   * its calls itself, in rounds, so the runtime hands every failure back.
   */
  #routeOf(node: FlowNode): RouteMatch | undefined {
    const info = this.options.remoteInfo;
    const match = info ? routeOfNode(info, this.stack, node) : undefined;
    return match && { key: match.key, route: { ...match.route, restartBy: "caller" } };
  }

  async #single(node: FlowNode, values: Record<string, unknown>): Promise<void> {
    this.#emit({ type: "flow-step-start", step: node.name, elements: 1 });
    const { results: [r], rounds } = await this.#calls(
      node,
      [values],
      (round, n) => this.#emit({ type: "flow-restart", step: node.name, round, elements: n }),
    );
    let failure: ElementFailure | undefined;
    // The call's key, for the store's record of the element (only when recorded).
    const key = r.ok && this.options.onStepEnd && node.step.definition.options.cache !== false
      ? (await this.#session.keyOf(node.step.definition, values).catch(() => undefined))?.key
      : undefined;
    if (r.ok) {
      try {
        const parts = node.outputs.map((_, k) => component(node, r.value, k));
        node.outputs.forEach((o, k) => this.data.set(o, { state: "ok", value: parts[k] }));
      } catch (e) {
        failure = failureOf(node.name, [], e);
      }
    } else failure = failureOf(node.name, [], r.error);
    if (failure) {
      this.#emit({
        type: "flow-element-failed",
        step: node.name,
        index: [],
        ...(failure.key ? { key: failure.key } : {}),
        message: failure.error.message,
      });
      for (const o of node.outputs) this.data.set(o, { state: "missing", causes: [failure] });
      if (tooMany(node, 1, 1)) this.#halt(new FlowStepError(node.name, 1, [failure]));
    }
    const state: StepRunState = failure ? "failed" : "succeeded";
    this.#finish({
      step: node.name,
      state,
      mapped: false,
      counts: { ok: failure ? 0 : 1, failed: failure ? 1 : 0, skipped: 0 },
      restarts: rounds,
      missing: [],
      causes: failure ? [failure] : [],
    }, () => [
      failure
        ? {
          flat: 0,
          index: [],
          state: "failed",
          ...(failure.key ? { key: failure.key } : {}),
          failure,
        }
        : { flat: 0, index: [], state: "ok", ...(key ? { key } : {}) },
    ]);
    this.#emit({ type: "flow-step-end", step: node.name, state });
  }

  async #mapped(node: FlowNode, values: Record<string, unknown>): Promise<void> {
    const plan = planMap(node.specText!, values);
    // Inputs of the step that the spec does not list are passed whole to every element.
    const listed = new Set(plan.spec.inputs.map((i) => i.name));
    const whole = Object.entries(values).filter(([k]) => !listed.has(k));
    this.plans.set(node.name, plan);
    const states: FlowElementState[] = new Array(plan.size);
    const failures = new Map<number, ElementFailure>();
    const causes = new Map<number, readonly ElementFailure[]>();
    const runFlat: number[] = [];
    const calls: Record<string, unknown>[] = [];
    for (let flat = 0; flat < plan.size; flat++) {
      const e = plan.element(flat);
      if (e.kind === "skip") {
        states[flat] = "skipped";
        causes.set(flat, e.causes);
      } else {
        runFlat.push(flat);
        calls.push(whole.length ? Object.assign(Object.fromEntries(whole), e.inputs) : e.inputs);
      }
    }
    this.#emit({ type: "flow-step-start", step: node.name, elements: calls.length });
    const keys: (string | undefined)[] = new Array(plan.size).fill(undefined);
    const def = node.step.definition;
    const { results, keys: callKeys, rounds } = await this.#calls(
      node,
      calls,
      (round, n) => this.#emit({ type: "flow-restart", step: node.name, round, elements: n }),
    );
    const table = new Map<string, unknown>();
    for (let k = 0; k < results.length; k++) {
      const r = results[k];
      const flat = runFlat[k];
      try {
        if (!r.ok) throw r.error;
        for (let o = 0; o < node.outputs.length; o++) {
          const part = component(node, r.value, o);
          if (plan.ragged && !Array.isArray(part)) {
            throw new TypeError(
              `step "${node.name}" must return a list for the ragged axis "${plan.ragged}*" (got ${typeof part})`,
            );
          }
        }
        const key = callKeys[k] ?? (await this.#session.keyOf(def, calls[k])).key;
        table.set(key, r.value);
        keys[flat] = key;
        states[flat] = "ok";
      } catch (error) {
        states[flat] = "failed";
        const failure = failureOf(node.name, outerIndex(plan, flat), error);
        failures.set(flat, failure);
        this.#emit({
          type: "flow-element-failed",
          step: node.name,
          index: failure.index,
          ...(failure.key ? { key: failure.key } : {}),
          message: failure.error.message,
        });
      }
    }
    const counts = { ok: 0, failed: 0, skipped: 0 };
    for (const s of states) counts[s]++;
    node.outputs.forEach((name, o) => {
      const array = buildOutput(node, plan, name, o, { states, keys, table, failures, causes });
      const all = uniqueCauses([...failures.values(), ...[...causes.values()].flat()]);
      this.data.set(
        name,
        array.size > 0 && array.counts().ok === 0
          ? { state: "missing", causes: all, value: array }
          : { state: "ok", value: array },
      );
    });
    const state = stateOf(counts, plan.size);
    this.#finish({
      step: node.name,
      state,
      mapped: true,
      counts,
      restarts: rounds,
      missing: [],
      causes: uniqueCauses([...failures.values(), ...[...causes.values()].flat()]),
    }, () =>
      states.map((state, flat) => ({
        flat,
        index: outerIndex(plan, flat),
        state,
        ...(keys[flat] ? { key: keys[flat] } : {}),
        ...(failures.has(flat) ? { failure: failures.get(flat)! } : {}),
        ...(causes.has(flat) ? { causes: causes.get(flat)! } : {}),
      })));
    this.#emit({ type: "flow-step-end", step: node.name, state });
    if (tooMany(node, counts.failed, plan.size)) {
      this.#halt(new FlowStepError(node.name, plan.size, [...failures.values()]));
    }
  }
}
