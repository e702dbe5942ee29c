/**
 * The cache decision of one call (pure): what the store's row for its key means for a call
 * about to be made.
 *
 * @module
 */
import type { CallLookup, CallState, Store, StoredError } from "../store/mod.ts";
import type { CallWriter } from "./call_writer.ts";
import { type KeyParts, legacyCallKey } from "./key.ts";

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

/**
 * A call's row: the one waiting for its group commit in this process, else the store's.
 *
 * @param store The store.
 * @param writer The session's group commit.
 * @param key The call key.
 * @returns The row, or undefined.
 */
export function lookupWithPending(
  store: Store,
  writer: CallWriter,
  key: string,
): CallLookup | undefined {
  const pending = writer.get(key);
  if (!pending) return store.lookupCall(key);
  const r = pending.record;
  return {
    state: r.state,
    resultRef: r.resultRef,
    result: pending.result,
    error: r.error,
    attempts: r.attempts,
    createdAt: r.createdAt,
    failure: r.failure ?? null,
  };
}

/**
 * A result recorded under the call's key as drover computed it before hashing followed
 * RFC 8949 (`drover-v1` rules): stores made by earlier versions keep their cache. Only
 * asked on a miss, and only when the two keys differ (floats, bigints, dates in the inputs).
 *
 * @param store The store.
 * @param parts The key's step, code hash and version.
 * @param inputs The call's inputs.
 * @param ignore Argument names left out of the key.
 * @returns The result bytes, or undefined.
 */
export function legacyHit(
  store: Store,
  parts: Omit<KeyParts, "argsHash"> & { readonly key: string },
  inputs: Readonly<Record<string, unknown>>,
  ignore: ReadonlySet<string>,
): Uint8Array | undefined {
  const legacy = legacyCallKey(parts, inputs, { ignore });
  if (legacy === parts.key) return undefined;
  const old = store.lookupCall(legacy);
  return old?.state === "done" ? old.result : undefined;
}
