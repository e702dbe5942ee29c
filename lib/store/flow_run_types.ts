/**
 * The records of flow runs in the store, their states and transitions.
 *
 * @module
 */

/**
 * Where a flow run is: `pending` (recorded, its process not started yet), `running`,
 * `succeeded` (every step succeeded), `partial` (some step failed, was partial or skipped),
 * `failed` (the run stopped: a step whose policy is to raise, a bad module, an abort),
 * `interrupted` (its process is gone: kill -9, reboot).
 */
export type FlowRunState =
  | "pending"
  | "running"
  | "succeeded"
  | "partial"
  | "failed"
  | "interrupted";

/**
 * Run transitions (from -> allowed to). `running` again from an end state is a resume of
 * the same run (every finished call is reused from the cache).
 *
 * @example
 * ```ts
 * import { FLOW_RUN_TRANSITIONS } from "./flow_run_types.ts";
 * import assert from "node:assert/strict";
 * assert.equal(FLOW_RUN_TRANSITIONS.interrupted.includes("running"), true);
 * assert.deepEqual(FLOW_RUN_TRANSITIONS.succeeded, []);
 * ```
 */
export const FLOW_RUN_TRANSITIONS: Readonly<Record<FlowRunState, readonly FlowRunState[]>> = {
  pending: ["running", "failed"],
  running: ["succeeded", "partial", "failed", "interrupted"],
  succeeded: [],
  partial: ["running"],
  failed: ["running"],
  interrupted: ["running"],
};

/** Where one step of a stored run is. */
export type FlowStepState = "pending" | "running" | "succeeded" | "failed" | "skipped" | "partial";

/** How a run was made. */
export type FlowRunOrigin = "run" | "submit" | "restart" | "retry";

/** Element counts of a step or a run. */
export interface FlowCounts {
  /** Elements ok. */
  readonly ok: number;
  /** Elements failed. */
  readonly failed: number;
  /** Elements skipped (an input missing). */
  readonly skipped: number;
  /** All elements (of ended steps, for a run; calls to make, for a running step). */
  readonly total: number;
}

/** One step of a new run. */
export interface NewFlowStep {
  /** The step's name. */
  readonly step: string;
  /** Its map spec as written, or null. */
  readonly spec: string | null;
  /** Its input names. */
  readonly inputs: readonly string[];
  /** Its output names. */
  readonly outputs: readonly string[];
}

/** What `FlowRunStore.create` records. */
export interface NewFlowRun {
  /** The flow's name. */
  readonly flow: string;
  /** The module that exports the flow, if known (a URL or path). */
  readonly script?: string | null;
  /** The export holding the flow, if known. */
  readonly exportName?: string | null;
  /** The object hash of the encoded inputs. */
  readonly inputsRef: string;
  /** The run this one restarts or retries. */
  readonly parent?: number | null;
  /** How it was made. */
  readonly origin: FlowRunOrigin;
  /** The working directory it runs in. */
  readonly cwd: string;
  /** Its steps in flow order. */
  readonly steps: readonly NewFlowStep[];
  /** When (ms). Default: now. */
  readonly at?: number;
}

/** A stored run. Times are ms since the epoch. */
export interface FlowRunRecord {
  /** Run id. */
  readonly id: number;
  /** The flow's name. */
  readonly flow: string;
  /** The module exporting the flow, if known. */
  readonly script: string | null;
  /** Its export, if known. */
  readonly exportName: string | null;
  /** Object hash of the inputs. */
  readonly inputsRef: string;
  /** The run it restarts or retries. */
  readonly parent: number | null;
  /** How it was made. */
  readonly origin: FlowRunOrigin;
  /** Its state. */
  readonly state: FlowRunState;
  /** Working directory. */
  readonly cwd: string;
  /** Host of its process. */
  readonly host: string;
  /** Its process, once started. */
  readonly pid: number | null;
  /** When it was recorded. */
  readonly startedAt: number;
  /** When it ended. */
  readonly endedAt: number | null;
  /** Why it failed. */
  readonly error: string | null;
  /** Element counts over its ended steps. */
  readonly counts: FlowCounts;
}

/** The shape of a mapped step's output (to rebuild its arrays). */
export interface StoredPlan {
  /** Index names. */
  readonly axes: readonly string[];
  /** Output shape (before a new ragged axis). */
  readonly shape: readonly number[];
  /** Row lengths of a ragged input axis, or null. */
  readonly lengths: readonly number[] | null;
  /** The new ragged axis's name, or null. */
  readonly ragged: string | null;
}

/** A stored step of a run. */
export interface FlowStepRecord {
  /** Step name. */
  readonly step: string;
  /** Position in flow order. */
  readonly seq: number;
  /** Its state. */
  readonly state: FlowStepState;
  /** Map spec, or null. */
  readonly spec: string | null;
  /** Input names. */
  readonly inputs: readonly string[];
  /** Output names. */
  readonly outputs: readonly string[];
  /** Output shape of a mapped step that ran. */
  readonly plan: StoredPlan | null;
  /** Element counts (live while running). */
  readonly counts: FlowCounts;
  /** Restart rounds used. */
  readonly restarts: number;
  /** Inputs that were missing (a skipped step). */
  readonly missing: readonly string[];
  /** When it started. */
  readonly startedAt: number | null;
  /** When it ended. */
  readonly endedAt: number | null;
}

/** One stored element of a step. */
export interface FlowElementRow {
  /** Flat position. */
  readonly flat: number;
  /** N-dimensional index (empty for an unmapped step). */
  readonly index: readonly number[];
  /** ok, failed or skipped. */
  readonly state: "ok" | "failed" | "skipped";
  /** The call key, when it ran. */
  readonly key?: string;
  /** Its failure (failed) or root causes (skipped), as JSON data. */
  readonly error?: unknown;
  /** The object hash of its call's result (ok elements). */
  readonly valueRef: string | null;
}

/** How a step ended, with its elements. */
export interface StepEnd {
  /** Step name. */
  readonly step: string;
  /** Final state. */
  readonly state: Exclude<FlowStepState, "pending" | "running">;
  /** Element counts. */
  readonly counts: { readonly ok: number; readonly failed: number; readonly skipped: number };
  /** Restart rounds. */
  readonly restarts: number;
  /** Missing inputs. */
  readonly missing: readonly string[];
  /** Output shape, for a mapped step that ran. */
  readonly plan: StoredPlan | null;
  /** When it started. */
  readonly startedAt: number;
  /** When it ended. */
  readonly endedAt: number;
  /** Its elements. */
  readonly elements: readonly Omit<FlowElementRow, "valueRef">[];
}

/** A job that ran elements of a step (`FlowRunStore.jobsOfStep`). */
export interface FlowStepJob {
  /** The job's unique name. */
  readonly job: string;
  /** Its system. */
  readonly system: string;
  /** The scheduler's id, once submitted. */
  readonly schedulerId: string | null;
  /** Its array elements. */
  readonly elements: number;
  /** 1 for a first submission, 2 for the first restart, ... */
  readonly attempt: number;
  /** When it was submitted (or staged, if never submitted). */
  readonly at: number;
}

/** One stored log entry. */
export interface FlowLogRow {
  /** When (ms). */
  readonly at: number;
  /** The event, as JSON data. */
  readonly event: unknown;
}
