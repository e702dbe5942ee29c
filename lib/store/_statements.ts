/**
 * Private to lib/store: prepared statements cached per connection by their SQL, each use
 * guarded (SQLite's busy and disk errors become {@linkcode StoreLockedError} and
 * {@linkcode StoreError}), for the store classes whose SQL is partly built at run time; and
 * write transactions that wait for the lock in short steps.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { beginImmediate, guard } from "./database.ts";

/** Row values as `node:sqlite` returns them. */
export type SqlRow = Record<string, SQLInputValue>;

/** Prepared statements of one connection, cached by their text. */
export class Statements {
  readonly #db: DatabaseSync;
  /** The database file, for error messages. */
  readonly path: string;
  readonly #cache = new Map<string, StatementSync>();

  /**
   * Wraps a connection.
   *
   * @param db The connection.
   * @param path The database file, for error messages.
   */
  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.path = path;
  }

  /**
   * The prepared statement for `sql` (prepared once).
   *
   * @param sql The statement.
   * @returns It.
   */
  prepare(sql: string): StatementSync {
    let s = this.#cache.get(sql);
    if (s === undefined) {
      if (this.#cache.size > 500) this.#cache.clear();
      s = guard(this.path, () => this.#db.prepare(sql));
      this.#cache.set(sql, s);
    }
    return s;
  }

  /**
   * Runs a statement.
   *
   * @param sql The statement.
   * @param params Its values.
   * @returns How many rows it changed.
   */
  run(sql: string, ...params: SQLInputValue[]): number {
    const s = this.prepare(sql);
    return Number(guard(this.path, () => s.run(...params)).changes);
  }

  /**
   * Reads one row.
   *
   * @param sql The query.
   * @param params Its values.
   * @returns The first row, or undefined.
   */
  one(sql: string, ...params: SQLInputValue[]): SqlRow | undefined {
    const s = this.prepare(sql);
    return guard(this.path, () => s.get(...params));
  }

  /**
   * Reads rows.
   *
   * @param sql The query.
   * @param params Its values.
   * @returns The rows.
   */
  all(sql: string, ...params: SQLInputValue[]): SqlRow[] {
    const s = this.prepare(sql);
    return guard(this.path, () => s.all(...params));
  }

  /**
   * Runs `fn` in one write transaction (joining an open one), rolled back if it throws.
   *
   * The write lock is waited for in short steps ({@linkcode beginImmediate}).
   *
   * @param fn The work.
   * @returns What `fn` returns.
   * @throws {StoreLockedError} When the lock stays taken past the busy timeout.
   */
  tx<T>(fn: () => T): T {
    const db = this.#db;
    if (db.isTransaction) return fn();
    this.#begin();
    try {
      const out = fn();
      guard(this.path, () => db.exec("COMMIT"));
      return out;
    } catch (e) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw e;
    }
  }

  #begin(): void {
    beginImmediate(this.#db, this.path);
  }
}
