/**
 * Whether a failed calcjob runs again: decided by the class of its failure (from
 * {@linkcode classifyElement}), never by a message. Transient failures (the node failed,
 * the job was preempted, the scheduler lost it) are retried up to a limit; persistent ones
 * (an exit code, a timeout, out of memory, a cancellation) are not: they would end the same
 * way again, or someone meant them.
 *
 * @module
 */
import type { CalcJobFailure } from "./classify_element.ts";

/** Retries after transient failures when neither the calcjob nor its code sets `retries`. */
export const DEFAULT_RETRIES = 2;

/** Which failures are transient (retried) and which persistent. */
export const TRANSIENT_FAILURES: Readonly<Record<CalcJobFailure, boolean>> = {
  "node-failure": true,
  preempted: true,
  lost: true,
  "exit-code": false,
  timeout: false,
  "out-of-memory": false,
  cancelled: false,
};

/** What happens to a failed calcjob. */
export type RetryDecision =
  | {
    readonly action: "retry";
    /** Which retry this is (1 for the first). */
    readonly retry: number;
    /** The limit. */
    readonly of: number;
  }
  | {
    readonly action: "fail";
    /** `persistent` failure, or a transient one with `exhausted` retries. */
    readonly why: "persistent" | "exhausted";
  };

/**
 * Decides whether a failed calcjob is retried.
 *
 * @param reason Its failure's class.
 * @param attempts Arrays it was in so far (1 after its first).
 * @param maxRetries Its limit (the jobs file's, else the run's default).
 * @returns Retry (which one, of how many) or fail (why).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decideRetry } from "./retry_decision.ts";
 * assert.deepEqual(decideRetry("node-failure", 1, 2), { action: "retry", retry: 1, of: 2 });
 * assert.deepEqual(decideRetry("node-failure", 3, 2), { action: "fail", why: "exhausted" });
 * assert.deepEqual(decideRetry("timeout", 1, 2), { action: "fail", why: "persistent" });
 * ```
 */
export function decideRetry(
  reason: CalcJobFailure,
  attempts: number,
  maxRetries: number,
): RetryDecision {
  if (!TRANSIENT_FAILURES[reason]) return { action: "fail", why: "persistent" };
  const used = Math.max(0, attempts - 1);
  if (used >= maxRetries) return { action: "fail", why: "exhausted" };
  return { action: "retry", retry: used + 1, of: maxRetries };
}
