/**
 * Content-addressed objects: encoded values named by the sha256 of their bytes. Small
 * objects live inline in the database (so a million small results do not become a
 * million files); large ones are files under `objects/ab/<hash>`, written to a temporary
 * name and renamed. Every read is verified: a corrupted object is reported through
 * `onEvent` and treated as missing, never returned.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { join } from "node:path";
import { sha256Hex } from "../codec/mod.ts";
import { guard } from "./database.ts";

/** Objects smaller than this many bytes are stored inline in the database. */
export const INLINE_LIMIT_BYTES = 64 * 1024;

/** Something the object store noticed while reading. */
export type ObjectEvent = {
  readonly type: "object-corrupt";
  readonly hash: string;
  readonly path: string;
  readonly detail: string;
};

/** Options for {@linkcode ObjectStore}. */
export interface ObjectStoreOptions {
  /** Receives {@linkcode ObjectEvent}s. Default: ignore. */
  readonly onEvent?: (event: ObjectEvent) => void;
  /** Inline size limit in bytes. Default: {@linkcode INLINE_LIMIT_BYTES}. */
  readonly inlineLimit?: number;
}

/**
 * The content-addressed object store of one project.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./database.ts";
 * import { ObjectStore } from "./objects.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const objects = new ObjectStore(openDatabase(`${dir}/d.db`), dir, `${dir}/d.db`);
 * const ref = objects.put(new Uint8Array([1, 2, 3]));
 * assert.deepEqual(objects.get(ref), new Uint8Array([1, 2, 3]));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ObjectStore {
  readonly #db: DatabaseSync;
  readonly #dir: string;
  readonly #dbPath: string;
  readonly #onEvent: (event: ObjectEvent) => void;
  readonly #inlineLimit: number;
  readonly #insert: StatementSync;
  readonly #select: StatementSync;
  readonly #exists: StatementSync;

  /**
   * Creates an instance.
   *
   * @param db The open store database.
   * @param storeDir The `.drover` directory (objects go to `<storeDir>/objects`).
   * @param dbPath The database path, for messages.
   * @param options Event sink and inline limit.
   */
  constructor(
    db: DatabaseSync,
    storeDir: string,
    dbPath: string,
    options: ObjectStoreOptions = {},
  ) {
    this.#db = db;
    this.#dir = join(storeDir, "objects");
    this.#dbPath = dbPath;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#inlineLimit = options.inlineLimit ?? INLINE_LIMIT_BYTES;
    this.#insert = db.prepare(
      `INSERT INTO objects (hash, size, data, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(hash) DO UPDATE SET size = excluded.size, data = excluded.data`,
    );
    this.#select = db.prepare("SELECT size, data FROM objects WHERE hash = ?");
    this.#exists = db.prepare("SELECT 1 AS x FROM objects WHERE hash = ?");
  }

  /**
   * Stores bytes and returns their reference (lowercase hex sha256). Idempotent.
   *
   * @param bytes The encoded value.
   * @param hash The sha256 of `bytes` if the caller already computed it.
   * @returns The reference.
   */
  put(bytes: Uint8Array, hash: string = sha256Hex(bytes)): string {
    if (bytes.byteLength < this.#inlineLimit) {
      guard(this.#dbPath, () => this.#insert.run(hash, bytes.byteLength, bytes, Date.now()));
      return hash;
    }
    if (guard(this.#dbPath, () => this.#exists.get(hash)) && this.#fileOk(hash)) return hash;
    const path = this.pathOf(hash);
    if (!this.#sameFile(path, bytes.byteLength, hash)) {
      Deno.mkdirSync(join(path, ".."), { recursive: true });
      const tmp = `${path}.${crypto.randomUUID()}.tmp`;
      try {
        Deno.writeFileSync(tmp, bytes);
        Deno.renameSync(tmp, path);
      } catch (e) {
        // A full disk leaves a partial temp file: give its space back.
        try {
          Deno.removeSync(tmp);
        } catch {
          // never created
        }
        throw e;
      }
    }
    guard(this.#dbPath, () => this.#insert.run(hash, bytes.byteLength, null, Date.now()));
    return hash;
  }

  /**
   * Reads and verifies an object.
   *
   * @param hash The reference.
   * @returns The bytes, or `undefined` when absent or corrupted (reported through `onEvent`).
   */
  get(hash: string): Uint8Array | undefined {
    const row = guard(this.#dbPath, () => this.#select.get(hash));
    if (!row) return undefined;
    let bytes: Uint8Array;
    if (row.data != null) {
      bytes = row.data as Uint8Array;
    } else {
      try {
        bytes = Deno.readFileSync(this.pathOf(hash));
      } catch (e) {
        this.#corrupt(hash, `cannot read object file: ${(e as Error).message}`);
        return undefined;
      }
    }
    if (bytes.byteLength !== Number(row.size) || sha256Hex(bytes) !== hash) {
      this.#corrupt(hash, "contents do not match the object's hash");
      return undefined;
    }
    return bytes;
  }

  /**
   * Whether an object is recorded (without verifying its contents).
   *
   * @param hash The reference.
   * @returns True when a row exists.
   */
  has(hash: string): boolean {
    return guard(this.#dbPath, () => this.#exists.get(hash)) !== undefined;
  }

  /**
   * Where a large object's file lives.
   *
   * @param hash The reference.
   * @returns `<storeDir>/objects/<first two hex>/<hash>`.
   */
  pathOf(hash: string): string {
    return join(this.#dir, hash.slice(0, 2), hash);
  }

  /**
   * Whether a complete file of this content is already in place without its row: written
   * by a transaction that was rolled back (a full disk) or by a process killed before it
   * committed. Reusing it needs no new space.
   */
  #sameFile(path: string, size: number, hash: string): boolean {
    try {
      if (Deno.statSync(path).size !== size) return false;
      return sha256Hex(Deno.readFileSync(path)) === hash;
    } catch {
      return false;
    }
  }

  #fileOk(hash: string): boolean {
    try {
      return Deno.statSync(this.pathOf(hash)).isFile;
    } catch {
      return false;
    }
  }

  #corrupt(hash: string, detail: string): void {
    // Move a bad file aside so the next put of the same content writes a good one.
    try {
      Deno.renameSync(this.pathOf(hash), `${this.pathOf(hash)}.corrupt`);
    } catch {
      // inline object or no file
    }
    this.#onEvent({ type: "object-corrupt", hash, path: this.pathOf(hash), detail });
  }
}
