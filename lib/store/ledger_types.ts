/**
 * The shapes the ledger ({@link ./ledger.ts}) takes and gives: claims, finished calls, job
 * drafts, poll decisions, and the persisted element states with their transitions.
 *
 * @module
 */
import type { CallRecord, CallState, FailureReason, StoredError } from "./records.ts";

/** What a process needs to claim a call: the row written while it runs. */
export interface ClaimEntry {
  /** The call key. */
  readonly key: string;
  /** The step. */
  readonly step: string;
  /** Code identity hash. */
  readonly codeHash: string;
  /** The step's version salt. */
  readonly version: string;
  /** Hash of each argument. */
  readonly argHashes: Readonly<Record<string, string>>;
  /** Where it will run (`local`, `local:isolate`, a system name). */
  readonly location: string;
  /** The run claiming it. */
  readonly runId: number | null;
  /** The state the claimer saw when it decided to run the call. */
  readonly expect: CallState | "absent";
}

/**
 * How a claim went: `claimed` (the caller runs the call), `taken-over` (its owner died; the
 * caller runs it, or attaches to its job when one is live), `held` (a live owner runs it:
 * wait for it), `changed` (the row moved since the caller looked: look again).
 */
export type ClaimOutcome = "claimed" | "taken-over" | "held" | "changed";

/** Who claims, and until when. */
export interface ClaimContext {
  /** The claiming process: `host:pid:nonce`. */
  readonly owner: string;
  /** The time now, ms. */
  readonly now: number;
  /** How long a claim lasts without renewal, ms. */
  readonly leaseMs: number;
}

/** A finished local call to record, with the bytes of its objects. */
export interface FinishedCall {
  /** The record (`inputsRef`/`resultRef` name the bytes below). */
  readonly record: CallRecord;
  /** Encoded inputs. */
  readonly inputs: Uint8Array;
  /** Encoded result, when done. */
  readonly result: Uint8Array | undefined;
}

/** One call put in a job. */
export interface JobCallDraft {
  /** The call key. */
  readonly key: string;
  /** Its array element. */
  readonly element: number;
  /** The inputs object (already in the object store). */
  readonly inputsRef: string;
}

/** How a job call was decided by a poll. */
export type JobCallDecision =
  | {
    readonly state: "done";
    readonly resultRef: string;
    readonly size: number;
    /** How long the call ran (ms, from its marker): the call's duration becomes this. */
    readonly runMs?: number;
  }
  | {
    readonly state: "failed";
    readonly reason: FailureReason;
    readonly detail: string;
    /** For `exception`: the user's error, stored on the call. */
    readonly error?: StoredError;
  };

/** The persisted state of one array element. */
export type ElementState = "pending" | "running" | "missing" | "exited" | "decided";

/** Element transitions (from -> allowed to). `decided` is terminal. */
export const ELEMENT_TRANSITIONS: Readonly<Record<ElementState, readonly ElementState[]>> = {
  pending: ["pending", "running", "missing", "exited", "decided"],
  running: ["running", "missing", "exited", "decided"],
  missing: ["missing", "running", "exited", "decided"],
  exited: ["exited", "decided"],
  decided: [],
};

/** What a poll saw of one element. */
export interface ElementObservation {
  /** The element. */
  readonly element: number;
  /** Its state now. */
  readonly state: ElementState;
  /** Exit code, when exited. */
  readonly exitCode?: number;
  /** The scheduler's own state name, for display. */
  readonly native?: string;
  /** The scheduler's reason (`ReqNodeNotAvail`). */
  readonly reason?: string;
}

/** A persisted element. */
export interface ElementRecord extends ElementObservation {
  /** The job. */
  readonly jobId: number;
  /** Since when it is in this state, ms. */
  readonly since: number;
}

/** Everything one poll decided for one job, applied in one transaction. */
export interface JobPollUpdate {
  /** The job. */
  readonly jobId: number;
  /** The system it runs on (results live there). */
  readonly system: string;
  /** Calls decided. */
  readonly decisions: ReadonlyMap<string, JobCallDecision>;
  /** Elements whose state changed (or stayed missing). */
  readonly elements: readonly ElementObservation[];
  /** Why the scheduler keeps the job pending, if it says. */
  readonly pendingReason?: string | null;
}
