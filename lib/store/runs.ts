/**
 * Script runs as the store keeps them (`store.runs`): one row per run of a workflow script
 * (its script, argv, cwd, host and pid), from the start to how it ended. A run still marked
 * running whose process on this host is gone (kill -9) is marked `interrupted` when runs are
 * listed.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { guard } from "./database.ts";
import { processAlive } from "./_process.ts";
import type { RunRecord, RunStatus } from "./records.ts";

/**
 * The `runs` table of one store (`store.runs`).
 *
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const id = store.runs.start({ script: "x.ts", argv: ["a"], cwd: dir });
 * assert.equal(store.runs.get(id)?.status, "running");
 * store.runs.end(id, "done", undefined, 2);
 * assert.equal(store.runs.get(id)?.cached, 2);
 * assert.deepEqual(store.runs.list().map((r) => r.status), ["done"]);
 * assert.equal(store.runs.markInterrupted(), 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class RunStore {
  readonly #db: DatabaseSync;
  readonly #path: string;

  /**
   * Use `store.runs`.
   *
   * @param db The store's connection.
   * @param path The database path, for error messages.
   */
  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.#path = path;
  }

  /**
   * Records the start of a script run.
   *
   * @param run Script, argv and cwd.
   * @returns The run id.
   */
  start(run: { script: string; argv: readonly string[]; cwd: string }): number {
    const r = guard(this.#path, () =>
      this.#db.prepare(
        "INSERT INTO runs (script, argv, cwd, host, pid, started_at, status) VALUES (?, ?, ?, ?, ?, ?, 'running')",
      ).run(run.script, JSON.stringify(run.argv), run.cwd, Deno.hostname(), Deno.pid, Date.now()));
    return Number(r.lastInsertRowid);
  }

  /**
   * Records the end of a run.
   *
   * @param id Run id.
   * @param status How it ended.
   * @param error Message for failed runs.
   * @param cached How many calls the run answered from the cache, if counted.
   */
  end(
    id: number,
    status: Exclude<RunStatus, "running">,
    error?: string,
    cached?: number,
  ): void {
    guard(
      this.#path,
      () =>
        this.#db.prepare(
          "UPDATE runs SET status = ?, ended_at = ?, error = ?, cached = ? WHERE id = ?",
        ).run(status, Date.now(), error ?? null, cached ?? null, id),
    );
  }

  /**
   * Fetches one run.
   *
   * @param id Run id.
   * @returns The run, or undefined.
   */
  get(id: number): RunRecord | undefined {
    const row = guard(
      this.#path,
      () => this.#db.prepare("SELECT * FROM runs WHERE id = ?").get(id),
    );
    return row ? toRun(row) : undefined;
  }

  /**
   * Lists runs started since a time, newest first. Runs still marked running whose process
   * on this host is gone are first marked `interrupted` (they died without saying: kill -9).
   *
   * @param sinceMs Only runs started at or after this time (ms).
   * @returns The runs.
   */
  list(sinceMs = 0): RunRecord[] {
    this.markInterrupted();
    const rows = guard(
      this.#path,
      () =>
        this.#db.prepare(
          "SELECT * FROM runs WHERE started_at >= ? ORDER BY started_at DESC, id DESC",
        )
          .all(sinceMs),
    );
    return rows.map(toRun);
  }

  /**
   * Marks runs of this host whose process no longer exists as interrupted.
   *
   * @returns How many were marked.
   */
  markInterrupted(): number {
    const rows = guard(
      this.#path,
      () =>
        this.#db.prepare("SELECT id, pid FROM runs WHERE status = 'running' AND host = ?").all(
          Deno.hostname(),
        ),
    );
    let n = 0;
    for (const row of rows) {
      if (Number(row.pid) !== Deno.pid && !processAlive(Number(row.pid))) {
        guard(this.#path, () =>
          this.#db.prepare(
            "UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'",
          ).run(Number(row.id)));
        n++;
      }
    }
    return n;
  }
}

function toRun(r: Record<string, SQLInputValue>): RunRecord {
  return {
    id: Number(r.id),
    script: String(r.script),
    argv: JSON.parse(String(r.argv)),
    cwd: String(r.cwd),
    host: String(r.host),
    pid: Number(r.pid),
    startedAt: Number(r.started_at),
    endedAt: r.ended_at == null ? null : Number(r.ended_at),
    status: r.status as RunStatus,
    error: r.error == null ? null : String(r.error),
    cached: r.cached == null ? null : Number(r.cached),
  };
}
