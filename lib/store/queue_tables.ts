/**
 * Table-queue tables in the store (`queue_tables`, `queue_rows`): each table's field list
 * (JSON, owned by lib/queue) and its rows as JSON (`seq` in insertion order, unique across
 * tables; `key` unique per table). Filters and orders arrive compiled by lib/queue: checked
 * names only, literals bound.
 *
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import type { SqlRow, Statements } from "./_statements.ts";

/** A table as stored. */
export interface QueueTableRecord {
  /** Its name. */
  readonly name: string;
  /** Its fields, as the JSON lib/queue wrote. */
  readonly fields: string;
  /** The field whose value identifies a row; null: rows are numbered. */
  readonly keyField: string | null;
  /** How many rows it has (from {@linkcode QueueTableStore.list}; 0 elsewhere). */
  readonly rows: number;
}

/** One stored row, its data still JSON text. */
export interface QueueRowRecord {
  /** Its position in the store. */
  readonly seq: number;
  /** Its key. */
  readonly key: string;
  /** Its fields, as JSON. */
  readonly data: string;
}

/** A compiled filter and order over `queue_rows r` (SQL from lib/queue's compiler). */
export interface RowQuery {
  /** A boolean SQL expression over `r` and the joined tasks. */
  readonly where?: string;
  /** Its `?` values. */
  readonly params?: readonly SQLInputValue[];
  /** An ORDER BY list (the row's `seq` is always the last key). */
  readonly order?: string;
  /** Joins that make the tasks the query names available. */
  readonly joins?: string;
  /** At most this many rows. */
  readonly limit?: number;
}

/** A row to insert: its key (undefined: the next number of the table) and its JSON. */
export interface NewQueueRow {
  /** Its key, or undefined for a numbered table. */
  readonly key: string | undefined;
  /** Its fields, as JSON. */
  readonly data: string;
}

/** What an insert did: rows written, or the first row whose key was already there. */
export type InsertOutcome =
  | { readonly ok: true; readonly written: number }
  | { readonly ok: false; readonly index: number; readonly key: string };

/** What to do with a row whose key is already in its table. */
export type RowConflict = "error" | "replace" | "ignore";

class Duplicate {
  constructor(readonly index: number, readonly key: string) {}
}

/**
 * The table-queue tables; use `store.queue.tables`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const tables = store.queue.tables;
 * tables.define("t", "[]", null);
 * tables.insert("t", [{ key: undefined, data: '{"n":1}' }, { key: undefined, data: '{"n":2}' }]);
 * assert.deepEqual(tables.select("t", { where: "json_extract(r.data, '$.n') > ?", params: [1] })
 *   .map((r) => r.key), ["2"]);
 * assert.equal(tables.list()[0]!.rows, 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class QueueTableStore {
  readonly #s: Statements;

  /**
   * Use `store.queue.tables`.
   *
   * @param statements The store's statements.
   */
  constructor(statements: Statements) {
    this.#s = statements;
  }

  /**
   * Creates a table or replaces its fields.
   *
   * @param name Table name.
   * @param fields Its fields, as JSON.
   * @param keyField The identifying field, or null.
   */
  define(name: string, fields: string, keyField: string | null): void {
    this.#s.run(
      `INSERT INTO queue_tables (name, fields, key_field, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET fields = excluded.fields, key_field = excluded.key_field`,
      name,
      fields,
      keyField,
      Date.now(),
    );
  }

  /**
   * Reads a table's definition.
   *
   * @param name Table name.
   * @returns It, or undefined.
   */
  get(name: string): QueueTableRecord | undefined {
    const row = this.#s.one(
      "SELECT name, fields, key_field FROM queue_tables WHERE name = ?",
      name,
    );
    return row ? toTable(row, 0) : undefined;
  }

  /**
   * Every table with its row count.
   *
   * @returns The tables, by name.
   */
  list(): QueueTableRecord[] {
    return this.#s.all(
      `SELECT t.name, t.fields, t.key_field,
         (SELECT count(*) FROM queue_rows r WHERE r.tbl = t.name) AS n
       FROM queue_tables t ORDER BY t.name`,
    ).map((row) => toTable(row, Number(row.n)));
  }

  /**
   * Inserts rows in one transaction; with `error`, a key already there (or twice in the rows)
   * writes nothing.
   *
   * @param table Table name.
   * @param rows The rows.
   * @param onConflict What to do with a present key. Default: `error`.
   * @returns How many rows were written, or the first duplicate.
   */
  insert(
    table: string,
    rows: readonly NewQueueRow[],
    onConflict: RowConflict = "error",
  ): InsertOutcome {
    const now = Date.now();
    const verb = onConflict === "replace"
      ? `INSERT INTO queue_rows (tbl, key, data, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(tbl, key) DO UPDATE SET data = excluded.data`
      : `INSERT ${
        onConflict === "ignore" ? "OR IGNORE " : ""
      }INTO queue_rows (tbl, key, data, created_at) VALUES (?, ?, ?, ?)`;
    try {
      return this.#s.tx(() => {
        let next = rows.some((r) => r.key === undefined)
          ? Number(this.#s.one("SELECT count(*) AS n FROM queue_rows WHERE tbl = ?", table)!.n)
          : 0;
        let written = 0;
        rows.forEach((row, i) => {
          const key = row.key ?? String(++next);
          if (
            onConflict === "error" &&
            this.#s.one("SELECT 1 AS x FROM queue_rows WHERE tbl = ? AND key = ?", table, key)
          ) throw new Duplicate(i, key);
          written += this.#s.run(verb, table, key, row.data, now);
        });
        return { ok: true, written };
      });
    } catch (e) {
      if (e instanceof Duplicate) return { ok: false, index: e.index, key: e.key };
      throw e;
    }
  }

  /**
   * Reads rows of a table, filtered and ordered.
   *
   * @param table Table name.
   * @param query The compiled filter, order, joins and limit.
   * @returns The rows.
   */
  select(table: string, query: RowQuery = {}): QueueRowRecord[] {
    const limit = query.limit === undefined ? "" : ` LIMIT ${Math.max(0, Math.floor(query.limit))}`;
    const sql = `SELECT r.seq, r.key, r.data FROM queue_rows r${query.joins ?? ""} WHERE r.tbl = ?${
      query.where ? ` AND ${query.where}` : ""
    } ORDER BY ${query.order ? `${query.order}, ` : ""}r.seq${limit}`;
    return this.#s.all(sql, table, ...(query.params ?? [])).map(toRow);
  }

  /**
   * The highest row position of a table.
   *
   * @param table Table name.
   * @returns It (0 when empty).
   */
  topSeq(table: string): number {
    return Number(
      this.#s.one("SELECT COALESCE(MAX(seq), 0) AS m FROM queue_rows WHERE tbl = ?", table)!.m,
    );
  }
}

/**
 * A stored row from a query result.
 *
 * @param row The result row (`seq`, `key`, `data`).
 * @returns The record.
 */
export function toRow(row: SqlRow): QueueRowRecord {
  return { seq: Number(row.seq), key: String(row.key), data: String(row.data) };
}

function toTable(row: SqlRow, rows: number): QueueTableRecord {
  return {
    name: String(row.name),
    fields: String(row.fields),
    keyField: row.key_field == null ? null : String(row.key_field),
    rows,
  };
}
