/**
 * `table()`: a table of rows in the project store, typed by a zod object schema.
 *
 * @module
 */
import { currentSession } from "../step/mod.ts";
import type { Store } from "../store/mod.ts";
import { NAME_PATTERN } from "./expr.ts";
import { fieldsOf, type FieldSpec, type TableSchema } from "./fields.ts";
import {
  defineTable,
  insertRows,
  type OnConflict,
  requireTable,
  type SelectOptions,
  selectRows,
} from "./table_store.ts";

/** Options of {@linkcode table}. */
export interface TableOptions {
  /** The field that identifies a row. Default: `id` when the schema has it, else rows are numbered. */
  readonly key?: string;
}

/** Options of {@linkcode Table.insert}. */
export interface InsertOptions {
  /** The store. Default: the current session's. */
  readonly store?: Store;
  /** A row whose key is already there: `error` (default), `replace` or `ignore`. */
  readonly onConflict?: OnConflict;
}

/** Options of {@linkcode Table.rows}. */
export interface RowsOptions extends SelectOptions {
  /** The store. Default: the current session's. */
  readonly store?: Store;
}

/** A row that does not fit its table's schema. */
export class RowError extends TypeError {
  /** The table. */
  readonly table: string;
  /** 0-based index in the rows given. */
  readonly index: number;
  /**
   * Creates an instance.
   *
   * @param table Table.
   * @param index Index.
   * @param detail What is wrong.
   */
  constructor(table: string, index: number, detail: string) {
    super(`Cannot insert row ${index + 1} into table "${table}": ${detail}`);
    this.name = "RowError";
    this.table = table;
    this.index = index;
  }
}

/** A typed table in the project store. */
export interface Table<T> {
  /** Its name. */
  readonly name: string;
  /** Its fields. */
  readonly fields: readonly FieldSpec[];
  /** The identifying field, if any. */
  readonly key: string | undefined;
  /**
   * Checks and inserts rows in one transaction.
   *
   * @param rows The rows.
   * @param options Store and what to do with keys already there.
   * @returns How many rows were written.
   * @throws {RowError} For a row the schema refuses (nothing is written).
   */
  insert(rows: readonly T[], options?: InsertOptions): number;
  /**
   * Reads rows, filtered and ordered.
   *
   * @param options Filter (`--where` language), order, limit, store.
   * @returns The rows.
   */
  rows(options?: RowsOptions): T[];
}

/**
 * Defines a table. It is created in the store (or its fields updated) on first use.
 *
 * @param name Table name (letters, digits, `_`).
 * @param schema A zod object schema of its rows.
 * @param options The key field.
 * @returns The table.
 * @throws {TypeError} For a bad name or field name, or a key that is not a field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "npm:zod@^3.25.0";
 * import { openStore } from "../store/mod.ts";
 * import { table } from "./table.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const pathways = table("pathways", z.object({ id: z.number(), nsites: z.number() }));
 * pathways.insert([{ id: 1, nsites: 200 }, { id: 2, nsites: 40 }], { store });
 * assert.deepEqual(pathways.rows({ store, where: "nsites < 100" }), [{ id: 2, nsites: 40 }]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function table<T extends Record<string, unknown>>(
  name: string,
  schema: TableSchema<T>,
  options: TableOptions = {},
): Table<T> {
  if (!NAME_PATTERN.test(name)) {
    throw new TypeError(
      `Cannot define table ${JSON.stringify(name)}: names use letters, digits and _`,
    );
  }
  const fields = fieldsOf(schema);
  const key = options.key ?? (fields.some((f) => f.name === "id") ? "id" : undefined);
  if (key !== undefined && !fields.some((f) => f.name === key)) {
    throw new TypeError(`Cannot define table "${name}": key "${key}" is not one of its fields`);
  }
  const defined = new WeakSet<Store>();
  const ensure = (store: Store): void => {
    if (defined.has(store)) return;
    defineTable(store, name, fields, key);
    defined.add(store);
  };
  return {
    name,
    fields,
    key,
    insert(rows, opts = {}): number {
      const store = opts.store ?? currentSession().store;
      const checked = rows.map((row, i) => {
        const r = schema.safeParse(row);
        if (!r.success) {
          const issue = r.error.issues[0]!;
          throw new RowError(name, i, `${issue.path.join(".") || "row"}: ${issue.message}`);
        }
        return r.data;
      });
      ensure(store);
      return insertRows(store, requireTable(store, name), checked, opts.onConflict);
    },
    rows(opts = {}): T[] {
      const store = opts.store ?? currentSession().store;
      ensure(store);
      return selectRows(store, requireTable(store, name), opts).map((r) => r.data as T);
    },
  };
}
