/**
 * The project store: `.drover/drover.db` (SQLite through Deno's built-in `node:sqlite`,
 * versioned schema, WAL, every state change in a transaction) and content-addressed
 * objects (small ones inline, large ones as verified files).
 *
 * ```ts
 * import { openStore } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ cwd: dir });
 * const ref = store.objects.put(new TextEncoder().encode("hello"));
 * assert.equal(new TextDecoder().decode(store.objects.get(ref)), "hello");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export { openStore, Store } from "./store.ts";
export {
  FilterError,
  hasStatementBreak,
  parseWhereClause,
  queryWithFilter,
  safeParseWhereClause,
  type WhereParseResult,
} from "./filter.ts";
export type { CallFilter, CallLookup, OpenStoreOptions, StepStateCount } from "./store.ts";
export { RunStore } from "./runs.ts";
export { type CodeCacheEntry, type CodeRecord, CodeStore } from "./code_records.ts";
export { INLINE_LIMIT_BYTES, ObjectStore } from "./objects.ts";
export {
  collectGarbage,
  GC_GRACE_MS,
  type GcOptions,
  type GcPlan,
  objectsSize,
  planGc,
} from "./object_gc.ts";
export type { ObjectEvent, ObjectStoreOptions } from "./objects.ts";
export {
  countCallsByRun,
  countCallsByVersion,
  type RunCallCounts,
  stepDurations,
  type VersionStateCount,
} from "./call_stats.ts";
export { forgetStaged, type StagedObject, stagedScratch } from "./scratch.ts";
export { findProjectDir, STORE_DIR_NAME } from "./project.ts";
export type { FindProjectOptions } from "./project.ts";
export { SchemaMarkerError, SchemaVersionError, StoreError, StoreLockedError } from "./errors.ts";
export type { StoreErrorOptions } from "./errors.ts";
export { CALL_STATES, CALL_TRANSITIONS, canTransition, FAILURE_REASONS } from "./records.ts";
export type {
  CallFailure,
  CallRecord,
  CallState,
  CallStateOrAbsent,
  FailureReason,
  RetryState,
  RunRecord,
  RunStatus,
  StoredError,
} from "./records.ts";
export { CallLedger, isTransient } from "./ledger.ts";
export { ClaimLedger, newOwnerId } from "./claim_ledger.ts";
export { ELEMENT_TRANSITIONS } from "./ledger_types.ts";
export type {
  ClaimContext,
  ClaimEntry,
  ClaimOutcome,
  ElementObservation,
  ElementRecord,
  ElementState,
  FinishedCall,
  JobCallDecision,
  JobCallDraft,
  JobPollUpdate,
} from "./ledger_types.ts";
export { SCHEMA_VERSION } from "./schema.ts";
export { FlowRunStore } from "./flow_runs.ts";
export { FLOW_RUN_TRANSITIONS } from "./flow_run_types.ts";
export type {
  FlowCounts,
  FlowElementRow,
  FlowLogRow,
  FlowRunOrigin,
  FlowRunRecord,
  FlowRunState,
  FlowStepJob,
  FlowStepRecord,
  FlowStepState,
  NewFlowRun,
  NewFlowStep,
  StepEnd,
  StoredPlan,
} from "./flow_run_types.ts";
export { QueueStore, type RankTerm } from "./queue_store.ts";
export { MAX_RESULT_SET_BYTES, MIN_RESULT_SET, ResultSets } from "./result_sets.ts";
export {
  type InsertOutcome,
  type NewQueueRow,
  type QueueRowRecord,
  type QueueTableRecord,
  QueueTableStore,
  type RowConflict,
  type RowQuery,
} from "./queue_tables.ts";
export {
  type QueueTaskRecord,
  type QueueTaskSettingsRecord,
  QueueTaskStore,
} from "./queue_tasks.ts";
export {
  type ClaimContextRecord,
  type HeldItem,
  type ItemEnd,
  type QueueItemState,
  QueueItemStore,
  type TakenItem,
} from "./queue_items.ts";
export { QueueRankStore } from "./queue_ranks.ts";
export { type PurgedItems, QueueHistoryStore, type QueueItemCounts } from "./queue_history.ts";
export { JOB_CALL_TRANSITIONS, JOB_STATES, JOB_TRANSITIONS, JobStore } from "./jobs.ts";
export type {
  CallSiteRecord,
  JobCallRecord,
  JobCallState,
  JobFilter,
  JobRecord,
  JobState,
  NewJob,
} from "./jobs.ts";
