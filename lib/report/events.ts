/**
 * The events the progress reporter reads: drover's {@linkcode DroverEvent}s, a few
 * optional fields on job events, and proposed new events (to be merged into
 * `DroverEvent` by the runtime that emits them).
 *
 * @module
 */
import type { DroverEvent } from "../step/mod.ts";

/**
 * Optional fields the reporter reads from `job-submitted`, `job-recovered` and
 * `job-restart` when the runtime provides them: the call keys of the job (so jobs are
 * attributed to steps and calls move from "queued" to "running" with the job) and the
 * scheduler's id.
 */
export interface JobEventExtras {
  /** The call keys the job runs. */
  readonly keys?: readonly string[];
  /** The scheduler's job id (already on `job-submitted`). */
  readonly schedulerId?: string;
}

/**
 * Optional field the reporter reads from `call-cached`: the stored outcome is a failure
 * (the call throws its stored error), so it counts as failed rather than cached.
 */
export interface CallCachedExtras {
  /** True when the stored outcome is a failure. */
  readonly failed?: boolean;
}

/** A {@linkcode DroverEvent} with the optional fields the reporter reads. */
export type WithExtras<E> = E extends
  { readonly type: "job-submitted" | "job-recovered" | "job-restart" } ? E & JobEventExtras
  : E extends { readonly type: "call-cached" } ? E & CallCachedExtras
  : E;

/** Proposed events, not emitted by the runtime yet. */
export type ProposedEvent =
  | {
    /** A run began; its id is what `drover jobs cancel --run ID` takes. */
    readonly type: "run-start";
    readonly runId: string;
  }
  | {
    /** Calls of an earlier run were found in a still-live job and are waited for. */
    readonly type: "job-attached";
    readonly system: string;
    readonly job: string;
    readonly schedulerId?: string;
    readonly keys: readonly string[];
  }
  | {
    /** The scheduler says a job is pending (with its reason, e.g. "Priority") or running. */
    readonly type: "job-state";
    readonly system: string;
    readonly job: string;
    readonly schedulerId?: string;
    readonly state: "pending" | "running";
    readonly reason?: string;
  }
  | {
    /** The SSH host of a system cannot be reached; the runtime retries. */
    readonly type: "waiting-for-host";
    readonly system: string;
    readonly host: string;
    readonly attempt: number;
    readonly retryInMs: number;
    readonly message: string;
  }
  | {
    /** The host answers but the scheduler's commands fail (e.g. slurmctld down). */
    readonly type: "scheduler-unreachable";
    readonly system: string;
    readonly message: string;
    readonly retryInMs: number;
  };

/** Everything {@linkcode ProgressReporter} understands; other events are ignored. */
export type ProgressEvent = WithExtras<DroverEvent> | ProposedEvent;
