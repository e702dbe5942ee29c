/**
 * Task settings in the store (`queue_tasks`): what the code says (`code_*`, written when a
 * runner starts) and what `drover queue set` says (`set_*`, which wins while set). Runners read
 * them at every claim, so a change takes effect at the next claim without a restart.
 *
 * @module
 */
import type { QueueTaskRecord, Store } from "../store/mod.ts";
import { compileOrder, compileWhere, type QueryScope } from "./compile.ts";
import { NAME_PATTERN } from "./expr.ts";
import { isScore } from "./score.ts";
import { requireTable } from "./table_store.ts";

/** A task's settings as the next claim will use them. */
export interface TaskSettings {
  /** Task name. */
  readonly name: string;
  /** Source table. */
  readonly source: string;
  /** Filter, if any. */
  readonly where: string | undefined;
  /** Priority, if any (else insertion order). */
  readonly priority: string | undefined;
  /** Most rows claimed at once, across all runners. */
  readonly inFlight: number;
  /** Which settings come from `queue set` rather than the code. */
  readonly overridden: readonly ("where" | "priority" | "inFlight")[];
}

/** What code registers about a task. */
export interface TaskRegistration {
  /** Task name (letters, digits, `_`). */
  readonly name: string;
  /** Source table. */
  readonly source: string;
  /** Filter. */
  readonly where?: string;
  /** Priority: an order, or `score:<hex>` for a scoring function (registerScore in score.ts). */
  readonly priority?: string;
  /** In flight. */
  readonly inFlight: number;
}

/** Changes made by `drover queue set` (null clears an override, undefined keeps it). */
export interface TaskOverride {
  /** Filter. */
  readonly where?: string | null;
  /** Priority. */
  readonly priority?: string | null;
  /** In flight. */
  readonly inFlight?: number | null;
}

/** A task that does not exist in the store. */
export class UnknownTaskError extends Error {
  /** The name asked for. */
  readonly task: string;
  /**
   * Creates an instance.
   *
   * @param task The name.
   * @param known The tasks there are.
   */
  constructor(task: string, known: readonly string[]) {
    super(
      `Cannot find task "${task}": no runner has registered it (tasks: ${
        known.join(", ") || "none"
      })`,
    );
    this.name = "UnknownTaskError";
    this.task = task;
  }
}

/**
 * Records a task's code settings (its overrides stay).
 *
 * @param store The project store.
 * @param reg The task.
 * @throws {TypeError} For a bad name or in-flight count.
 * @throws {QueryError} For a bad filter or priority.
 * @throws {UnknownTableError} When its source table does not exist.
 */
export function registerTask(store: Store, reg: TaskRegistration): void {
  if (!NAME_PATTERN.test(reg.name)) {
    throw new TypeError(
      `Cannot register task ${JSON.stringify(reg.name)}: names use letters, digits and _`,
    );
  }
  checkInFlight(reg.name, reg.inFlight);
  store.queue.transaction(() => {
    store.queue.tasks.register(reg.name, reg.source, {
      where: reg.where ?? null,
      priority: reg.priority ?? null,
      inFlight: reg.inFlight,
    });
    checkQueries(store, reg.name, reg.where, reg.priority, true);
  });
}

/**
 * Changes a task's overrides (checked against its table first).
 *
 * @param store The project store.
 * @param name The task.
 * @param change The changes.
 * @returns The settings now in force.
 * @throws {UnknownTaskError} For an unknown task.
 * @throws {QueryError} For a bad filter or priority (nothing is changed).
 */
export function setTask(store: Store, name: string, change: TaskOverride): TaskSettings {
  return store.queue.transaction(() => {
    getTaskSettings(store, name);
    if (change.inFlight != null) checkInFlight(name, change.inFlight);
    checkQueries(store, name, change.where ?? undefined, change.priority ?? undefined);
    store.queue.tasks.override(name, change);
    return getTaskSettings(store, name);
  });
}

/**
 * Reads a task's settings in force.
 *
 * @param store The project store.
 * @param name The task.
 * @returns The settings.
 * @throws {UnknownTaskError} For an unknown task.
 */
export function getTaskSettings(store: Store, name: string): TaskSettings {
  const row = store.queue.tasks.get(name);
  if (!row) throw new UnknownTaskError(name, listTaskNames(store));
  return toSettings(row);
}

/**
 * Every task's settings.
 *
 * @param store The project store.
 * @returns The tasks, by name.
 */
export function listTaskSettings(store: Store): TaskSettings[] {
  return store.queue.tasks.list().map(toSettings);
}

/**
 * The scope of a task's queries: its table's fields and the other tasks over that table.
 *
 * @param store The project store.
 * @param source The table.
 * @returns The scope.
 */
export function scopeOf(store: Store, source: string): QueryScope {
  const info = requireTable(store, source);
  return {
    table: source,
    fields: info.fields.map((f) => f.name),
    tasks: listTaskSettings(store).filter((t) => t.source === source).map((t) => t.name),
  };
}

function listTaskNames(store: Store): string[] {
  return listTaskSettings(store).map((t) => t.name);
}

function checkInFlight(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(
      `Cannot set in-flight of task "${name}": expected a whole number, 1 or more (got ${n})`,
    );
  }
}

function checkQueries(
  store: Store,
  name: string,
  where?: string,
  priority?: string,
  scoreAllowed = false,
): void {
  const scope = scopeOf(store, getTaskSettings(store, name).source);
  if (where !== undefined) compileWhere(where, scope, `the filter of task "${name}"`);
  if (priority !== undefined && !(scoreAllowed && isScore(priority))) {
    compileOrder(priority, scope, `the priority of task "${name}"`);
  }
}

/**
 * A task's settings in force from its stored record.
 *
 * @param row The record.
 * @returns The settings.
 */
export function toSettings(row: QueueTaskRecord): TaskSettings {
  const overridden: ("where" | "priority" | "inFlight")[] = [];
  if (row.set.where !== null) overridden.push("where");
  if (row.set.priority !== null) overridden.push("priority");
  if (row.set.inFlight !== null) overridden.push("inFlight");
  const text = (v: string | null): string | undefined => v === null || v === "" ? undefined : v;
  return {
    name: row.name,
    source: row.source,
    where: text(row.set.where ?? row.code.where),
    priority: text(row.set.priority ?? row.code.priority),
    inFlight: Number(row.set.inFlight ?? row.code.inFlight),
    overridden,
  };
}
