/**
 * Code identities as the store keeps them (`store.code`): the parts of each identity by hash
 * (table `code`, for `explain`), and the identity last computed for a step defined in a file
 * with the hashes of the files it was computed from (table `code_cache`, valid while every
 * listed file still has its hash).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { guard } from "./database.ts";

/** What the store keeps about a code identity for `explain`. */
export interface CodeRecord {
  /** The identity hash. */
  readonly hash: string;
  /** The step name. */
  readonly step: string;
  /** Part name -> hash. */
  readonly parts: Readonly<Record<string, string>>;
}

/** A cached code identity: valid while every listed file still has the listed hash. */
export interface CodeCacheEntry {
  /** Identity hash. */
  readonly codeHash: string;
  /** Absolute path -> sha256 of its contents when the identity was computed. */
  readonly files: Readonly<Record<string, string>>;
}

/**
 * The `code` and `code_cache` tables of one store (`store.code`).
 *
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const hash = "ab".repeat(32);
 * store.code.put({ hash, step: "relax", parts: { body: "cd".repeat(32) } });
 * assert.deepEqual(store.code.get(hash)?.parts, { body: "cd".repeat(32) });
 * assert.equal(store.code.latestOf("relax")?.hash, hash);
 * store.code.putCache("relax", "/w/steps.ts", { codeHash: hash, files: { "/w/steps.ts": "ef" } });
 * assert.equal(store.code.getCache("relax", "/w/steps.ts")?.codeHash, hash);
 * assert.deepEqual(store.code.filesOf("relax"), ["/w/steps.ts"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class CodeStore {
  readonly #db: DatabaseSync;
  readonly #path: string;

  /**
   * Use `store.code`.
   *
   * @param db The store's connection.
   * @param path The database path, for error messages.
   */
  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.#path = path;
  }

  /**
   * Saves the parts of a code identity (idempotent).
   *
   * @param code The identity.
   */
  put(code: CodeRecord): void {
    guard(this.#path, () =>
      this.#db.prepare(
        "INSERT OR IGNORE INTO code (hash, step, parts, created_at) VALUES (?, ?, ?, ?)",
      ).run(code.hash, code.step, JSON.stringify(code.parts), Date.now()));
  }

  /**
   * Reads the parts of a code identity.
   *
   * @param hash Identity hash.
   * @returns The record, or undefined.
   */
  get(hash: string): CodeRecord | undefined {
    const row = guard(
      this.#path,
      () => this.#db.prepare("SELECT hash, step, parts FROM code WHERE hash = ?").get(hash),
    );
    return row
      ? { hash: String(row.hash), step: String(row.step), parts: JSON.parse(String(row.parts)) }
      : undefined;
  }

  /**
   * Reads the cached code identity of a step defined in `file`.
   *
   * @param step Step name.
   * @param file Defining module path.
   * @returns The entry, or undefined.
   */
  getCache(step: string, file: string): CodeCacheEntry | undefined {
    const row = guard(
      this.#path,
      () =>
        this.#db.prepare("SELECT code_hash, files FROM code_cache WHERE step = ? AND file = ?").get(
          step,
          file,
        ),
    );
    return row
      ? { codeHash: String(row.code_hash), files: JSON.parse(String(row.files)) }
      : undefined;
  }

  /**
   * Caches the code identity of a step.
   *
   * @param step Step name.
   * @param file Defining module path.
   * @param entry Identity hash and the files it was computed from.
   */
  putCache(step: string, file: string, entry: CodeCacheEntry): void {
    guard(this.#path, () =>
      this.#db.prepare(
        "INSERT INTO code_cache (step, file, code_hash, files) VALUES (?, ?, ?, ?) ON CONFLICT(step, file) DO UPDATE SET code_hash = excluded.code_hash, files = excluded.files",
      ).run(step, file, entry.codeHash, JSON.stringify(entry.files)));
  }

  /**
   * Lists the files the code cache records as defining a step (read-only).
   *
   * @param step Step name.
   * @returns Absolute paths of the defining modules, sorted.
   */
  filesOf(step: string): string[] {
    const rows = guard(
      this.#path,
      () => this.#db.prepare("SELECT file FROM code_cache WHERE step = ? ORDER BY file").all(step),
    );
    return rows.map((r) => String(r.file));
  }

  /**
   * The most recent code identity recorded for a step.
   *
   * @param step Step name.
   * @returns The record, or undefined when none is recorded.
   */
  latestOf(step: string): CodeRecord | undefined {
    const row = guard(this.#path, () =>
      this.#db.prepare(
        "SELECT c.hash, c.step, c.parts FROM code c WHERE c.step = ? ORDER BY c.created_at DESC, rowid DESC LIMIT 1",
      ).get(step));
    return row
      ? { hash: String(row.hash), step: String(row.step), parts: JSON.parse(String(row.parts)) }
      : undefined;
  }
}
