/**
 * What the step layer hands the job runtime for one remote call, and what it gets back.
 *
 * @module
 */
import type { FailureReason, RetryState, StoredError } from "../store/mod.ts";
import type { Route } from "../routing/mod.ts";

/** One call to run on a system. */
export interface RemoteCall {
  /** The call key. */
  readonly key: string;
  /** The step's name. */
  readonly step: string;
  /** The file that defines the step (bundled for the job). */
  readonly module: string;
  /** The step's code identity hash. */
  readonly codeHash: string;
  /** The step's version salt. */
  readonly version: string;
  /** Per-argument hashes, for `explain`. */
  readonly argHashes: Readonly<Record<string, string>>;
  /** The encoded inputs. */
  readonly inputs: Uint8Array;
  /** Their hash (the inputs object). */
  readonly inputsRef: string;
  /** The remote info key that routed the call. */
  readonly routeKey: string;
  /** Where and how it runs. */
  readonly route: Route;
  /** When the call was first recorded, if it was before. */
  readonly createdAt?: number;
}

/** How a remote call ended. */
export type RemoteOutcome =
  | {
    readonly ok: true;
    /** The result object. */
    readonly resultRef: string;
    /** The system that holds it. */
    readonly system: string;
  }
  | {
    readonly ok: false;
    /** The error as stored. */
    readonly error: StoredError;
    /** Why it failed. */
    readonly reason: FailureReason;
    /** Why drover stopped trying. */
    readonly retryState: RetryState;
  };

/** Something the job runtime did or noticed. */
export type RemoteEvent =
  | {
    readonly type: "job-submitted";
    readonly system: string;
    readonly job: string;
    readonly schedulerId: string;
    readonly elements: number;
    readonly calls: number;
    readonly attempt: number;
    /** The call keys the job runs. */
    readonly keys?: readonly string[];
  }
  | {
    readonly type: "job-recovered";
    readonly system: string;
    readonly job: string;
    readonly how: "found-by-name" | "found-by-markers" | "resubmitted";
    readonly schedulerId?: string;
    readonly keys?: readonly string[];
  }
  | {
    readonly type: "job-restart";
    readonly system: string;
    readonly job: string;
    readonly calls: number;
    readonly reason: FailureReason;
    readonly attempt: number;
    readonly schedulerId?: string;
    readonly keys?: readonly string[];
  }
  | {
    readonly type: "job-poll";
    readonly system: string;
    readonly jobs: number;
    readonly changed: number;
    readonly nextMs: number;
  }
  | {
    readonly type: "remote-error";
    readonly system: string;
    readonly message: string;
  }
  | {
    /** Calls of an earlier run (or of another process) found in a live job and waited for. */
    readonly type: "job-attached";
    readonly system: string;
    readonly job: string;
    readonly schedulerId?: string;
    readonly keys: readonly string[];
  }
  | {
    /** The scheduler says a job is pending (with its reason, e.g. `ReqNodeNotAvail`) or running. */
    readonly type: "job-state";
    readonly system: string;
    readonly job: string;
    readonly schedulerId?: string;
    readonly state: "pending" | "running";
    readonly reason?: string;
  }
  | {
    /** The SSH host of a system cannot be reached; the runtime tries again until its limit. */
    readonly type: "waiting-for-host";
    readonly system: string;
    readonly host: string;
    readonly attempt: number;
    readonly retryInMs: number;
    readonly message: string;
    /** How long it has been unreachable, and the limit after which its calls fail, ms. */
    readonly sinceMs?: number;
    readonly limitMs?: number;
  }
  | {
    /** The host answers but the scheduler's commands fail (slurmctld restarting). */
    readonly type: "scheduler-unreachable";
    readonly system: string;
    readonly message: string;
    readonly retryInMs: number;
    readonly attempt?: number;
    readonly sinceMs?: number;
    readonly limitMs?: number;
  }
  | {
    /** The system answers again after being unreachable. */
    readonly type: "system-reachable";
    readonly system: string;
    readonly afterMs: number;
  }
  | {
    /** The scheduler refused a job (or no partition fits): its calls failed. */
    readonly type: "job-refused";
    readonly system: string;
    readonly calls: number;
    readonly message: string;
  };
