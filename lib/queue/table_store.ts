/**
 * Tables in the project store: `queue_tables` keeps each table's fields, `queue_rows` its rows
 * as JSON (one row a line, `seq` in insertion order, `key` unique per table). Filters and
 * orders are compiled from the checked little language of {@linkcode compileWhere}.
 *
 * @module
 */
import type { QueueTableRecord, Store } from "../store/mod.ts";
import { compileOrder, compileWhere, joinsFor } from "./compile.ts";
import type { FieldSpec } from "./fields.ts";

/** What the store keeps about a table. */
export interface TableInfo {
  /** Its name. */
  readonly name: string;
  /** Its fields. */
  readonly fields: readonly FieldSpec[];
  /** The field whose value identifies a row; undefined: rows are numbered. */
  readonly keyField: string | undefined;
  /** How many rows it has (from {@linkcode listTables}; 0 elsewhere). */
  readonly rows: number;
}

/** One stored row. */
export interface StoredRow {
  /** Its position in the store (insertion order, unique across tables). */
  readonly seq: number;
  /** Its key: the key field's value as text, or its number in the table. */
  readonly key: string;
  /** Its fields. */
  readonly data: Record<string, unknown>;
}

/** A table that does not exist. */
export class UnknownTableError extends Error {
  /** The name asked for. */
  readonly table: string;
  /**
   * Creates an instance.
   *
   * @param table The name asked for.
   * @param known The tables there are.
   */
  constructor(table: string, known: readonly string[]) {
    super(
      `Cannot find table "${table}": it is not in the store (tables: ${
        known.join(", ") || "none"
      })`,
    );
    this.name = "UnknownTableError";
    this.table = table;
  }
}

/** Options of {@linkcode selectRows}. */
export interface SelectOptions {
  /** A filter over the row's fields and earlier tasks' results. */
  readonly where?: string;
  /** An order: `field [ASC|DESC], ...`. Default: insertion order. */
  readonly orderBy?: string;
  /** At most this many rows. */
  readonly limit?: number;
}

/**
 * Creates a table or updates its fields.
 *
 * @param store The project store.
 * @param name Table name.
 * @param fields Its fields.
 * @param keyField The identifying field, if any.
 */
export function defineTable(
  store: Store,
  name: string,
  fields: readonly FieldSpec[],
  keyField: string | undefined,
): void {
  store.queue.tables.define(name, JSON.stringify(fields), keyField ?? null);
}

/**
 * Reads a table's definition.
 *
 * @param store The project store.
 * @param name Table name.
 * @returns The table, or undefined.
 */
export function getTable(store: Store, name: string): TableInfo | undefined {
  const row = store.queue.tables.get(name);
  return row ? toInfo(row) : undefined;
}

/**
 * Reads a table's definition or throws.
 *
 * @param store The project store.
 * @param name Table name.
 * @returns The table.
 * @throws {UnknownTableError} When it does not exist.
 */
export function requireTable(store: Store, name: string): TableInfo {
  const info = getTable(store, name);
  if (info === undefined) throw new UnknownTableError(name, listTables(store).map((t) => t.name));
  return info;
}

/**
 * Lists the tables with their row counts.
 *
 * @param store The project store.
 * @returns The tables, by name.
 */
export function listTables(store: Store): TableInfo[] {
  return store.queue.tables.list().map(toInfo);
}

/** What to do with a row whose key is already in the table. */
export type OnConflict = "error" | "replace" | "ignore";

/** A row whose key is already in the table. */
export class DuplicateRowError extends Error {
  /** The table. */
  readonly table: string;
  /** The key. */
  readonly key: string;
  /** Its index in the rows given. */
  readonly index: number;
  /**
   * Creates an instance.
   *
   * @param table Table.
   * @param key Key.
   * @param index Index in the batch.
   */
  constructor(table: string, key: string, index: number) {
    super(
      `Cannot insert row ${index + 1} into table "${table}": a row with key ${
        JSON.stringify(key)
      } is already there (pass onConflict "replace" or "ignore")`,
    );
    this.name = "DuplicateRowError";
    this.table = table;
    this.key = key;
    this.index = index;
  }
}

/**
 * Inserts rows (already checked) in one transaction.
 *
 * @param store The project store.
 * @param info The table.
 * @param rows The rows.
 * @param onConflict What to do with a key already present. Default: `error`.
 * @returns How many rows were written.
 * @throws {DuplicateRowError} On a present key with `onConflict: "error"` (nothing written).
 */
export function insertRows(
  store: Store,
  info: TableInfo,
  rows: readonly Readonly<Record<string, unknown>>[],
  onConflict: OnConflict = "error",
): number {
  const out = store.queue.tables.insert(
    info.name,
    rows.map((row) => ({
      key: info.keyField === undefined ? undefined : keyText(row[info.keyField]),
      data: JSON.stringify(row),
    })),
    onConflict,
  );
  if (!out.ok) throw new DuplicateRowError(info.name, out.key, out.index);
  return out.written;
}

function keyText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Reads rows of a table, filtered and ordered.
 *
 * @param store The project store.
 * @param info The table.
 * @param options Filter, order, limit.
 * @returns The rows.
 * @throws {QueryError} For a bad filter or order (nothing is read).
 */
export function selectRows(
  store: Store,
  info: TableInfo,
  options: SelectOptions = {},
): StoredRow[] {
  const scope = {
    table: info.name,
    fields: info.fields.map((f) => f.name),
    tasks: tasksOver(store, info.name),
  };
  const where = options.where === undefined ? undefined : compileWhere(options.where, scope);
  const order = options.orderBy === undefined
    ? undefined
    : compileOrder(options.orderBy, scope, "--order-by");
  const tasks = [...new Set([...(where?.tasks ?? []), ...(order?.tasks ?? [])])];
  return store.queue.tables.select(info.name, {
    where: where?.sql,
    params: where?.params,
    order: order?.sql,
    joins: joinsFor(tasks),
    limit: options.limit,
  }).map((row) => ({ seq: row.seq, key: row.key, data: JSON.parse(row.data) }));
}

/**
 * The tasks reading a table (whose results filters over it may name).
 *
 * @param store The project store.
 * @param table The table.
 * @returns Their names.
 */
export function tasksOver(store: Store, table: string): string[] {
  return store.queue.tasks.namesOver(table);
}

function toInfo(row: QueueTableRecord): TableInfo {
  return {
    name: row.name,
    fields: JSON.parse(row.fields),
    keyField: row.keyField ?? undefined,
    rows: row.rows,
  };
}
