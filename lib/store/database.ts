/**
 * Opening the store's SQLite database (Deno's built-in `node:sqlite`): pragmas, schema
 * migrations in a transaction, and translation of SQLite's busy errors into
 * {@linkcode StoreLockedError}.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { SchemaMarkerError, SchemaVersionError, StoreError, StoreLockedError } from "./errors.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";

/** How long a connection waits for another process's lock, in ms. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) and migrates a store database.
 *
 * @param path The database file.
 * @returns The open connection.
 * @throws {SchemaVersionError} when the file was written by a newer drover.
 * @throws {SchemaMarkerError} when its schema marker is not a version number (the file is
 * damaged or not a drover store); it is never rewritten.
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
    enterWal(db, path);
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    // Call keys and object hashes are random, so every group commit dirties pages all over
    // their indexes. An 8 MiB page cache (SQLite's default is 2 MiB) keeps the upper levels
    // and a commit's leaves in memory between the lookup, the claim and the record of a
    // call; checkpointing every 8000 WAL pages (default 1000) writes a page rewritten by
    // several commits back once. A 100k-call local map: 16.5 s -> 12 s, the same peak RSS.
    db.exec("PRAGMA cache_size = -8192");
    db.exec("PRAGMA wal_autocheckpoint = 8000");
    migrate(db, path);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function migrate(db: DatabaseSync, path: string): void {
  const current = readVersion(db, path);
  if (current > SCHEMA_VERSION) throw new SchemaVersionError(path, current, SCHEMA_VERSION);
  if (current === SCHEMA_VERSION) return;
  transaction(db, path, () => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const now = readVersion(db, path);
    if (now > SCHEMA_VERSION) throw new SchemaVersionError(path, now, SCHEMA_VERSION);
    for (let v = now; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    if (now === 0) {
      // A store made now holds only keys of the current hashing rules: a cache miss need
      // not be looked up again under its drover 0.1 key (see `Store.mayHoldLegacyKeys`).
      db.exec("INSERT INTO meta (key, value) VALUES ('key_rules', 'rfc8949')");
    }
    db.prepare(
      "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    ).run(String(SCHEMA_VERSION));
  });
}

function readVersion(db: DatabaseSync, path: string): number {
  const hasMeta = db.prepare(
    "SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
  ).get();
  if (!hasMeta) return 0;
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
  if (!row) {
    // A meta table without a marker is not a store this or any drover wrote.
    throw new SchemaMarkerError(path, null);
  }
  return parseSchemaMarker(row.value, path);
}

/**
 * Reads the schema marker (`meta.schema_version`) of a store: a whole number, 1 or more,
 * written as decimal digits. Anything else means the file was damaged or written by
 * something else; it is reported, never silently rewritten.
 *
 * @param value The stored value.
 * @param path The database path, for the message.
 * @returns The schema version.
 * @throws {SchemaMarkerError} For anything but a positive whole number.
 *
 * @example
 * ```ts
 * import { parseSchemaMarker } from "./database.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseSchemaMarker("2", "d.db"), 2);
 * assert.throws(() => parseSchemaMarker("banana", "d.db"), /schema version "banana"/);
 * assert.throws(() => parseSchemaMarker("-1", "d.db"), /schema version "-1"/);
 * ```
 */
export function parseSchemaMarker(value: unknown, path: string): number {
  const text = typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw new SchemaMarkerError(path, value);
  return Number(text);
}

/**
 * Runs `fn` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if it throws, so every state
 * change is all-or-nothing. Nested calls join the outer transaction. The write lock is
 * waited for in short steps ({@linkcode beginImmediate}).
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
  beginImmediate(db, path);
  try {
    const out = fn();
    guard(path, () => db.exec("COMMIT"));
    return out;
  } catch (e) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw e;
  }
}

/** Options of {@linkcode beginImmediate}; the defaults are the real clock and pause. */
export interface BeginOptions {
  /** Longest wait for the lock, in ms (default {@linkcode BUSY_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
  /** Blocks this thread for about `ms` (default: `Atomics.wait`). */
  readonly pause?: (ms: number) => void;
  /** A monotonic clock in ms (default: `performance.now`). */
  readonly now?: () => number;
}

/**
 * Opens a write transaction (`BEGIN IMMEDIATE`), waiting for another process's write lock
 * in short steps: tried at once, then again after about 50 µs, the step doubling up to
 * 2 ms (each jittered by ±50 %), until `timeoutMs`. SQLite's own busy handler sleeps 1, 2,
 * 5, 10 ms ... up to 100 ms, far longer than a store transaction holds the lock; it is
 * switched off while waiting here and restored after.
 *
 * @param db The connection (not in a transaction).
 * @param path The database path, for error messages.
 * @param options Timeout, pause and clock.
 * @throws {StoreLockedError} When the lock stays taken past the timeout.
 * @throws {StoreError} When SQLite fails otherwise.
 *
 * @example
 * ```ts
 * import { beginImmediate, openDatabase } from "./database.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const db = openDatabase(`${dir}/d.db`);
 * beginImmediate(db, "d.db");
 * assert.equal(db.isTransaction, true);
 * db.exec("COMMIT");
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function beginImmediate(db: DatabaseSync, path: string, options: BeginOptions = {}): void {
  const timeoutMs = options.timeoutMs ?? BUSY_TIMEOUT_MS;
  const pause = options.pause ?? pauseThread;
  const now = options.now ?? (() => performance.now());
  db.exec("PRAGMA busy_timeout = 0");
  try {
    const start = now();
    for (let step = 0.05;; step = Math.min(step * 2, 2)) {
      try {
        db.exec("BEGIN IMMEDIATE");
        return;
      } catch (e) {
        if (!isSqliteError(e) || !/database is (locked|busy)/i.test(e.message)) {
          return guard(path, (): never => {
            throw e;
          });
        }
        const waited = now() - start;
        if (waited >= timeoutMs) throw new StoreLockedError(path, waited, e);
        pause(step * (0.5 + Math.random()));
      }
    }
  } finally {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

/**
 * Switches a new connection to WAL. Two processes creating the same store both hold a
 * shared lock while each waits for the other's to go, so SQLite's busy handler would wait
 * out its whole timeout; here a busy switch lets its locks go and tries again after a short
 * jittered pause, until the busy timeout.
 */
function enterWal(db: DatabaseSync, path: string): void {
  db.exec("PRAGMA busy_timeout = 0");
  const start = performance.now();
  for (let step = 0.05;; step = Math.min(step * 2, 20)) {
    try {
      db.exec("PRAGMA journal_mode = WAL");
      return;
    } catch (e) {
      const busy = isSqliteError(e) && /database is (locked|busy)/i.test(e.message);
      if (!busy || performance.now() - start >= BUSY_TIMEOUT_MS) {
        return guard(path, (): never => {
          throw e;
        });
      }
      pauseThread(step * (0.5 + Math.random()));
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function pauseThread(ms: number): void {
  Atomics.wait(PAUSE, 0, 0, ms);
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
      if (/database or disk is full|disk I\/O error/i.test(e.message)) {
        throw new StoreError(
          `Cannot write to store "${path}": the disk holding it is full (${e.message}); free space and run again, finished calls are kept`,
          path,
          { cause: e },
        );
      }
      throw new StoreError(`Cannot use store "${path}": ${e.message}`, path, { cause: e });
    }
    throw e;
  }
}

function isSqliteError(e: unknown): e is Error {
  return e instanceof Error && (e as { code?: string }).code === "ERR_SQLITE_ERROR";
}
