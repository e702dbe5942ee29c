/**
 * The outcome of a flow run: per-step states and every value, and the errors a run raises.
 *
 * @module
 */
import type { ElementFailure, FlowArray } from "./flow_array.ts";
import type { MapPlan } from "./map_plan.ts";
import type { FlowNode } from "./node.ts";

/** The final state of one step of a run. */
export type StepRunState = "succeeded" | "failed" | "skipped" | "partial";

/** How one step of a run ended. */
export interface StepRun {
  /** The step. */
  readonly step: string;
  /** succeeded (every element ok), failed, skipped (its inputs were missing), partial. */
  readonly state: StepRunState;
  /** Whether it was mapped by a spec. */
  readonly mapped: boolean;
  /** Elements by state (an unmapped step counts as one element). */
  readonly counts: Readonly<Record<"ok" | "failed" | "skipped", number>>;
  /** Restart rounds used. */
  readonly restarts: number;
  /** Inputs that were missing, for a skipped step. */
  readonly missing: readonly string[];
  /** Root failures behind its failed and skipped elements (each once). */
  readonly causes: readonly ElementFailure[];
  /** When it started (ms since the epoch, from the run's clock). */
  readonly startedAt: number;
  /** When it ended. */
  readonly endedAt: number;
}

/** One element of a step as it ended (what the store records). */
export interface FlowElementOutcome {
  /** Flat position in the step's output. */
  readonly flat: number;
  /** N-dimensional index (empty for an unmapped step). */
  readonly index: readonly number[];
  /** ok, failed or skipped. */
  readonly state: "ok" | "failed" | "skipped";
  /** The call key, when it ran. */
  readonly key?: string;
  /** Its failure, when it failed. */
  readonly failure?: ElementFailure;
  /** Its root causes, when skipped. */
  readonly causes?: readonly ElementFailure[];
}

/** A step as it ended, given to `onStepEnd`: its record, plan and (lazily) its elements. */
export interface StepOutcome {
  /** The step's record. */
  readonly run: StepRun;
  /** Its map plan, for a mapped step that ran. */
  readonly plan: MapPlan | null;
  /** Its elements, in flat order (computed when called). */
  readonly elements: () => FlowElementOutcome[];
}

/** One event of a run's log, with its time. */
export interface FlowLogEntry {
  /** When (ms since the epoch, from the run's clock). */
  readonly at: number;
  /** What happened. */
  readonly event: FlowEvent;
}

/** A data value of a run: present, or missing with the failures behind it. */
export type DataValue =
  | { readonly state: "ok"; readonly value: unknown }
  | {
    readonly state: "missing";
    readonly causes: readonly ElementFailure[];
    /** The array of a mapped step none of whose elements is ok. */
    readonly value?: FlowArray;
  };

/** A step as reports see it: as a run ends it, or as the store has it (maybe still going). */
export type StepLiveState = StepRunState | "pending" | "running";

/** The parts of a flow node that reports read. */
export type FlowNodeView = Pick<FlowNode, "name" | "inputs" | "outputs" | "spec" | "specText">;

/** One step of a {@linkcode FlowRunView}. */
export interface StepView extends Omit<StepRun, "state" | "startedAt" | "endedAt"> {
  /** Its state (a stored run's step may be pending or running). */
  readonly state: StepLiveState;
  /** When it started, if it did. */
  readonly startedAt: number | null;
  /** When it ended, if it did. */
  readonly endedAt: number | null;
}

/**
 * What reports (`report.progress`, `report.log`, `report.graph`, `inputSamples`) read: a
 * finished {@linkcode FlowRun}, or a run loaded from the store, maybe still going.
 */
export interface FlowRunView {
  /** Its id in the store, when recorded. */
  readonly id?: number;
  /** The flow's name. */
  readonly flow: string;
  /** The run's state. */
  readonly state: "pending" | "running" | "succeeded" | "partial" | "failed" | "interrupted";
  /** When it started. */
  readonly startedAt: number;
  /** When it ended (null while it goes on). */
  readonly endedAt: number | null;
  /** Its log. */
  readonly log: readonly FlowLogEntry[];
  /** Its steps in run order. */
  readonly nodes: readonly FlowNodeView[];
  /** Per step. */
  readonly steps: Readonly<Record<string, StepView>>;
  /** Every data value known (parameters and the outputs of ended steps). */
  readonly data: ReadonlyMap<string, DataValue>;
}

/** A finished flow run. */
export interface FlowRun {
  /** Its id in the project store, when recorded. */
  readonly id?: number;
  /** The flow's name. */
  readonly flow: string;
  /** When the run started (ms since the epoch). */
  readonly startedAt: number;
  /** When it ended. */
  readonly endedAt: number;
  /** Everything that happened, in order. */
  readonly log: readonly FlowLogEntry[];
  /** The flow's steps, in run order. */
  readonly nodes: readonly FlowNode[];
  /** `succeeded` when every step succeeded, else `partial` (see `steps`). */
  readonly state: "succeeded" | "partial";
  /** Per step, in the flow's order (each after the steps it reads from). */
  readonly steps: Readonly<Record<string, StepRun>>;
  /** Every data name of the run: parameters given and outputs. */
  readonly data: ReadonlyMap<string, DataValue>;
  /** The plan of each mapped step, by step name (for sample tables). */
  readonly plans: ReadonlyMap<string, MapPlan>;
  /** The returned values under their returned names (`undefined` when missing). */
  readonly returns: Readonly<Record<string, unknown>>;
}

/**
 * A step whose failure policy is to raise failed (`onError: "raise"`, or more failures
 * than `maxFailed`). The run stops starting steps and rejects with it.
 *
 * @example
 * ```ts
 * import { FlowStepError } from "./flow_run.ts";
 * import assert from "node:assert/strict";
 * const e = new FlowStepError("solve", 10, [
 *   { step: "solve", index: [3], key: "ab", error: { name: "RangeError", message: "bad" } },
 * ]);
 * assert.equal(e.message.split("\n")[0], 'Cannot complete step "solve": 1 of 10 elements failed');
 * ```
 */
export class FlowStepError extends Error {
  /** The step. */
  readonly step: string;
  /** How many elements it had. */
  readonly total: number;
  /** Its failed elements. */
  readonly failures: readonly ElementFailure[];
  /**
   * Creates an instance.
   *
   * @param step The step.
   * @param total How many elements it had.
   * @param failures The failed ones.
   */
  constructor(step: string, total: number, failures: readonly ElementFailure[]) {
    super(
      [
        `Cannot complete step "${step}": ${failures.length} of ${total} elements failed`,
        ...failures.slice(0, 5).map((f) =>
          `  [${f.index.join(", ")}] ${f.error.name}: ${f.error.message.split("\n")[0]}${
            f.key ? ` (drover calls show ${f.key.slice(0, 12)})` : ""
          }`
        ),
      ].join("\n"),
    );
    this.name = "FlowStepError";
    this.step = step;
    this.total = total;
    this.failures = failures;
  }
}

/** What a run reports as it goes (for logs). */
export type FlowEvent =
  | { readonly type: "flow-step-start"; readonly step: string; readonly elements: number }
  | {
    readonly type: "flow-step-skipped";
    readonly step: string;
    readonly missing: readonly string[];
  }
  | {
    readonly type: "flow-element-failed";
    readonly step: string;
    readonly index: readonly number[];
    readonly key?: string;
    readonly message: string;
  }
  | {
    readonly type: "flow-restart";
    readonly step: string;
    readonly round: number;
    readonly elements: number;
  }
  | { readonly type: "flow-step-end"; readonly step: string; readonly state: StepRunState }
  | {
    /**
     * A job that ran a step's elements: logged by the store's recorder when the step ends,
     * and shown from the jobs table while it runs.
     */
    readonly type: "flow-job-submitted";
    readonly step: string;
    readonly job: string;
    readonly system: string;
    readonly schedulerId: string | null;
    readonly elements: number;
    readonly attempt: number;
  };
