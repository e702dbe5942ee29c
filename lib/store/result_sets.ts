/**
 * Result sets: the results of a list of finished calls kept together, so that a replay of a
 * large map reads one row per chunk of calls instead of looking up every call.
 *
 * A set is keyed by the SHA-256 of its calls' keys in order and holds each call's result
 * bytes. It is a cache of the calls table, never the truth: every set is dropped, and a
 * generation counter advances, as soon as a done call is deleted (a trigger, schema v13),
 * its result is found missing, it is claimed to run again, or its row is replaced
 * ({@linkcode dropResultSets} on those paths). A set is kept only if the generation its
 * results were read at is still current. Its bytes are checked against their hash when read.
 * (A call recorded done twice, by two drivers racing past an expired lease, keeps its sets:
 * either result is a result of that call.)
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { createHash } from "node:crypto";
import { sha256Hex } from "../codec/mod.ts";
import { beginImmediate, guard } from "./database.ts";

/** Lists shorter than this are looked up call by call: a set would save little. */
export const MIN_RESULT_SET = 64;
/** Sets whose results come to more than this many bytes are not kept (they would double a
 * large result's storage for a lookup that costs little next to reading it). */
export const MAX_RESULT_SET_BYTES = 4 * 1024 * 1024;
/** Longest wait for the write lock when keeping a set: keeping one is never worth a wait. */
const KEEP_LOCK_WAIT_MS = 5;

/**
 * The result sets of one store (`store.resultSets`).
 *
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const keys = Array.from({ length: 64 }, (_, i) => i.toString(16).padStart(64, "0"));
 * const results = keys.map((_, i) => new Uint8Array([i]));
 * const generation = store.resultSets.generation();
 * // ... the results read from the calls table at that generation ...
 * assert.equal(store.resultSets.keep(keys, results, generation), true);
 * assert.deepEqual(store.resultSets.get(keys)?.[3], new Uint8Array([3]));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ResultSets {
  readonly #db: DatabaseSync;
  readonly #path: string;
  #get: StatementSync | undefined;
  #put: StatementSync | undefined;
  #generation: StatementSync | undefined;

  /**
   * Use `store.resultSets`.
   *
   * @param db The store's connection.
   * @param path The database path, for error messages.
   */
  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.#path = path;
  }

  /**
   * The results of `keys`, by position, when a set of exactly these keys is kept and intact.
   *
   * @param keys Call keys, in order.
   * @returns Each call's result bytes, or undefined.
   */
  get(keys: readonly string[]): Uint8Array[] | undefined {
    if (keys.length < MIN_RESULT_SET) return undefined;
    const stmt = this.#get ??= this.#db.prepare(
      "SELECT data, data_hash FROM result_sets WHERE hash = ? AND n = ?",
    );
    const row = guard(this.#path, () => stmt.get(keysHash(keys), keys.length));
    if (!row) return undefined;
    const data = row.data as Uint8Array;
    if (sha256Hex(data) !== row.data_hash) return undefined;
    return unpack(data, keys.length);
  }

  /**
   * The calls' generation: it advances whenever a done call is deleted, leaves `done` or
   * changes its result. Read it before reading the results a set is to keep.
   *
   * @returns The current generation.
   */
  generation(): number {
    const stmt = this.#generation ??= this.#db.prepare(
      "SELECT value FROM meta WHERE key = 'calls_generation'",
    );
    return Number(guard(this.#path, () => stmt.get())?.value ?? 0);
  }

  /**
   * Keeps the results of `keys` as one set, if the calls' generation is still the one they
   * were read at (the check and the write are one transaction, so a call cleaned meanwhile
   * keeps no set). Best effort: a held write lock, a full disk or a set too large keep
   * nothing, and nothing is thrown.
   *
   * @param keys Call keys, in order, every one done.
   * @param results Each call's result bytes, by position.
   * @param generation {@linkcode ResultSets.generation} before the results were read.
   * @returns Whether the set was kept.
   */
  keep(keys: readonly string[], results: readonly Uint8Array[], generation: number): boolean {
    if (keys.length < MIN_RESULT_SET || results.length !== keys.length) return false;
    let bytes = 4 * (keys.length + 1);
    for (const r of results) bytes += r.length;
    if (bytes > MAX_RESULT_SET_BYTES || this.#db.isTransaction) return false;
    const data = pack(results, bytes);
    try {
      beginImmediate(this.#db, this.#path, { timeoutMs: KEEP_LOCK_WAIT_MS });
    } catch {
      return false;
    }
    try {
      if (this.generation() !== generation) {
        this.#db.exec("ROLLBACK");
        return false;
      }
      const put = this.#put ??= this.#db.prepare(
        `INSERT OR REPLACE INTO result_sets (hash, n, data, data_hash, created_at)
         VALUES (?, ?, ?, ?, ?)`,
      );
      put.run(keysHash(keys), keys.length, data, sha256Hex(data), Date.now());
      this.#db.exec("COMMIT");
      return true;
    } catch {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      return false;
    }
  }
}

/** The SHA-256 of keys in order (each key ends with a newline). */
function keysHash(keys: readonly string[]): string {
  const h = createHash("sha256");
  for (const k of keys) h.update(k + "\n");
  return h.digest("hex");
}

/** Results as one buffer: a u32 count, a u32 length per result, then the bytes. */
function pack(results: readonly Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, results.length, true);
  let at = 4 * (results.length + 1);
  results.forEach((r, i) => {
    view.setUint32(4 * (i + 1), r.length, true);
    out.set(r, at);
    at += r.length;
  });
  return out;
}

/** The inverse of {@linkcode pack}; undefined when the buffer does not hold `n` results. */
function unpack(data: Uint8Array, n: number): Uint8Array[] | undefined {
  if (data.length < 4 * (n + 1)) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint32(0, true) !== n) return undefined;
  const out = new Array<Uint8Array>(n);
  let at = 4 * (n + 1);
  for (let i = 0; i < n; i++) {
    const len = view.getUint32(4 * (i + 1), true);
    if (at + len > data.length) return undefined;
    out[i] = data.subarray(at, at + len);
    at += len;
  }
  return at === data.length ? out : undefined;
}

/**
 * Drops every result set and advances the calls' generation: what the store does when a
 * done call leaves `done` or its row is replaced (a deleted one does it by trigger). Call it
 * inside the transaction that makes the change.
 *
 * @param db The store's connection.
 *
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * import { dropResultSets } from "./result_sets.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const before = store.resultSets.generation();
 * dropResultSets(store.db);
 * assert.equal(store.resultSets.generation(), before + 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function dropResultSets(db: DatabaseSync): void {
  db.exec(
    `DELETE FROM result_sets;
     INSERT INTO meta (key, value) VALUES ('calls_generation', '1')
       ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1;`,
  );
}
