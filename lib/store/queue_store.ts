/**
 * The table-queue part of the store, `store.queue`: its tables and rows, its tasks and their
 * items (claims). lib/queue holds the rules and the query language; the SQL is here.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { RANK_KEY_FUNCTION, rankKey } from "./_rank_key.ts";
import { Statements } from "./_statements.ts";
import { QueueHistoryStore } from "./queue_history.ts";
import { QueueItemStore } from "./queue_items.ts";
import { QueueRankStore } from "./queue_ranks.ts";
import { QueueTableStore } from "./queue_tables.ts";
import { QueueTaskStore } from "./queue_tasks.ts";

/** One term of a priority: an SQL value over the row `r` and its direction. */
export interface RankTerm {
  /** The value (checked names only). */
  readonly sql: string;
  /** Whether larger values come first. */
  readonly descending: boolean;
}

/**
 * Tables, tasks and items of table queues; use `store.queue`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * store.queue.tables.define("t", "[]", null);
 * assert.equal(store.queue.tables.get("t")?.name, "t");
 * assert.equal(store.queue.transaction(() => store.queue.tasks.list().length), 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class QueueStore {
  /** Tables and their rows. */
  readonly tables: QueueTableStore;
  /** Tasks' settings. */
  readonly tasks: QueueTaskStore;
  /** Tasks' items: claims, leases, fences, outcomes. */
  readonly items: QueueItemStore;
  /** Tasks' items as rows come, their order and the next rows. */
  readonly ranks: QueueRankStore;
  /** Where tasks stand, and forgetting finished work. */
  readonly history: QueueHistoryStore;
  readonly #s: Statements;
  readonly #db: DatabaseSync;
  readonly #scores = new Set<string>();

  /**
   * Use `store.queue`.
   *
   * @param db The connection.
   * @param path The database file, for error messages.
   */
  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.#s = new Statements(db, path);
    // Priorities are materialised as sort keys by this function (see rankExpression).
    db.function(RANK_KEY_FUNCTION, { varargs: true, deterministic: true }, rankKey);
    this.tables = new QueueTableStore(this.#s);
    this.tasks = new QueueTaskStore(this.#s);
    this.items = new QueueItemStore(this.#s);
    this.ranks = new QueueRankStore(this.#s);
    this.history = new QueueHistoryStore(this.#s);
  }

  /**
   * The SQL rank of a row `r` for an order of terms: a sort key whose byte order is the order's
   * (NULLs last); 0 (insertion order) for no terms.
   *
   * @param terms The order's terms: SQL over the row `r` (checked names only) and direction.
   * @returns An SQL expression for {@linkcode QueueRankStore.sync} and `rerank`.
   */
  rankExpression(terms: readonly RankTerm[]): string {
    if (terms.length === 0) return "0";
    return `${RANK_KEY_FUNCTION}(${
      terms.map((t) => `${t.sql}, ${t.descending ? 1 : 0}`).join(", ")
    })`;
  }

  /**
   * The SQL rank of a row `r` by a scoring function of its JSON (higher scores first; a score
   * that is not a finite number ranks after the others, rows not scored yet after those). The function is registered on this connection
   * under `name` once.
   *
   * @param name The function's name: letters, digits, `_`.
   * @param score The scoring function.
   * @returns An SQL expression for {@linkcode QueueRankStore.sync} and `rerank`.
   * @throws {TypeError} For a bad name.
   */
  scoreExpression(name: string, score: (data: string) => number): string {
    if (!/^[A-Za-z0-9_]+$/.test(name)) {
      throw new TypeError(`Cannot register score function ${JSON.stringify(name)}`);
    }
    const fn = `drover_score_${name}`;
    if (!this.#scores.has(fn)) {
      this.#db.function(fn, { deterministic: true }, (data: unknown) => {
        const v = score(String(data));
        return typeof v === "number" && Number.isFinite(v) ? (v === 0 ? 0 : -v) : Infinity;
      });
      this.#scores.add(fn);
    }
    return `${fn}(r.data)`;
  }

  /** The rank of an item whose score is not known yet (a text: after every number). */
  readonly unranked: string = "'unscored'";

  /**
   * Runs `fn` in one write transaction (joining an open one), so several queue methods apply
   * together.
   *
   * @param fn The work.
   * @returns What `fn` returns.
   */
  transaction<T>(fn: () => T): T {
    return this.#s.tx(fn);
  }
}
