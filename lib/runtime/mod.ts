/**
 * The local runtime: concurrency limits, a pool of isolate worker processes, and time as
 * an injectable dependency.
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
} from "./isolate_pool.ts";
export type { IsolateRequest } from "./isolate_worker.ts";
export { frame, FrameReader, MAX_FRAME_BYTES } from "./frames.ts";
export type { RemoteCall, RemoteEvent, RemoteOutcome } from "./remote_call.ts";
export { type ObjectToStage, SystemLink, type SystemLinkOptions } from "./system_link.ts";
export { type DispatcherOptions, RemoteDispatcher } from "./dispatcher.ts";
export {
  type JobMarkers,
  pollJobs,
  type PollJobsOptions,
  type PollReport,
  readMarkers,
} from "./job_poller.ts";
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
export { BundleError, type BundleOptions, bundleStepModule, type StepBundle } from "./bundle.ts";
export { expandInputFiles, type InputFile } from "./input_files.ts";
