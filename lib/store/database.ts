/**
 * Opening the store's SQLite database (Deno's built-in `node:sqlite`): pragmas, schema
 * migrations in a transaction, and translation of SQLite's busy errors into
 * {@linkcode StoreLockedError}.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { SchemaVersionError, StoreError, StoreLockedError } from "./errors.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";

/** How long a connection waits for another process's lock, in ms. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) and migrates a store database.
 *
 * @param path The database file.
 * @returns The open connection.
 * @throws {SchemaVersionError} when the file was written by a newer drover.
 * @throws {StoreLockedError} when another process holds the lock past the busy timeout.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./database.ts";
 * import { MIGRATIONS } from "./schema.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const db = openDatabase(`${dir}/d.db`);
 * const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
 * assert.equal(row?.value, String(MIGRATIONS.length));
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openDatabase(path: string): DatabaseSync {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (cause) {
    throw new StoreError(`Cannot open store "${path}": ${(cause as Error).message}`, path, {
      cause,
    });
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    guard(path, () => db.exec("PRAGMA journal_mode = WAL"));
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    migrate(db, path);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function migrate(db: DatabaseSync, path: string): void {
  const current = readVersion(db);
  if (current > SCHEMA_VERSION) throw new SchemaVersionError(path, current, SCHEMA_VERSION);
  if (current === SCHEMA_VERSION) return;
  transaction(db, path, () => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const now = readVersion(db);
    if (now > SCHEMA_VERSION) throw new SchemaVersionError(path, now, SCHEMA_VERSION);
    for (let v = now; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.prepare(
      "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    ).run(String(SCHEMA_VERSION));
  });
}

function readVersion(db: DatabaseSync): number {
  const hasMeta = db.prepare(
    "SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
  ).get();
  if (!hasMeta) return 0;
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
  return row ? Number(row.value) : 0;
}

/**
 * Runs `fn` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if it throws, so every state
 * change is all-or-nothing. Nested calls join the outer transaction.
 *
 * @param db The connection.
 * @param path The database path, for error messages.
 * @param fn The work.
 * @returns What `fn` returns.
 *
 * @example
 * ```ts
 * import { openDatabase, transaction } from "./database.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const db = openDatabase(`${dir}/d.db`);
 * assert.throws(() =>
 *   transaction(db, "d.db", () => {
 *     db.exec("INSERT INTO meta VALUES ('x', '1')");
 *     throw new Error("boom");
 *   })
 * );
 * assert.equal(db.prepare("SELECT * FROM meta WHERE key = 'x'").get(), undefined);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function transaction<T>(db: DatabaseSync, path: string, fn: () => T): T {
  if (db.isTransaction) return fn();
  guard(path, () => db.exec("BEGIN IMMEDIATE"));
  try {
    const out = fn();
    guard(path, () => db.exec("COMMIT"));
    return out;
  } catch (e) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw e;
  }
}

/**
 * Runs a database operation, turning SQLite's "locked"/"busy" failures into
 * {@linkcode StoreLockedError} and other SQLite failures into {@linkcode StoreError}.
 *
 * @param path The database path, for error messages.
 * @param fn The operation.
 * @returns What `fn` returns.
 *
 * @example
 * ```ts
 * import { guard } from "./database.ts";
 * import assert from "node:assert/strict";
 * assert.equal(guard("x.db", () => 1), 1);
 * ```
 */
export function guard<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isSqliteError(e)) {
      if (/database is (locked|busy)/i.test(e.message)) {
        throw new StoreLockedError(path, BUSY_TIMEOUT_MS, e);
      }
      throw new StoreError(`Cannot use store "${path}": ${e.message}`, path, { cause: e });
    }
    throw e;
  }
}

function isSqliteError(e: unknown): e is Error {
  return e instanceof Error && (e as { code?: string }).code === "ERR_SQLITE_ERROR";
}
