/**
 * Errors of cached step calls.
 *
 * @module
 */
import type { FailureReason, RetryState, StoredError } from "../store/mod.ts";

/** Data carried by a {@linkcode StepFailedError}. */
export interface StepFailedErrorInit {
  /** The step's name. */
  readonly step: string;
  /** The call key. */
  readonly key: string;
  /** The error as stored. */
  readonly error: StoredError;
  /** True when the error was read back from the store (an earlier run) rather than thrown now. */
  readonly fromStore: boolean;
  /** The live error object, when thrown in this process. */
  readonly cause?: unknown;
  /** Why it failed (default: `exception`, the step threw). */
  readonly reason?: FailureReason;
  /** Why drover stopped trying (default: `non-retryable`). */
  readonly retryState?: RetryState;
  /** A one-line preview of the call's inputs (`preview(inputs)`), for failure messages. */
  readonly inputPreview?: string;
}

/**
 * A step call failed with an exception in user code. The error keeps the original error's
 * `name` and `message` (so it prints like the original), and carries the step, the call
 * key, the original stack and data fields. It is thrown the same way whether the failure
 * happened now or in an earlier run (then `fromStore` is true); `retryFailed` re-runs it.
 *
 * @example
 * ```ts
 * import { StepFailedError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new StepFailedError({
 *   step: "relax",
 *   key: "ab12",
 *   error: { name: "RangeError", message: "fmax too small" },
 *   fromStore: true,
 * });
 * assert.equal(e.name, "RangeError");
 * assert.equal(e.message, "fmax too small");
 * assert.ok(e instanceof StepFailedError);
 * ```
 */
export class StepFailedError extends Error {
  /** The step's name. */
  readonly step: string;
  /** The call key. */
  readonly key: string;
  /** The original error's class name. */
  readonly originalName: string;
  /** The original stack, when known. */
  readonly originalStack: string | undefined;
  /** The original error's own data fields (JSON-safe). */
  readonly data: Readonly<Record<string, unknown>>;
  /** Whether the failure was read from the store rather than thrown in this run. */
  readonly fromStore: boolean;
  /** A one-line preview of the call's inputs, when the thrower gave one. */
  readonly inputPreview: string | undefined;
  /**
   * Why it failed: `exception` when the step threw; for remote calls also `timeout`,
   * `out-of-memory`, `node-failure`, `lost`, `refused`, ... (see `FailureReason`).
   */
  readonly reason: FailureReason;
  /** Why drover stopped trying: not retryable, restarts used up, or refused. */
  readonly retryState: RetryState;
  /**
   * Creates an instance.
   *
   * @param init What failed and how.
   */
  constructor(init: StepFailedErrorInit) {
    super(init.error.message, { cause: init.cause });
    this.name = init.error.name;
    this.step = init.step;
    this.key = init.key;
    this.originalName = init.error.name;
    this.originalStack = init.error.stack;
    this.data = init.error.data ?? {};
    this.fromStore = init.fromStore;
    this.reason = init.reason ?? "exception";
    this.retryState = init.retryState ?? "non-retryable";
    this.inputPreview = init.inputPreview;
    if (init.error.stack) this.stack = init.error.stack;
  }
}

/**
 * Turns anything thrown into the stored form: name, message, stack, and the error's own
 * enumerable fields that survive JSON.
 *
 * @param thrown What was thrown.
 * @returns The stored form.
 *
 * @example
 * ```ts
 * import { toStoredError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = Object.assign(new RangeError("bad"), { atom: 3 });
 * const s = toStoredError(e);
 * assert.equal(s.name, "RangeError");
 * assert.deepEqual(s.data, { atom: 3 });
 * assert.equal(toStoredError("plain").message, "plain");
 * ```
 */
export function toStoredError(thrown: unknown): StoredError {
  if (thrown instanceof StepFailedError) {
    return {
      name: thrown.originalName,
      message: thrown.message,
      stack: thrown.originalStack,
      data: thrown.data,
    };
  }
  if (thrown instanceof Error) {
    const data: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(thrown)) {
      if (k === "name" || k === "message" || k === "stack" || k === "cause") continue;
      try {
        const json = JSON.stringify(v);
        if (json !== undefined) data[k] = JSON.parse(json);
      } catch {
        data[k] = String(v);
      }
    }
    return {
      name: thrown.name,
      message: thrown.message,
      stack: thrown.stack,
      ...(Object.keys(data).length ? { data } : {}),
    };
  }
  return { name: "Error", message: typeof thrown === "string" ? thrown : String(thrown) };
}
