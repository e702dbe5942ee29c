/**
 * Reports for people: a run's progress from drover's event stream (a live block on a
 * terminal, one-line events in logs), what Ctrl-C does, and failures as short blocks with
 * the user's own frames (remote ones mapped back through the bundle's source map).
 * Everything here is pure: text goes to an injected writer, time comes from an injected
 * clock.
 *
 * ```ts
 * import { formatFailure, ProgressReporter } from "./mod.ts";
 * import assert from "node:assert/strict";
 * let out = "", now = 0;
 * const progress = new ProgressReporter({
 *   mode: "plain", write: (t) => out += t, clock: { now: () => now },
 * });
 * progress.onEvent({ type: "call-start", step: "relax", key: "k1", location: "local" });
 * now = 1500;
 * progress.onEvent({
 *   type: "call-failed", step: "relax", key: "k1", location: "local", error: "RangeError: no",
 * });
 * progress.finish();
 * assert.match(out, /relax failed: RangeError: no/);
 * assert.match(out, /done in 1s: 0 ran, 0 cached, 1 failed, 0 jobs/);
 * assert.match(
 *   formatFailure({ step: "relax", key: "k1", name: "RangeError", message: "no" }, {
 *     droverRoot: "/opt/drover",
 *   }),
 *   /drover calls show k1/,
 * );
 * ```
 *
 * @module
 */
export type { ProgressEvent } from "./events.ts";
export {
  type FailureSeen,
  type JobProgress,
  type Notice,
  ProgressState,
  type RunSummary,
  type StepProgress,
} from "./progress_state.ts";
export {
  type BlockOptions,
  describeEvent,
  renderBlock,
  renderSummary,
  stepPhrase,
} from "./progress_render.ts";
export {
  type NowClock,
  type ProgressMode,
  type ProgressOptions,
  ProgressReporter,
  type TextWriter,
} from "./progress_reporter.ts";
export { progressFromEnv, type ProgressFromEnvOptions, progressMode } from "./progress_from_env.ts";
export { interruptMessage, type InterruptOptions, InterruptPolicy } from "./interrupt_policy.ts";
export {
  framePath,
  isUserFrame,
  parseFrame,
  type StackFrame,
  userFrames,
  type UserFramesOptions,
  userStack,
} from "./stack_frames.ts";
export {
  decodeVlq,
  type OriginalPosition,
  rebaseSourceMap,
  SourceMapIndex,
  type SourceMapV3,
} from "./source_map.ts";
export { mapBundleStack, type MapBundleStackOptions } from "./map_bundle_stack.ts";
export { realignPosition } from "./realign_position.ts";
export {
  type FailureFormatOptions,
  type FailureLike,
  formatFailure,
  formatMapFailure,
  formatUncaught,
  type MapFailureLike,
} from "./failure_block.ts";
