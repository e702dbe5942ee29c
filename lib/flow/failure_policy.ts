/**
 * Failure policy of flow steps: which failures are worth a restart round, when a step's
 * failures stop the run, and the state a step ends in.
 *
 * @module
 */
import { isTransient } from "../store/mod.ts";
import { StepFailedError, toStoredError } from "../step/mod.ts";
import type { ElementFailure, FlowElementState } from "./flow_array.ts";
import type { StepRunState } from "./flow_run.ts";
import type { FlowNode } from "./node.ts";

/**
 * Whether a failed call is worth another round: transient failures (timeout, out of
 * memory, node failure, ...) and user errors carrying `retryable: true`.
 *
 * @param error What the call threw.
 * @returns True when a restart may help.
 *
 * @example
 * ```ts
 * import { isRetryable } from "./failure_policy.ts";
 * import { StepFailedError } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const e = (reason: "timeout" | "exception", data = {}) =>
 *   new StepFailedError({ step: "s", key: "k", error: { name: "E", message: "m", data }, fromStore: false, reason });
 * assert.equal(isRetryable(e("timeout")), true);
 * assert.equal(isRetryable(e("exception")), false);
 * assert.equal(isRetryable(e("exception", { retryable: true })), true);
 * ```
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof StepFailedError)) return false;
  return isTransient(error.reason) || error.data.retryable === true;
}

/**
 * The failure record of an element from what its call threw.
 *
 * @param step The step.
 * @param index The element's index.
 * @param error What was thrown.
 * @returns The failure (with the call key when the error carries one).
 *
 * @example
 * ```ts
 * import { failureOf } from "./failure_policy.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(failureOf("s", [2], new RangeError("bad")), {
 *   step: "s", index: [2], error: { name: "RangeError", message: "bad" },
 * });
 * ```
 */
export function failureOf(step: string, index: readonly number[], error: unknown): ElementFailure {
  const s = toStoredError(error);
  const key = error instanceof StepFailedError ? error.key : undefined;
  return {
    step,
    index: [...index],
    ...(key ? { key } : {}),
    error: { name: s.name, message: s.message },
  };
}

/**
 * Failures without repeats (one per step and call key, or index).
 *
 * @param causes Failures.
 * @returns Each once, in first-seen order.
 *
 * @example
 * ```ts
 * import { uniqueCauses } from "./failure_policy.ts";
 * import assert from "node:assert/strict";
 * const f = { step: "s", index: [0], key: "k", error: { name: "E", message: "m" } };
 * assert.equal(uniqueCauses([f, { ...f }]).length, 1);
 * ```
 */
export function uniqueCauses(causes: Iterable<ElementFailure>): ElementFailure[] {
  const m = new Map<string, ElementFailure>();
  for (const c of causes) m.set(`${c.step}\0${c.key ?? c.index.join()}`, c);
  return [...m.values()];
}

/**
 * A step's final state from its element counts.
 *
 * @param counts Elements by state.
 * @param total All elements.
 * @returns succeeded (all ok), skipped (all skipped), failed (none ok), else partial.
 *
 * @example
 * ```ts
 * import { stateOf } from "./failure_policy.ts";
 * import assert from "node:assert/strict";
 * assert.equal(stateOf({ ok: 1, failed: 1, skipped: 0 }, 2), "partial");
 * assert.equal(stateOf({ ok: 0, failed: 1, skipped: 1 }, 2), "failed");
 * ```
 */
export function stateOf(counts: Record<FlowElementState, number>, total: number): StepRunState {
  if (counts.ok === total) return "succeeded";
  if (counts.skipped === total) return "skipped";
  if (counts.ok === 0) return "failed";
  return "partial";
}

/**
 * Whether a step's failures stop the run under its `onError` policy.
 *
 * @param node The step.
 * @param failed How many elements failed.
 * @param total How many it had.
 * @returns True for `raise` with any failure, or more than `maxFailed` (a count, or a
 * fraction of `total` when below 1).
 *
 * @example
 * ```ts
 * import { tooMany } from "./failure_policy.ts";
 * import assert from "node:assert/strict";
 * const node = (onError: "mask" | "raise" | { maxFailed: number }) =>
 *   ({ options: { onError } }) as unknown as Parameters<typeof tooMany>[0];
 * assert.equal(tooMany(node("mask"), 5, 10), false);
 * assert.equal(tooMany(node({ maxFailed: 0.1 }), 2, 10), true);
 * assert.equal(tooMany(node({ maxFailed: 2 }), 2, 10), false);
 * ```
 */
export function tooMany(node: FlowNode, failed: number, total: number): boolean {
  const p = node.options.onError ?? "mask";
  if (p === "mask") return false;
  if (p === "raise") return failed > 0;
  const limit = p.maxFailed < 1 ? p.maxFailed * total : p.maxFailed;
  return failed > limit;
}
