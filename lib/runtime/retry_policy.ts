/**
 * The one retry decision of the remote runtime: whether a failed remote call is restarted
 * in this run, or given up (and why), and the error a given-up call carries.
 *
 * @module
 */
import type { FailureReason, RetryState, StoredError } from "../store/mod.ts";
import { isTransient } from "../store/mod.ts";

/** What to do with a failed call. */
export type RetryDecision =
  | { readonly action: "restart"; readonly attempt: number }
  | { readonly action: "give-up"; readonly retryState: RetryState };

/** What the policy knows of a call's past. */
export interface RetryHistory {
  /** Jobs the call has been put in so far (all runs). */
  readonly attemptsStarted: number;
  /** Restarts this run has made of it. */
  readonly restartsThisRun: number;
}

/**
 * Decides whether a failed remote call restarts. Only transient failures restart, at most
 * `maxRestarts` times per run (a later run tries again: the call is stored as retryable);
 * a `not-started` call (never run) restarts without using one. A route restarted by its
 * caller (`restartBy: "caller"`) restarts nothing here: transient failures are given back
 * as retryable.
 *
 * @param reason Why it failed.
 * @param history Attempts so far.
 * @param route The route's restart limit and who restarts.
 * @returns Restart (with the next attempt number) or give up (with why).
 *
 * @example
 * ```ts
 * import { decideRetry } from "./retry_policy.ts";
 * import assert from "node:assert/strict";
 * const h = { attemptsStarted: 1, restartsThisRun: 0 };
 * assert.deepEqual(decideRetry("timeout", h, { maxRestarts: 2 }), { action: "restart", attempt: 2 });
 * assert.deepEqual(decideRetry("exception", h, { maxRestarts: 2 }), {
 *   action: "give-up",
 *   retryState: "non-retryable",
 * });
 * assert.deepEqual(decideRetry("not-started", h, { maxRestarts: 2, restartBy: "caller" }), {
 *   action: "give-up",
 *   retryState: "max-restarts",
 * });
 * assert.deepEqual(decideRetry("timeout", { ...h, restartsThisRun: 2 }, { maxRestarts: 2 }), {
 *   action: "give-up",
 *   retryState: "max-restarts",
 * });
 * ```
 */
export function decideRetry(
  reason: FailureReason,
  history: RetryHistory,
  route: { readonly maxRestarts: number; readonly restartBy?: "runtime" | "caller" },
): RetryDecision {
  if (reason === "refused") return { action: "give-up", retryState: "refused" };
  if (!isTransient(reason)) return { action: "give-up", retryState: "non-retryable" };
  // The caller restarts (a flow's rounds): hand the failure back, still retryable.
  if (route.restartBy === "caller") return { action: "give-up", retryState: "max-restarts" };
  // Never run (an earlier call of the element ended its process): no blame, no restart used.
  if (reason === "not-started") return { action: "restart", attempt: history.attemptsStarted + 1 };
  if (history.restartsThisRun >= route.maxRestarts) {
    return { action: "give-up", retryState: "max-restarts" };
  }
  return { action: "restart", attempt: history.attemptsStarted + 1 };
}

/**
 * A remote job failed a call for a reason that is not the user's code: the error kept for
 * the call (its name is this class's) and thrown to the caller inside `StepFailedError`.
 *
 * @example
 * ```ts
 * import { JobFailedError } from "./retry_policy.ts";
 * import assert from "node:assert/strict";
 * const e = new JobFailedError({ reason: "timeout", detail: "time limit", system: "hpc", job: "dr-a-1" });
 * assert.equal(e.message, 'job dr-a-1 on hpc failed: time limit');
 * assert.equal(e.reason, "timeout");
 * ```
 */
export class JobFailedError extends Error {
  /** Why. */
  readonly reason: FailureReason;
  /** The system. */
  readonly system: string;
  /** The job name, when a job was recorded. */
  readonly job?: string;

  /**
   * Creates an instance.
   *
   * @param init Reason, detail, system, job, scheduler id.
   * @param options The underlying error.
   */
  constructor(
    init: {
      readonly reason: FailureReason;
      readonly detail: string;
      readonly system: string;
      readonly job?: string;
      readonly schedulerId?: string | null;
    },
    options?: ErrorOptions,
  ) {
    const where = init.job
      ? `job ${init.job}${init.schedulerId ? ` (${init.schedulerId})` : ""} on ${init.system}`
      : `system ${init.system}`;
    super(`${where} failed: ${init.detail}`, options);
    this.name = "JobFailedError";
    this.reason = init.reason;
    this.system = init.system;
    if (init.job !== undefined) this.job = init.job;
  }

  /** The error as the store keeps it. */
  toStored(): StoredError {
    return {
      name: this.name,
      message: this.message,
      data: { reason: this.reason, system: this.system, ...(this.job ? { job: this.job } : {}) },
    };
  }
}
