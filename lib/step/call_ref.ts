/**
 * {@linkcode callRef}: run a call through the cache and get a {@linkcode ResultRef} to its
 * result instead of the value.
 *
 * @module
 */
import { validate } from "./call_input.ts";
import type { CallOptions } from "./definition.ts";
import { currentSession } from "./current.ts";
import { ResultRef, setRefFetcher } from "./result_ref.ts";
import type { Step } from "./step.ts";

setRefFetcher((ref) => currentSession().fetchResult(ref.hash));

/**
 * Calls a step through the cache like `step(inputs)`, and returns a handle on the result
 * (its call key, step, where it lives, content hash, size) rather than the value: a result
 * made (or kept) on a system is not downloaded. A call routed to that same system that
 * takes the handle as input reads the result there; any other call reads it through the
 * driver, once (then it is kept in the project store). Pass the
 * handle as an input of other calls; their keys count it by the result's content hash.
 * Read it with `await ref.fetch()`.
 *
 * @param s The step.
 * @param inputs Its named inputs.
 * @param options Per-call options.
 * @returns The handle.
 * @throws {StepFailedError} when the call failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { callRef, openSession, step, useSession } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * const session = openSession({ dir: `${dir}/.drover`, recordRun: false });
 * const previous = useSession(session);
 * const square = step("doc-ref-square", ({ x }: { x: number }) => x * x);
 * const plus = step("doc-ref-plus", ({ a, b }: { a: number; b: number }) => a + b);
 * const ref = await callRef(square, { x: 3 });
 * assert.equal(ref.system, "local");
 * assert.equal(await ref.fetch(), 9);
 * assert.equal(await plus({ a: ref.asInput(), b: 1 }), 10);
 * useSession(previous);
 * await session.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function callRef<I, O>(
  s: Step<I, O>,
  inputs: I,
  options?: CallOptions,
): Promise<ResultRef<O>> {
  const session = currentSession();
  const def = s.definition;
  // A remote result is left where it is; a local one is in the store already.
  const got = await session.call(def, inputs, { ...options, lazy: true });
  if (got instanceof ResultRef) return got as ResultRef<O>;
  const info = await session.keyOf(def, validate(def, inputs));
  const row = session.store.lookupCall(info.key);
  if (!row?.resultRef) {
    throw new Error(`Cannot make a ref to call ${info.key} (step "${def.name}"): no result`);
  }
  const location = row.location ?? "local";
  return new ResultRef<O>({
    key: info.key,
    step: def.name,
    system: location.startsWith("local") ? "local" : location,
    hash: row.resultRef,
    size: row.result?.length ?? -1,
  });
}
