/**
 * Steps: functions of named inputs whose calls are cached by a hash of the step's code and
 * arguments, in the project store.
 *
 * ```ts
 * import { map, openSession, step, useSession } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const session = openSession({ dir: `${dir}/.drover`, recordRun: false });
 * const previous = useSession(session);
 * const add = step("mod-add", ({ a, b }: { a: number; b: number }) => a + b);
 * const r = await map(add, [{ a: 1, b: 2 }, { a: 3, b: 4 }]);
 * assert.deepEqual(r.unwrap(), [3, 7]);
 * useSession(previous);
 * await session.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export { type Step, step } from "./step.ts";
export { map, MAP_WINDOW, type MapOptions } from "./map.ts";
export { ResultCapture } from "./result_capture.ts";
export { MapError, type MapFailure, MapResult } from "./map_result.ts";
export type { CallOptions, InputSchema, StepDefinition, StepOptions } from "./definition.ts";
export { StepFailedError, type StepFailedErrorInit, toStoredError } from "./errors.ts";
export type { DroverEvent, EventSink } from "./events.ts";
export { argumentHashes, callKey, inputsHash, type KeyParts } from "./key.ts";
export {
  type CachedCalls,
  type CallKeyInfo,
  openSession,
  Session,
  type SessionCallOptions,
  type SessionOptions,
} from "./session.ts";
export {
  type RemoteRouting,
  Router,
  type RouterOptions,
  type UnusedKey,
  unusedKeys,
} from "./router.ts";
export {
  configure,
  currentSession,
  guardStepCalls,
  type ScriptHooks,
  setScriptHooks,
  useSession,
} from "./current.ts";
export { listSteps, lookupStep, type RegisteredStep } from "./registry.ts";
export { type CallOutcome, runStepFn } from "./run_step.ts";
export { callerSite, type CallSite, parseStackFrame } from "../routing/mod.ts";
export { type CodeIdentity, CodeIdentityError, computeCodeIdentity } from "./code_identity.ts";
export { resolveIdentity, type StepIdentity } from "./identity_cache.ts";
export { currentLabel, remote } from "./remote_label.ts";
export type { RemoteOptions } from "./session.ts";
export { callRef } from "./call_ref.ts";
export {
  hasRefs,
  type RefFetcher,
  resolveRefs,
  type ResolveRefsOptions,
  ResultRef,
  type ResultRefInit,
  setRefFetcher,
} from "./result_ref.ts";
