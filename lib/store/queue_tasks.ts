/**
 * Table-queue tasks in the store (`queue_tasks`): what the code says (`code_*`, written when a
 * runner starts), what `drover queue set` says (`set_*`, winning while set), how far the task's
 * items follow its table (`synced_seq`) and which priority its ranks follow (`ranked_by`).
 *
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import type { SqlRow, Statements } from "./_statements.ts";

/** A task's row. */
export interface QueueTaskRecord {
  /** Task name. */
  readonly name: string;
  /** Source table. */
  readonly source: string;
  /** The code's filter, priority and in-flight cap. */
  readonly code: QueueTaskSettingsRecord;
  /** What `queue set` changed (null: not set). */
  readonly set: QueueTaskSettingsRecord;
  /** The highest source row the task has items for. */
  readonly syncedSeq: number;
  /** The priority its items' ranks follow (null: not ranked). */
  readonly rankedBy: string | null;
}

/** Filter, priority and in-flight cap of one origin (code or `queue set`). */
export interface QueueTaskSettingsRecord {
  /** Filter. */
  readonly where: string | null;
  /** Priority. */
  readonly priority: string | null;
  /** In flight. */
  readonly inFlight: number | null;
}

/**
 * The table-queue tasks; use `store.queue.tasks`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const tasks = store.queue.tasks;
 * tasks.register("w", "t", { where: null, priority: "n ASC", inFlight: 2 });
 * tasks.override("w", { inFlight: 5 });
 * assert.deepEqual([tasks.get("w")!.code.inFlight, tasks.get("w")!.set.inFlight], [2, 5]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class QueueTaskStore {
  readonly #s: Statements;

  /**
   * Use `store.queue.tasks`.
   *
   * @param statements The store's statements.
   */
  constructor(statements: Statements) {
    this.#s = statements;
  }

  /**
   * Records a task's code settings (its overrides stay).
   *
   * @param name Task name.
   * @param source Source table.
   * @param code Its settings in code.
   */
  register(name: string, source: string, code: QueueTaskSettingsRecord): void {
    this.#s.run(
      `INSERT INTO queue_tasks (name, source, code_where, code_priority, code_in_flight, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET source = excluded.source, code_where = excluded.code_where,
         code_priority = excluded.code_priority, code_in_flight = excluded.code_in_flight,
         updated_at = excluded.updated_at`,
      name,
      source,
      code.where,
      code.priority,
      code.inFlight,
      Date.now(),
    );
  }

  /**
   * Changes a task's overrides: a value sets it, null clears it, undefined keeps it.
   *
   * @param name Task name.
   * @param change The changes.
   * @returns Whether the task exists.
   */
  override(name: string, change: Partial<QueueTaskSettingsRecord>): boolean {
    const sets: string[] = [];
    const params: SQLInputValue[] = [];
    for (
      const [column, value] of [
        ["set_where", change.where],
        ["set_priority", change.priority],
        ["set_in_flight", change.inFlight],
      ] as const
    ) {
      if (value === undefined) continue;
      sets.push(`${column} = ?`);
      params.push(value);
    }
    return this.#s.run(
      `UPDATE queue_tasks SET ${[...sets, "updated_at = ?"].join(", ")} WHERE name = ?`,
      ...params,
      Date.now(),
      name,
    ) === 1;
  }

  /**
   * Reads a task.
   *
   * @param name Task name.
   * @returns It, or undefined.
   */
  get(name: string): QueueTaskRecord | undefined {
    const row = this.#s.one("SELECT * FROM queue_tasks WHERE name = ?", name);
    return row ? toTaskRecord(row) : undefined;
  }

  /**
   * Every task.
   *
   * @returns The tasks, by name.
   */
  list(): QueueTaskRecord[] {
    return this.#s.all("SELECT * FROM queue_tasks ORDER BY name").map(toTaskRecord);
  }

  /**
   * The tasks reading a table.
   *
   * @param table Table name.
   * @returns Their names, sorted.
   */
  namesOver(table: string): string[] {
    return this.#s.all("SELECT name FROM queue_tasks WHERE source = ? ORDER BY name", table)
      .map((r) => String(r.name));
  }
}

/**
 * A task's record from its `queue_tasks` row.
 *
 * @param row The row.
 * @returns The record.
 */
export function toTaskRecord(row: SqlRow): QueueTaskRecord {
  const text = (v: SQLInputValue): string | null => v == null ? null : String(v);
  const num = (v: SQLInputValue): number | null => v == null ? null : Number(v);
  return {
    name: String(row.name),
    source: String(row.source),
    code: {
      where: text(row.code_where),
      priority: text(row.code_priority),
      inFlight: num(row.code_in_flight),
    },
    set: {
      where: text(row.set_where),
      priority: text(row.set_priority),
      inFlight: num(row.set_in_flight),
    },
    syncedSeq: Number(row.synced_seq),
    rankedBy: text(row.ranked_by),
  };
}
