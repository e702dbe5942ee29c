/**
 * Table-queue ranks in the store: which items a task has (one per source row, made as rows
 * come, each ranked by the task's priority as it is made), the materialised rank of a priority
 * (rewritten by one statement when the priority changes), promoted and demoted rows, and the
 * next rows in that order.
 *
 * @module
 */
import type { Statements } from "./_statements.ts";
import { type QueueRowRecord, type RowQuery, toRow } from "./queue_tables.ts";

/**
 * The index claims read pending items by (schema v5). A re-rank of every item of a task drops
 * it and builds it again in one sorted pass: 100,000 rank changes in place cost twice as much.
 */
const NEXT_INDEX = `CREATE INDEX IF NOT EXISTS queue_items_next
  ON queue_items(task, boost DESC, rank, row_seq) WHERE state = 'pending'`;

/**
 * The items of table-queue tasks and their order; use `store.queue.ranks`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const { tables, tasks, ranks } = store.queue;
 * tables.define("t", "[]", null);
 * tables.insert("t", [{ key: undefined, data: '{"n":1}' }, { key: undefined, data: '{"n":2}' }]);
 * tasks.register("w", "t", { where: null, priority: null, inFlight: 1 });
 * assert.equal(ranks.sync("w", "t", "-json_extract(r.data, '$.n')"), 2);
 * assert.deepEqual(ranks.next("w", {}, 2).map((r) => r.key), ["2", "1"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class QueueRankStore {
  readonly #s: Statements;

  /**
   * Use `store.queue.ranks`.
   *
   * @param statements The store's statements.
   */
  constructor(statements: Statements) {
    this.#s = statements;
  }

  /**
   * Brings a task's items up to date with its source table: one pending item per new row, its
   * rank computed by `rank` (an SQL expression over the row `r`; default 0, insertion order).
   *
   * @param task The task.
   * @param source Its table.
   * @param rank The rank of a new item.
   * @returns How many items were added.
   */
  sync(task: string, source: string, rank = "0"): number {
    return this.#s.tx(() => {
      const from = Number(
        this.#s.one("SELECT synced_seq FROM queue_tasks WHERE name = ?", task)?.synced_seq ?? 0,
      );
      const top = Number(
        this.#s.one("SELECT COALESCE(MAX(seq), 0) AS m FROM queue_rows WHERE tbl = ?", source)!.m,
      );
      if (top <= from) return 0;
      const added = this.#s.run(
        `INSERT OR IGNORE INTO queue_items (task, row_seq, state, rank)
         SELECT ?, r.seq, 'pending', ${rank} FROM queue_rows r
         WHERE r.tbl = ? AND r.seq > ? AND r.seq <= ?`,
        task,
        source,
        from,
        top,
      );
      this.#s.run("UPDATE queue_tasks SET synced_seq = ? WHERE name = ?", top, task);
      return added;
    });
  }

  /**
   * The next pending rows of a task: promoted first, then by `query.order` (default: the
   * materialised rank), then by position.
   *
   * @param task The task.
   * @param query The compiled filter and order over `queue_rows r` and its joins.
   * @param limit How many.
   * @returns The rows.
   */
  next(task: string, query: RowQuery, limit: number): QueueRowRecord[] {
    return this.#s.all(
      `SELECT r.seq, r.key, r.data FROM queue_items i JOIN queue_rows r ON r.seq = i.row_seq${
        query.joins ?? ""
      }
       WHERE i.task = ? AND i.state = 'pending'${query.where ? ` AND ${query.where}` : ""}
       ORDER BY i.boost DESC, ${query.order ?? "i.rank"}, i.row_seq LIMIT ?`,
      task,
      ...(query.params ?? []),
      limit,
    ).map(toRow);
  }

  /**
   * The priority a task's ranks follow.
   *
   * @param task The task.
   * @returns It, or null when they follow none (new rows came, or never ranked).
   */
  rankedBy(task: string): string | null {
    const v = this.#s.one("SELECT ranked_by FROM queue_tasks WHERE name = ?", task)?.ranked_by;
    return v == null ? null : String(v);
  }

  /**
   * Materialises a priority into the rank of every unfinished item of a task (one statement)
   * and records which priority it is.
   *
   * @param task The task.
   * @param rank The rank: an SQL expression over the row `r`.
   * @param rankedBy What to record as the ranks' origin.
   */
  rerank(task: string, rank: string, rankedBy: string): void {
    this.#s.tx(() => {
      // Most of the index changes: build it again in one sorted pass.
      const rebuild = this.#rerankRebuilds(task);
      if (rebuild) this.#s.run("DROP INDEX IF EXISTS queue_items_next");
      this.#s.run(
        `UPDATE queue_items SET rank = (SELECT ${rank} FROM queue_rows r WHERE r.seq = row_seq)
         WHERE task = ? AND state != 'done'`,
        task,
      );
      if (rebuild) this.#s.run(NEXT_INDEX);
      this.#s.run("UPDATE queue_tasks SET ranked_by = ? WHERE name = ?", rankedBy, task);
    });
  }

  /**
   * Whether a re-rank of a task rewrites enough of the pending index (over 5,000 entries and
   * at least half of it) that building it again is cheaper than changing it in place.
   */
  #rerankRebuilds(task: string): boolean {
    const mine = Number(
      this.#s.one(
        "SELECT COUNT(*) AS n FROM queue_items WHERE task = ? AND state = 'pending'",
        task,
      )!.n,
    );
    if (mine <= 5_000) return false;
    const all = Number(
      this.#s.one("SELECT COUNT(*) AS n FROM queue_items WHERE state = 'pending'")!.n,
    );
    return mine * 2 >= all;
  }

  /**
   * Ranks the pending items of a task that have no rank yet (`'unscored'`: rows a process
   * without the task's scoring function made items).
   *
   * @param task The task.
   * @param rank The rank: an SQL expression over the row `r`.
   * @returns How many were ranked.
   */
  rankUnranked(task: string, rank: string): number {
    return this.#s.run(
      `UPDATE queue_items SET rank = (SELECT ${rank} FROM queue_rows r WHERE r.seq = row_seq)
       WHERE task = ? AND state = 'pending' AND boost = 0 AND rank = 'unscored'`,
      task,
    );
  }

  /**
   * Moves rows ahead of (`promote`) or behind (`demote`) every other row of a task.
   *
   * @param task The task.
   * @param source Its table.
   * @param keys Row keys.
   * @param how `promote` or `demote`.
   * @returns The keys found.
   */
  boost(
    task: string,
    source: string,
    keys: readonly string[],
    how: "promote" | "demote",
  ): string[] {
    return this.#s.tx(() => {
      const edge = Number(
        this.#s.one(
          `SELECT COALESCE(${
            how === "promote" ? "MAX" : "MIN"
          }(boost), 0) AS b FROM queue_items WHERE task = ?`,
          task,
        )!.b,
      );
      const boost = how === "promote" ? edge + 1 : edge - 1;
      return keys.filter((k) =>
        this.#s.run(
          `UPDATE queue_items SET boost = ? WHERE task = ? AND row_seq =
             (SELECT seq FROM queue_rows WHERE tbl = ? AND key = ?)`,
          boost,
          task,
          source,
          k,
        ) === 1
      );
    });
  }
}
