/**
 * Running a flow in this process: each step (each element of a mapped step) is a normal
 * cached step call through the session, so routed calls go to clusters as arrays.
 *
 * @module
 */
import { captureStack, type RemoteInfo, type StackFrame } from "../routing/mod.ts";
import { type Clock, systemClock } from "../runtime/mod.ts";
import { currentSession, type Session } from "../step/mod.ts";
import { assemble, outcomes, outputData, prepare, singleOutcome } from "./_assemble.ts";
import { checkInputs, gatherInputs } from "./_inputs.ts";
import { type CallList, type CallRounds, callRounds, flowRoute } from "./_calls.ts";
import { resultReader, ResultTable } from "./_values.ts";
import { component } from "./_outputs.ts";
import type { ElementFailure } from "./flow_array.ts";
import { failureOf, stateOf, tooMany, uniqueCauses } from "./failure_policy.ts";
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
import type { FlowNode } from "./node.ts";

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
  checkInputs(f, inputs);
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
  #readResult: ((key: string) => unknown) | undefined;
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

  #failed(node: FlowNode, f: ElementFailure): void {
    this.#emit({
      type: "flow-element-failed",
      step: node.name,
      index: f.index,
      ...(f.key ? { key: f.key } : {}),
      message: f.error.message,
    });
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
    for (const [from, to] of this.flow.returnMap) returns[to] = this.data.get(from)?.value;
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
    const { values, missing, causes } = gatherInputs(node, this.data);
    if (missing.length) return this.#skip(node, missing, causes);
    if (node.spec === null) return await this.#single(node, values);
    return await this.#mapped(node, values);
  }

  /** Calls with restart rounds (see {@linkcode callRounds}). */
  #calls(node: FlowNode, calls: CallList, table?: ResultTable): Promise<CallRounds> {
    const signal = this.options.signal;
    const settled = this.options.onCallSettled;
    const cached = node.step.definition.options.cache !== false;
    return callRounds(node, calls, {
      session: this.#session,
      ...(table
        ? {
          keep: (key: string | undefined, value: unknown) =>
            key === undefined ? value : table.put(key, value, cached),
        }
        : {}),
      route: flowRoute(this.options.remoteInfo, this.stack, node),
      ...(signal ? { signal } : {}),
      ...(settled ? { onCallSettled: settled } : {}),
      onRound: (round, n) =>
        this.#emit({ type: "flow-restart", step: node.name, round, elements: n }),
      stopped: () => this.#stopped,
    });
  }

  async #single(node: FlowNode, values: Record<string, unknown>): Promise<void> {
    this.#emit({ type: "flow-step-start", step: node.name, elements: 1 });
    const { results: [r], keys: [cachedKey], rounds } = await this.#calls(node, {
      length: 1,
      at: () => values,
    });
    let failure: ElementFailure | undefined;
    // The call's key, for the store's record of the element (only when recorded).
    const def = node.step.definition;
    const key = r.ok && this.options.onStepEnd && def.options.cache !== false
      ? cachedKey ?? (await this.#session.keyOf(def, values).catch(() => undefined))?.key
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
      this.#failed(node, failure);
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
    }, () => [singleOutcome(failure, key)]);
    this.#emit({ type: "flow-step-end", step: node.name, state });
  }

  async #mapped(node: FlowNode, values: Record<string, unknown>): Promise<void> {
    const plan = planMap(node.specText!, values);
    this.plans.set(node.name, plan);
    const { el, runFlat, calls } = prepare(plan, values);
    const { states, failures, causes } = el;
    this.#emit({ type: "flow-step-start", step: node.name, elements: calls.length });
    const store = this.#session.store;
    this.#readResult ??= resultReader(store);
    const table = new ResultTable(this.#readResult, { isStored: (k) => store.hasResult(k) });
    const called = await this.#calls(node, calls, table);
    await assemble(
      node,
      plan,
      runFlat,
      calls,
      called,
      el,
      this.#session,
      table,
      (f) => this.#failed(node, f),
    );
    const counts = { ok: 0, failed: 0, skipped: 0 };
    for (const s of states) counts[s]++;
    const all = uniqueCauses([...failures.values(), ...[...causes.values()].flat()]);
    for (const [name, d] of outputData(node, plan, el, table, all)) this.data.set(name, d);
    const state = stateOf(counts, plan.size);
    this.#finish({
      step: node.name,
      state,
      mapped: true,
      counts,
      restarts: called.rounds,
      missing: [],
      causes: all,
    }, () => outcomes(plan, el));
    this.#emit({ type: "flow-step-end", step: node.name, state });
    if (tooMany(node, counts.failed, plan.size)) {
      this.#halt(new FlowStepError(node.name, plan.size, [...failures.values()]));
    }
  }
}
