/**
 * Flows: steps composed by the names of their inputs and outputs, mapped over arrays by
 * map specs, with per-element states (ok | failed | skipped).
 *
 * ```ts
 * import { parseMapSpec, printMapSpec } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const spec = parseMapSpec("V_left[a], V_right[b] -> electrostatics[a, b]");
 * assert.equal(printMapSpec(spec), "V_left[a], V_right[b] -> electrostatics[a, b]");
 * ```
 *
 * @module
 */
export {
  type MapAxis,
  type MapSpec,
  MapSpecError,
  type MapSpecItem,
  outputAxes,
  parseMapSpec,
  printMapSpec,
  safeParseMapSpec,
} from "./map_spec.ts";
export {
  type ElementFailure,
  FlowArray,
  type FlowArrayInit,
  type FlowElementState,
  type ValueTable,
} from "./flow_array.ts";
export { type MapPlan, planMap, type PlannedElement, sliceArray } from "./map_plan.ts";
export {
  type AnyStep,
  type Concurrent,
  concurrently,
  type FlowNode,
  FlowWiringError,
  mapStep,
  type NodeOptions,
  type OnError,
  stepNode,
} from "./node.ts";
export { first, Flow, flow, type FlowPart } from "./flow.ts";
export {
  type DataValue,
  type FlowElementOutcome,
  type FlowEvent,
  type FlowLogEntry,
  type FlowNodeView,
  type FlowRun,
  type FlowRunView,
  FlowStepError,
  type StepLiveState,
  type StepOutcome,
  type StepRun,
  type StepRunState,
  type StepView,
} from "./flow_run.ts";
export { FlowRecorder, recordFlowRun, type RecordOptions } from "./flow_recorder.ts";
export { type FlowRunOptions, FlowRunStateError, runRecorded } from "./recorded_run.ts";
export { FLOW_WORKER_ENV, spawnFlowWorker, submitFlow, type SubmitOptions } from "./submit.ts";
export { loadFlowRun } from "./stored_run.ts";
export { runFlow, type RunFlowOptions } from "./run.ts";
export { type FlowTarget, parseFlowTarget, routeOfNode } from "./flow_target.ts";
export { isRetryable } from "./failure_policy.ts";
export { inputSamples, type SampleRow } from "./samples.ts";
export { flowGraph, type GraphOptions } from "./graph.ts";
export { logLines, type ProgressRow, progressRows, report, type ReportOptions } from "./report.ts";
