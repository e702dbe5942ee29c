/**
 * The runtime: the remote job runtime ({@linkcode RemoteRuntime}: batch, plan, submit,
 * poll, decide, restart; one retry policy; one job-directory layout), and the local pieces
 * (concurrency limits, a pool of isolate worker processes, time as an injectable
 * dependency). It imports nothing from the step layer. `DROVER_CRASH_AT` is a test hook:
 * it kills the process at a named crash point (see `_crash.ts`).
 *
 * ```ts
 * import { Limiter, ManualClock } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const clock = new ManualClock(0);
 * await clock.sleep(10);
 * assert.equal(clock.now(), 10);
 * assert.equal(await new Limiter(1).run(() => 5), 5);
 * ```
 *
 * @module
 */
export { type Clock, ManualClock, systemClock } from "./clock.ts";
export { Limiter } from "./limiter.ts";
export {
  IsolateCrashedError,
  IsolatePool,
  type IsolatePoolOptions,
  type IsolateReply,
  type IsolateRequest,
} from "./isolate_pool.ts";
export { frame, FrameReader, MAX_FRAME_BYTES } from "./frames.ts";
export {
  type CallLog,
  type CallLogRecord,
  decodeInputPack,
  elementInputPacks,
  encodeCallLog,
  encodeInputPack,
  INLINE_RESULT_BYTES,
  inlineRecord,
  inlineResult,
  outcomesByKey,
  parseCallLog,
} from "./element_files.ts";
export type { RemoteCall, RemoteEvent, RemoteOutcome } from "./remote_call.ts";
export { type ObjectToStage, SystemLink, type SystemLinkOptions } from "./system_link.ts";
export {
  SharedStatus,
  type SharedStatusOptions,
  systemIdentity,
  userSharedStatus,
} from "./shared_status.ts";
export {
  STATE_DIR_ENV,
  type StatusSnapshot,
  TURN_LEASE_MS,
  UserPolls,
  userStateDir,
} from "./user_polls.ts";
export {
  type RemoteRunOptions,
  RemoteRuntime,
  type RemoteRuntimeOptions,
} from "./remote_runtime.ts";
export { type PollReport, pollSystem, type PollSystemOptions } from "./poller.ts";
export { type JobMarkers, observe, type PollObservation, readMarkers } from "./observe.ts";
export {
  decideElements,
  type ElementDecisions,
  type ElementEvidence,
} from "./element_decisions.ts";
export {
  decideRetry,
  JobFailedError,
  type RetryDecision,
  type RetryHistory,
} from "./retry_policy.ts";
export { type JobPlan, type JobPlanResult, parseJobPlan, safeParseJobPlan } from "./job_plan.ts";
export {
  type ArrayLimits,
  jobName,
  jobResources,
  packElements,
  planArrays,
} from "./job_planner.ts";
export {
  bundleCommand,
  type JobDirLayout,
  jobDirLayout,
  jobEnv,
  type JobLayout,
  jobLayout,
  markerListingScript,
  WARM_ONLY_VARIABLE,
  warmUpCommand,
  wrapperBody,
} from "./job_layout.ts";
export { stageAndSubmit, type StageOptions, type SubmitResult } from "./submitter.ts";
export { Batcher } from "./batcher.ts";
export {
  REMOTE_CALL_PHASES,
  type RemoteCallEvent,
  type RemoteCallPhase,
  transition,
} from "./call_machine.ts";
export {
  type CallOutcomeMarker,
  exitMarkerPath,
  JOB_DIR_VARIABLE,
  type JobCall,
  jobDir,
  JobFileError,
  type JobManifest,
  jobStoreDir,
  logPath,
  MANIFEST_FORMAT,
  manifestPath,
  objectPath,
  outcomeMarkerPath,
  parseExitMarker,
  parseManifest,
  parseOutcomeMarker,
  parseStartedMarker,
  RUNDIR_VARIABLE,
  RUNNER_FAILED_EXIT_CODE,
  safeParseManifest,
  safeParseOutcomeMarker,
  type StartedMarker,
  startedMarkerPath,
} from "./job_files.ts";
export {
  BundleError,
  type BundleOptions,
  bundleSourceMapFile,
  bundleStepModule,
  findDenoConfig,
  type StepBundle,
} from "./bundle.ts";
export { expandInputFiles, type InputFile } from "./input_files.ts";
