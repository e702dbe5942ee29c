/**
 * drover: run many calculations from plain TypeScript workflow scripts. Every step call is
 * cached by a hash of the step's code and its arguments in a project store (`.drover/`),
 * so an interrupted or edited script is simply run again: finished calls are reused and
 * only what changed is recomputed.
 *
 * A tour:
 * - {@linkcode step} defines a cached step; call it like a function.
 * - {@linkcode map} runs a step over many inputs, keeping per-element failures.
 * - {@linkcode openSession} / {@linkcode configure} choose the store and limits;
 *   by default the store is found by walking up from the working directory.
 * - {@linkcode StepFailedError} is what a failed call throws, now or on replay.
 * - {@linkcode flow} and {@linkcode mapStep} compose steps by data names and map specs.
 *
 * ```ts
 * import { map, openSession, step, useSession } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const session = openSession({ dir: `${dir}/.drover`, recordRun: false });
 * useSession(session);
 *
 * const energy = step("tour-energy", ({ r }: { r: number }) => 1 / r ** 12 - 1 / r ** 6);
 * const result = await map(energy, [1, 1.1, 1.2].map((r) => ({ r })));
 * assert.equal(result.unwrap().length, 3);
 * assert.equal(await energy({ r: 1 }), 0); // cached
 *
 * useSession(undefined);
 * await session.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export {
  type CachedCalls,
  type CallKeyInfo,
  type CallOptions,
  callRef,
  type CallSite,
  configure,
  currentSession,
  type DroverEvent,
  type EventSink,
  type InputSchema,
  type KeyParts,
  map,
  MapError,
  type MapFailure,
  type MapOptions,
  MapResult,
  openSession,
  type RefFetcher,
  remote,
  type RemoteOptions,
  resolveRefs,
  type ResolveRefsOptions,
  ResultRef,
  type ResultRefInit,
  Session,
  type SessionOptions,
  type Step,
  step,
  type StepDefinition,
  StepFailedError,
  type StepFailedErrorInit,
  type StepIdentity,
  type StepOptions,
  useSession,
} from "./lib/step/mod.ts";
export {
  type CanonicalOptions,
  type CanonicalRules,
  type ClassOf,
  decode,
  defineEncoding,
  encode,
  EncodeError,
  type EncodeErrorReason,
  type EncodeOptions,
  type EncodingDefinition,
  hashValue,
} from "./lib/codec/mod.ts";
export {
  type CallFilter,
  type CallLookup,
  type CallRecord,
  type CallSiteRecord,
  type CallState,
  type CodeCacheEntry,
  type CodeRecord,
  type FlowCounts,
  type FlowElementRow,
  type FlowLogRow,
  type FlowRunOrigin,
  type FlowRunRecord,
  type FlowRunState,
  FlowRunStore,
  type FlowStepJob,
  type FlowStepRecord,
  type FlowStepState,
  type JobCallRecord,
  type JobCallState,
  type JobFilter,
  type JobRecord,
  type JobState,
  JobStore,
  type NewFlowRun,
  type NewFlowStep,
  type NewJob,
  type ObjectEvent,
  ObjectStore,
  type ObjectStoreOptions,
  openStore,
  type OpenStoreOptions,
  ResultSets,
  type RunRecord,
  type RunStatus,
  SchemaVersionError,
  type StepEnd,
  type StepStateCount,
  Store,
  type StoredError,
  type StoredPlan,
  StoreError,
  type StoreErrorOptions,
  StoreLockedError,
} from "./lib/store/mod.ts";
export {
  type Clock,
  IsolateCrashedError,
  ManualClock,
  type RemoteEvent,
  systemClock,
} from "./lib/runtime/mod.ts";
export {
  type FramePattern,
  type RemoteInfo,
  type RemoteInfoInput,
  type ResourcesFunction,
  type ResourcesInput,
  type Route,
  type RouteInput,
  type RoutePattern,
  type RouteRule,
} from "./lib/routing/mod.ts";
export {
  type Partition,
  type Resources,
  type SchedulerName,
  type System,
} from "./lib/systems/mod.ts";
export type { FailureReason } from "./lib/scheduler/mod.ts";
export type {
  CallFailure,
  CallLedger,
  ClaimContext,
  ClaimEntry,
  ClaimLedger,
  ClaimOutcome,
  ElementObservation,
  ElementRecord,
  ElementState,
  FailureReason as CallFailureReason,
  FinishedCall,
  JobCallDecision,
  JobCallDraft,
  JobPollUpdate,
  RetryState,
} from "./lib/store/mod.ts";
export type { RemoteRouting, Router, SessionCallOptions, UnusedKey } from "./lib/step/mod.ts";
export type { RemoteInfoNote, RouteMatch, StackFrame } from "./lib/routing/mod.ts";
export type { Limiter } from "./lib/runtime/mod.ts";

export {
  type AnyStep,
  type Concurrent,
  concurrently,
  type DataValue,
  type ElementFailure,
  first,
  Flow,
  flow,
  FlowArray,
  type FlowArrayInit,
  type FlowElementOutcome,
  type FlowElementState,
  type FlowEvent,
  flowGraph,
  type FlowLogEntry,
  type FlowNode,
  type FlowNodeView,
  type FlowPart,
  type FlowRun,
  type FlowRunOptions,
  FlowRunStateError,
  type FlowRunView,
  FlowStepError,
  type FlowTarget,
  FlowWiringError,
  type GraphOptions,
  inputSamples,
  isRetryable,
  loadFlowRun,
  logLines,
  type MapAxis,
  type MapPlan,
  type MapSpec,
  MapSpecError,
  type MapSpecItem,
  mapStep,
  type NodeOptions,
  type OnError,
  parseMapSpec,
  planMap,
  type PlannedElement,
  printMapSpec,
  type ProgressRow,
  progressRows,
  type RecordOptions,
  report,
  type ReportOptions,
  type RunFlowOptions,
  safeParseMapSpec,
  type SampleRow,
  type StepLiveState,
  type StepOutcome,
  type StepRun,
  type StepRunState,
  type StepView,
  type SubmitOptions,
  type ValueTable,
} from "./lib/flow/mod.ts";
import { installScriptHooks } from "./lib/cli/script_hooks.ts";
// A script that imports drover shows progress on stderr, handles Ctrl-C and prints failed
// calls as short blocks (DROVER_PROGRESS=off for none); jobs and workers stay silent.
installScriptHooks();
// Table queues (lib/queue).
export {
  DEFAULT_IN_FLIGHT,
  DEFAULT_LEASE_MS,
  DuplicateRowError,
  type EmptyQueue,
  type FieldSpec,
  type FieldType,
  ImportError,
  type InsertOptions,
  type OnConflict,
  QueryError,
  type QueueEvent,
  type QueueReport,
  RowError,
  type RowProblem,
  type RowsOptions,
  runQueue,
  type RunQueueOptions,
  type ScoreFunction,
  type SelectOptions,
  type Table,
  table,
  type TableOptions,
  type TableSchema,
  type Task,
  task,
  type TaskCall,
  type TaskOptions,
  type TaskSetup,
  UnknownTableError,
} from "./lib/queue/mod.ts";
// The table-queue part of the store (`store.queue`: tables, tasks, items).
export {
  type ClaimContextRecord,
  type HeldItem,
  type InsertOutcome,
  type ItemEnd,
  type NewQueueRow,
  type PurgedItems,
  QueueHistoryStore,
  type QueueItemCounts,
  type QueueItemState,
  QueueItemStore,
  QueueRankStore,
  type QueueRowRecord,
  QueueStore,
  type QueueTableRecord,
  QueueTableStore,
  type QueueTaskRecord,
  type QueueTaskSettingsRecord,
  QueueTaskStore,
  type RankTerm,
  type RowConflict,
  type RowQuery,
  type TakenItem,
} from "./lib/store/mod.ts";
// Calculation jobs from YAML (lib/calcjob): `drover add jobs.yaml`.
export {
  addJobsFile,
  type AddJobsOptions,
  type AddOutcome,
  type AddPlan,
  type AddResult,
  type Batch,
  CALCJOB_TRANSITIONS,
  type CalcJobEntry,
  type CalcJobEvent,
  type CalcJobFailure,
  type CalcJobFile,
  type CalcJobFilter,
  type CalcJobRecord,
  type CalcJobState,
  CalcJobStore,
  type CodeEntry,
  combinationLabel,
  createTemplateEngine,
  type ElementEvidence,
  type ElementOutcome,
  expandMatrix,
  type JobsFile,
  JobsFileError,
  type JobsFileParse,
  type LabelConflict,
  MatrixError,
  type MatrixMode,
  type ObjectEntry,
  parseJobsFile,
  planAdd,
  type PlanAddOptions,
  planBatches,
  type PlannedCalcJob,
  type PlannedCode,
  type PlannedFile,
  safeParseJobsFile,
  scriptDirectives,
  type Template,
  type TemplateEngine,
  TemplateError,
  type UploadEntry,
} from "./lib/calcjob/mod.ts";
