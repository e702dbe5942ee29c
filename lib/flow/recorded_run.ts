/**
 * Running a flow with its run recorded in the project store (what `flow.run` does): the
 * run row is written before anything runs, then steps, elements and log as it goes.
 *
 * @module
 */
import { currentSession } from "../step/mod.ts";
import type { Flow } from "./flow.ts";
import { FlowRecorder, recordFlowRun, type RecordOptions, stepsOf } from "./flow_recorder.ts";
import type { FlowRun } from "./flow_run.ts";
import { runFlow, type RunFlowOptions } from "./run.ts";

/** Options of {@linkcode runRecorded} (and of `flow.run`). */
export interface FlowRunOptions extends RunFlowOptions, RecordOptions {
  /** Record the run in the store. Default: true. */
  readonly record?: boolean;
  /** Continue this recorded run (pending, interrupted, failed or partial) instead of a new one. */
  readonly runId?: number;
}

/**
 * A recorded run that cannot start: unknown, or in a state that cannot be (re)started.
 *
 * @example
 * ```ts
 * import { FlowRunStateError } from "./recorded_run.ts";
 * import assert from "node:assert/strict";
 * const e = new FlowRunStateError(7, "running");
 * assert.equal(e.message, "Cannot start flow run 7: it is running");
 * assert.equal(e.runId, 7);
 * ```
 */
export class FlowRunStateError extends Error {
  /** The run. */
  readonly runId: number;
  /** Its state, or null when there is no such run. */
  readonly state: string | null;
  /**
   * Creates an instance.
   *
   * @param runId The run.
   * @param state Its state, or null when unknown.
   */
  constructor(runId: number, state: string | null) {
    super(
      `Cannot start flow run ${runId}: ${
        state === null ? "there is no such run" : `it is ${state}`
      }`,
    );
    this.name = "FlowRunStateError";
    this.runId = runId;
    this.state = state;
  }
}

/**
 * Runs a flow and records it in the session's store; `record: false` only runs it.
 *
 * @param f The flow.
 * @param inputs Values of its parameters.
 * @param options Session, signal, events, where the run comes from, or the run to continue.
 * @returns The run, with its `id` when recorded.
 * @throws {FlowRunStateError} when `runId` names a run that cannot start.
 * @throws {FlowWiringError} for a missing required parameter or an unknown input (recorded
 * as a failed run).
 * @throws {FlowStepError} when a step whose policy is to raise failed.
 *
 * @example
 * ```ts
 * import { first, runRecorded } from "./mod.ts";
 * import { openSession, step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await using session = openSession({ dir: `${dir}/.drover`, recordRun: false });
 * const half = step("doc-recorded-half", ({ x }: { x: number }) => x / 2, { returns: "h" });
 * const run = await runRecorded(first(half), { x: 3 }, { session });
 * assert.equal(session.store.flowRuns.get(run.id!)?.state, "succeeded");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runRecorded(
  f: Flow,
  inputs: Readonly<Record<string, unknown>>,
  options: FlowRunOptions = {},
): Promise<FlowRun> {
  if (options.record === false) return await runFlow(f, inputs, options);
  const session = options.session ?? currentSession();
  const store = session.store;
  const id = options.runId ?? recordFlowRun(store, f, inputs, options);
  // A resumed run takes the flow's steps as they are now (its code may have changed).
  if (!store.flowRuns.start(id, options.runId === undefined ? {} : { steps: stepsOf(f) })) {
    throw new FlowRunStateError(id, store.flowRuns.get(id)?.state ?? null);
  }
  const rec = new FlowRecorder(store, id, options.clock);
  const hooks = rec.hooks();
  try {
    const run = await runFlow(f, inputs, {
      ...options,
      session,
      onEvent: (e) => {
        hooks.onEvent(e);
        options.onEvent?.(e);
      },
      onStepEnd: (o) => {
        hooks.onStepEnd(o);
        options.onStepEnd?.(o);
      },
      onCallSettled: (step, ok) => {
        hooks.onCallSettled(step, ok);
        options.onCallSettled?.(step, ok);
      },
    });
    rec.finish(run.state);
    return { ...run, id };
  } catch (e) {
    rec.finish(options.signal?.aborted ? "interrupted" : "failed", e);
    throw e;
  }
}
