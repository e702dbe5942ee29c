/**
 * Running one call of a job element (folder private): checks and decodes its inputs, runs
 * the step's function and makes its outcome record.
 *
 * @module
 */
import { sha256Hex } from "../codec/mod.ts";
import { runStepFn } from "../step/mod.ts";
import {
  type CallLogRecord,
  type Clock,
  inlineRecord,
  type JobCall,
  objectPath,
} from "../runtime/mod.ts";
import { decodeCallInputs, writeObject } from "./_element_io.ts";
import type { LoadedStep } from "./_load_step.ts";
import { resolveJobRefs } from "./resolve_refs.ts";

/**
 * Runs one call and returns its outcome record: small results go inline (the call log's
 * commit makes them durable); a larger result object is written and synced first. Throws
 * only when a file cannot be read or written.
 */
export async function runCall(
  entry: LoadedStep,
  call: JobCall,
  inputsOf: (call: JobCall) => Promise<Uint8Array>,
  ctx: { readonly runDir: string; readonly clock: Pick<Clock, "now">; readonly step: string },
): Promise<CallLogRecord> {
  const bytes = await inputsOf(call);
  if (sha256Hex(bytes) !== call.inputs) {
    throw new Error(`the inputs of call ${call.key} do not match their hash ${call.inputs}`);
  }
  const inputs = await resolveJobRefs(await decodeCallInputs(bytes, call), ctx.runDir);
  const startedAt = ctx.clock.now();
  const outcome = await runStepFn(entry.fn, inputs, ctx.step);
  const endedAt = ctx.clock.now();
  if (!outcome.ok) return { key: call.key, ok: false, error: outcome.error, startedAt, endedAt };
  const record = inlineRecord(call.key, outcome.bytes, { startedAt, endedAt });
  const inline = record.ok && record.inline !== undefined;
  // An inline result's object is a copy for readers on the system (not synced: the log
  // holds the durable one); a larger one is the only copy, synced before it is recorded.
  await writeObject(objectPath(ctx.runDir, sha256Hex(outcome.bytes)), outcome.bytes, {
    sync: !inline,
  });
  return record;
}
