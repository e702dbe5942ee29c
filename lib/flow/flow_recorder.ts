/**
 * Recording a flow run in the project store as it goes: the run row before anything runs,
 * each step as it starts and ends (with its elements), live counts while a step runs, and
 * the log. Listens to the run's hooks (`onEvent`, `onStepEnd`, `onCallSettled`).
 *
 * @module
 */
import { encode } from "../codec/mod.ts";
import type { Clock } from "../runtime/mod.ts";
import type { FlowRunOrigin, NewFlowStep, Store, StoredPlan } from "../store/mod.ts";
import type { Flow } from "./flow.ts";
import type { FlowEvent, StepOutcome } from "./flow_run.ts";
import type { RunFlowOptions } from "./run.ts";

/** Where a recorded run comes from. */
export interface RecordOptions {
  /** How it was made. Default: `run`. */
  readonly origin?: FlowRunOrigin;
  /** The module exporting the flow (URL or path), if known. */
  readonly script?: string | null;
  /** The export holding the flow, if known. */
  readonly exportName?: string | null;
  /** The run this one restarts or retries. */
  readonly parent?: number | null;
  /** The working directory. Default: `Deno.cwd()`. */
  readonly cwd?: string;
}

/**
 * Records a new run of a flow (state `pending`): its inputs as one object, its steps.
 *
 * @param store The project store.
 * @param f The flow.
 * @param inputs Its inputs.
 * @param options Origin, module and export, parent run.
 * @returns The run id.
 * @throws {TypeError} when the inputs cannot be encoded.
 *
 * @example
 * ```ts
 * import { first, recordFlowRun } from "./mod.ts";
 * import { openStore } from "../store/mod.ts";
 * import { step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const half = step("doc-rec-half", ({ x }: { x: number }) => x / 2, { returns: "h" });
 * const id = recordFlowRun(store, first(half), { x: 3 });
 * assert.equal(store.flowRuns.get(id)?.state, "pending");
 * assert.deepEqual(store.flowRuns.steps(id).map((s) => s.step), ["doc-rec-half"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function recordFlowRun(
  store: Store,
  f: Flow,
  inputs: Readonly<Record<string, unknown>>,
  options: RecordOptions = {},
): number {
  const inputsRef = store.objects.put(encode(inputs));
  return store.flowRuns.create({
    flow: f.name,
    script: options.script ?? null,
    exportName: options.exportName ?? null,
    inputsRef,
    parent: options.parent ?? null,
    origin: options.origin ?? "run",
    cwd: options.cwd ?? Deno.cwd(),
    steps: stepsOf(f),
  });
}

/**
 * The steps of a flow as the store records them, in run order.
 *
 * @param f The flow.
 * @returns Name, spec, inputs and outputs of each step.
 *
 * @example
 * ```ts
 * import { stepsOf } from "./flow_recorder.ts";
 * import { first } from "./mod.ts";
 * import { step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const half = step("doc-steps-half", ({ x }: { x: number }) => x / 2, { returns: "h" });
 * assert.deepEqual(stepsOf(first(half)), [
 *   { step: "doc-steps-half", spec: null, inputs: ["x"], outputs: ["h"] },
 * ]);
 * ```
 */
export function stepsOf(f: Flow): NewFlowStep[] {
  return f.order.map((n) => ({
    step: n.name,
    spec: n.specText,
    inputs: n.inputs,
    outputs: n.outputs,
  }));
}

const PROGRESS_EVERY_MS = 200;

/**
 * Writes one run's progress into the store through the run's hooks. Log entries are
 * buffered and written with the next step change (and by {@linkcode FlowRecorder.flush}).
 *
 * @example
 * ```ts
 * import { first, FlowRecorder, recordFlowRun } from "./mod.ts";
 * import { openSession, step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await using session = openSession({ dir: `${dir}/.drover`, recordRun: false });
 * const half = step("doc-recorder-half", ({ x }: { x: number }) => x / 2, { returns: "h" });
 * const f = first(half);
 * const id = recordFlowRun(session.store, f, { x: 3 });
 * session.store.flowRuns.start(id);
 * const rec = new FlowRecorder(session.store, id);
 * const run = await f.run({ x: 3 }, { session, record: false, ...rec.hooks() });
 * rec.finish(run.state);
 * assert.equal(session.store.flowRuns.get(id)?.state, "succeeded");
 * assert.equal(session.store.flowRuns.log(id).length, 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class FlowRecorder {
  readonly #store: Store;
  readonly #id: number;
  readonly #now: () => number;
  readonly #log: { at: number; event: FlowEvent }[] = [];
  readonly #live = new Map<string, { ok: number; failed: number; at: number }>();

  /**
   * Records into run `id` (already started).
   *
   * @param store The project store.
   * @param id The run.
   * @param clock Time source. Default: `Date.now`.
   */
  constructor(store: Store, id: number, clock?: Clock) {
    this.#store = store;
    this.#id = id;
    this.#now = clock ? () => clock.now() : Date.now;
  }

  /** The hooks to pass to `runFlow` / `flow.run`. */
  hooks(): Required<Pick<RunFlowOptions, "onEvent" | "onStepEnd" | "onCallSettled">> {
    return {
      onEvent: (e) => this.#event(e),
      onStepEnd: (o) => this.#stepEnd(o),
      onCallSettled: (step, ok) => this.#settled(step, ok),
    };
  }

  #event(e: FlowEvent): void {
    this.#log.push({ at: this.#now(), event: e });
    if (e.type === "flow-step-start") {
      this.#store.flowRuns.stepStarted(this.#id, e.step, e.elements, this.#now());
      this.flush();
    } else if (e.type === "flow-step-end" || e.type === "flow-step-skipped") {
      this.flush();
    }
  }

  #settled(step: string, ok: boolean): void {
    let c = this.#live.get(step);
    if (!c) this.#live.set(step, c = { ok: 0, failed: 0, at: 0 });
    if (ok) c.ok++;
    else c.failed++;
    const now = this.#now();
    if (now - c.at >= PROGRESS_EVERY_MS) {
      c.at = now;
      this.#store.flowRuns.stepProgress(this.#id, step, c);
    }
  }

  #stepEnd(o: StepOutcome): void {
    const r = o.run;
    this.#live.delete(r.step);
    const plan: StoredPlan | null = o.plan
      ? {
        axes: o.plan.axes,
        shape: o.plan.shape,
        lengths: o.plan.lengths ?? null,
        ragged: o.plan.ragged ?? null,
      }
      : null;
    this.#store.flowRuns.stepEnded(this.#id, {
      step: r.step,
      state: r.state,
      counts: r.counts,
      restarts: r.restarts,
      missing: r.missing,
      plan,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      elements: o.elements().map((e) => ({
        flat: e.flat,
        index: e.index,
        state: e.state,
        ...(e.key ? { key: e.key } : {}),
        ...(e.failure ? { error: e.failure } : e.causes ? { error: e.causes } : {}),
      })),
    });
    // Jobs that ran its elements (routed calls), logged at their submission times.
    for (const j of this.#store.flowRuns.jobsOfStep(this.#id, r.step, r.startedAt)) {
      const { at, ...job } = j;
      this.#log.push({ at, event: { type: "flow-job-submitted", step: r.step, ...job } });
    }
  }

  /** Writes the buffered log entries. */
  flush(): void {
    this.#store.flowRuns.appendLog(this.#id, this.#log.splice(0));
  }

  /**
   * Ends the run in the store (and writes the log).
   *
   * @param state How it ended.
   * @param error The error of a failed run.
   */
  finish(state: "succeeded" | "partial" | "failed" | "interrupted", error?: unknown): void {
    this.flush();
    this.#store.flowRuns.finish(this.#id, state, {
      at: this.#now(),
      ...(error === undefined
        ? {}
        : { error: error instanceof Error ? error.message : String(error) }),
    });
  }
}
