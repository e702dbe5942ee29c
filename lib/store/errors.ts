/**
 * Errors raised by the project store. Each carries the data a caller needs to react
 * (the database path, whether retrying can help) rather than only a message.
 *
 * @module
 */

/** Options shared by the store's error classes. */
export interface StoreErrorOptions {
  /** The underlying error. */
  readonly cause?: unknown;
  /** Whether trying the same operation again later can succeed. */
  readonly retryable?: boolean;
}

/**
 * A store operation failed. `path` names the database or object file involved.
 *
 * @example
 * ```ts
 * import { StoreError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new StoreError("Cannot open store x: gone", ".drover/drover.db");
 * assert.equal(e.retryable, false);
 * ```
 */
export class StoreError extends Error {
  /** The database or object file the operation touched. */
  readonly path: string;
  /** Whether the same operation may succeed if tried again. */
  readonly retryable: boolean;
  /**
   * Creates an instance.
   *
   * @param message "Cannot <verb> <object>: <state>".
   * @param path The file involved.
   * @param options Cause and retryability.
   */
  constructor(message: string, path: string, options: StoreErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "StoreError";
    this.path = path;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * The database stayed locked by another process for longer than the busy timeout.
 *
 * @example
 * ```ts
 * import { StoreLockedError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new StoreLockedError("db", 5000);
 * assert.equal(e.retryable, true);
 * assert.match(e.message, /locked/);
 * ```
 */
export class StoreLockedError extends StoreError {
  /** How long the store waited before giving up, in ms. */
  readonly waitedMs: number;
  /**
   * Creates an instance.
   *
   * @param path The database file.
   * @param waitedMs How long we waited.
   * @param cause The SQLite error.
   */
  constructor(path: string, waitedMs: number, cause?: unknown) {
    super(
      `Cannot write to store "${path}": the database is locked by another process (waited ${
        Math.round(waitedMs / 1000)
      } s); try again when it finishes`,
      path,
      { cause, retryable: true },
    );
    this.name = "StoreLockedError";
    this.waitedMs = waitedMs;
  }
}

/**
 * The store was written by a newer drover whose schema this version does not know.
 *
 * @example
 * ```ts
 * import { SchemaVersionError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new SchemaVersionError("db", 9, 1);
 * assert.equal(e.found, 9);
 * ```
 */
export class SchemaVersionError extends StoreError {
  /** The schema version found in the store. */
  readonly found: number;
  /** The newest schema version this drover knows. */
  readonly known: number;
  /**
   * Creates an instance.
   *
   * @param path The database file.
   * @param found Version in the file.
   * @param known Version this code knows.
   */
  constructor(path: string, found: number, known: number) {
    super(
      `Cannot open store "${path}": it has schema version ${found} but this drover knows only up to ${known}; upgrade drover`,
      path,
    );
    this.name = "SchemaVersionError";
    this.found = found;
    this.known = known;
  }
}

/**
 * The store's schema marker (`meta.schema_version`) is missing or not a version number:
 * the file is damaged or was not written by drover. Nothing is rewritten.
 *
 * @example
 * ```ts
 * import { SchemaMarkerError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new SchemaMarkerError(".drover/drover.db", "banana");
 * assert.equal(e.found, "banana");
 * assert.match(e.message, /schema version "banana" is not a version number/);
 * ```
 */
export class SchemaMarkerError extends StoreError {
  /** The marker found, or null when there is none. */
  readonly found: unknown;
  /**
   * Creates an instance.
   *
   * @param path The database file.
   * @param found The marker found, or null when missing.
   */
  constructor(path: string, found: unknown) {
    super(
      `Cannot open store "${path}": ${
        found === null || found === undefined
          ? "its meta table has no schema_version"
          : `its schema version ${JSON.stringify(String(found))} is not a version number`
      } (meta.schema_version must be a whole number, 1 or more); the file is damaged or not a drover store, and was left as it is`,
      path,
    );
    this.name = "SchemaMarkerError";
    this.found = found;
  }
}
