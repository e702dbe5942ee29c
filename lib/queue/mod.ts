/**
 * Table queues: tables of rows in the project store, and tasks that keep a steady number of
 * step calls in flight over them, in priority order, changeable while they run.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "npm:zod@^3.25.0";
 * import { openStore } from "../store/mod.ts";
 * import { table } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const t = table("structures", z.object({ id: z.number(), nsites: z.number() }));
 * t.insert([{ id: 1, nsites: 8 }, { id: 2, nsites: 300 }], { store });
 * assert.deepEqual(t.rows({ store, where: "nsites <= 150" }).map((r) => r.id), [1]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export {
  type CompiledQuery,
  compileOrder,
  compileWhere,
  joinsFor,
  type QueryScope,
} from "./compile.ts";
export { CsvError, type CsvRecords, formatCsv, parseCsv } from "./csv.ts";
export {
  type CompareOp,
  type Expr,
  type FieldRef,
  NAME_PATTERN,
  type OrderTerm,
  parseFilter,
  parseOrder,
  QueryError,
  refsOf,
} from "./expr.ts";
export {
  checkRow,
  fieldsOf,
  type FieldSpec,
  type FieldType,
  inferFields,
  type TableSchema,
} from "./fields.ts";
export {
  type FileRows,
  formatOfPath,
  ImportError,
  readRows,
  ROW_FORMATS,
  type RowFormat,
  type RowProblem,
  writeRows,
} from "./row_files.ts";
export {
  type InsertOptions,
  RowError,
  type RowsOptions,
  type Table,
  table,
  type TableOptions,
} from "./table.ts";
export {
  defineTable,
  DuplicateRowError,
  getTable,
  insertRows,
  listTables,
  type OnConflict,
  requireTable,
  type SelectOptions,
  selectRows,
  type StoredRow,
  type TableInfo,
  tasksOver,
  UnknownTableError,
} from "./table_store.ts";
export {
  getTaskSettings,
  listTaskSettings,
  registerTask,
  scopeOf,
  setTask,
  type TaskOverride,
  type TaskRegistration,
  type TaskSettings,
  UnknownTaskError,
} from "./task_store.ts";
export {
  type Claim,
  type ClaimOptions,
  claimRows,
  expireLeases,
  finishClaim,
  finishClaims,
  ITEM_TRANSITIONS,
  type ItemOutcome,
  type ItemState,
  moveRows,
  releaseClaims,
  renewClaims,
  retryFailed,
  selectNext,
  syncItems,
} from "./claims.ts";
export {
  DEFAULT_IN_FLIGHT,
  type EmptyQueue,
  listTasks,
  lookupTask,
  type Task,
  task,
  type TaskCall,
  type TaskOptions,
  type TaskSetup,
} from "./task.ts";
export {
  DEFAULT_LEASE_MS,
  type QueueEvent,
  type QueueReport,
  runQueue,
  type RunQueueOptions,
} from "./runner.ts";
export { queueStatus, type TaskStatus } from "./status.ts";
export { type PurgeOptions, purgeQueue } from "./purge.ts";
export { Claimer, type ClaimerOptions, type RecordedOutcome } from "./claimer.ts";
export {
  isScore,
  registerScore,
  SCORE_PREFIX,
  type ScoreFunction,
  scoreFunction,
} from "./score.ts";
