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

/** A finished flow run. */
export interface FlowRun {
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
  | { readonly type: "flow-step-end"; readonly step: string; readonly state: StepRunState };
