/**
 * What the step layer hands the job runtime for one remote call, and what it gets back.
 *
 * @module
 */
import type { StoredError } from "../store/mod.ts";
import type { FailureReason } from "../scheduler/mod.ts";
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
    /** Why it failed; only `exception` is persistent. */
    readonly reason: FailureReason;
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
  }
  | {
    readonly type: "job-recovered";
    readonly system: string;
    readonly job: string;
    readonly how: "found-by-name" | "found-by-markers" | "resubmitted";
  }
  | {
    readonly type: "job-restart";
    readonly system: string;
    readonly job: string;
    readonly calls: number;
    readonly reason: FailureReason;
    readonly attempt: number;
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
  };
