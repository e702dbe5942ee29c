/**
 * The cache decision of one call (pure): what the store's row for its key means for a call
 * about to be made.
 *
 * @module
 */
import type { CallLookup, CallState, StoredError } from "../store/mod.ts";

/** What to do with a call, given its row. */
export type CacheDecision =
  | { readonly kind: "hit"; readonly bytes: Uint8Array }
  | { readonly kind: "fetch"; readonly resultRef: string }
  | { readonly kind: "attach" }
  | { readonly kind: "wait" }
  | { readonly kind: "rethrow"; readonly error: StoredError; readonly lookup: CallLookup }
  | { readonly kind: "run"; readonly expect: CallState | "absent" };

/** What the decision needs besides the row. */
export interface CachePolicy {
  /** Retry stored failures (the step's, the call's or the session's `retryFailed`). */
  readonly retryFailed: boolean;
  /** Whether a live job holds the call. */
  readonly inLiveJob: boolean;
  /** Whether the row's claim is dead (its owner's process is gone or its lease ran out). */
  readonly claimDead: boolean;
}

/**
 * Decides what to do with a call from its row:
 * - done with its result bytes: `hit`; done with its result only on a system: `fetch`;
 * - running in a live job: `attach`; running (claimed) by a live owner: `wait`; running
 *   with a dead claim and no job: `run` (take it over);
 * - failed: `run` again when retrying or when drover marked the failure retryable
 *   (transient, in its own column: a user error's data can never ask for it), else
 *   `rethrow`;
 * - absent: `run`.
 *
 * @param lookup The row, or undefined.
 * @param policy Retry flag, job and claim liveness.
 * @returns The decision.
 *
 * @example
 * ```ts
 * import { decideCached } from "./cache.ts";
 * import assert from "node:assert/strict";
 * const policy = { retryFailed: false, inLiveJob: false, claimDead: false };
 * assert.deepEqual(decideCached(undefined, policy), { kind: "run", expect: "absent" });
 * const failed = {
 *   state: "failed" as const, resultRef: null, result: undefined, attempts: 1, createdAt: 0,
 *   error: { name: "E", message: "m", data: { retryable: true } },
 * };
 * assert.equal(decideCached(failed, policy).kind, "rethrow"); // user data does not decide
 * const transient = { ...failed, failure: { reason: "timeout" as const, retryable: true, retryState: "max-restarts" as const } };
 * assert.deepEqual(decideCached(transient, policy), { kind: "run", expect: "failed" });
 * ```
 */
export function decideCached(lookup: CallLookup | undefined, policy: CachePolicy): CacheDecision {
  if (!lookup) return { kind: "run", expect: "absent" };
  switch (lookup.state) {
    case "done":
      if (lookup.result) return { kind: "hit", bytes: lookup.result };
      if (lookup.resultRef) return { kind: "fetch", resultRef: lookup.resultRef };
      return { kind: "run", expect: "done" };
    case "running":
      if (policy.inLiveJob) return { kind: "attach" };
      return policy.claimDead ? { kind: "run", expect: "running" } : { kind: "wait" };
    case "failed":
      if (policy.retryFailed || lookup.failure?.retryable === true || !lookup.error) {
        return { kind: "run", expect: "failed" };
      }
      return { kind: "rethrow", error: lookup.error, lookup };
  }
}
