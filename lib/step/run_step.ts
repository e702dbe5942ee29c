/**
 * Running a step's function once and encoding its result: the one place that turns what a
 * step returned or threw into an outcome (used in the driver, in isolate workers and in
 * job elements alike).
 *
 * @module
 */
import { encode } from "../codec/mod.ts";
import type { StoredError } from "../store/mod.ts";
import { toStoredError } from "./errors.ts";

/** What one run of a step's function came to. */
export type CallOutcome =
  | { readonly ok: true; readonly value: unknown; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly error: StoredError; readonly cause: unknown };

/**
 * Runs a step's function and encodes the result. A result that cannot be encoded is an
 * error outcome of the call, like an exception.
 *
 * @param fn The step's function.
 * @param inputs Its inputs.
 * @param step The step's name, for messages.
 * @returns The outcome.
 *
 * @example
 * ```ts
 * import { runStepFn } from "./run_step.ts";
 * import assert from "node:assert/strict";
 * const ok = await runStepFn(({ x }: { x: number }) => x + 1, { x: 1 }, "inc");
 * assert.equal(ok.ok && ok.value, 2);
 * const bad = await runStepFn(() => () => 1, {}, "fn");
 * assert.equal(!bad.ok && bad.error.message.startsWith('Cannot store the result of step "fn"'), true);
 * ```
 */
export async function runStepFn<I>(
  fn: (inputs: I) => unknown,
  inputs: I,
  step: string,
): Promise<CallOutcome> {
  let value: unknown;
  try {
    value = await fn(inputs);
  } catch (cause) {
    return { ok: false, error: toStoredError(cause), cause };
  }
  try {
    return { ok: true, value, bytes: encode(value, { root: "result" }) };
  } catch (cause) {
    const error = toStoredError(cause);
    return {
      ok: false,
      error: { ...error, message: `Cannot store the result of step "${step}": ${error.message}` },
      cause,
    };
  }
}
