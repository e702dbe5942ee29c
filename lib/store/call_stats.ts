/**
 * Read-only counts of calls for the CLI's overviews: by step, code version and state (for
 * `drover status`), and by run and state (for `drover runs ls`).
 *
 * @module
 */
import { guard } from "./database.ts";
import type { CallState } from "./records.ts";
import type { Store } from "./store.ts";

/** How many calls of one step, code identity, version salt and state there are. */
export interface VersionStateCount {
  /** Step name. */
  readonly step: string;
  /** Code identity hash. */
  readonly codeHash: string;
  /** Version salt. */
  readonly version: string;
  /** State. */
  readonly state: CallState;
  /** How many. */
  readonly count: number;
  /** When the newest of them was created (ms). */
  readonly newest: number;
}

/**
 * Counts calls by step, code identity, version salt and state.
 *
 * @param store The store.
 * @returns One entry per group present, sorted by step, then newest first.
 *
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * import { countCallsByVersion } from "./call_stats.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * assert.deepEqual(countCallsByVersion(store), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function countCallsByVersion(store: Store): VersionStateCount[] {
  const rows = guard(store.dbPath, () =>
    store.db.prepare(
      `SELECT step, code_hash, version, state, COUNT(*) AS n, MAX(created_at) AS newest
       FROM calls GROUP BY step, code_hash, version, state
       ORDER BY step, newest DESC, code_hash, version, state`,
    ).all());
  return rows.map((r) => ({
    step: String(r.step),
    codeHash: String(r.code_hash),
    version: String(r.version),
    state: r.state as CallState,
    count: Number(r.n),
    newest: Number(r.newest),
  }));
}

/** Calls a run executed, by outcome. */
export interface RunCallCounts {
  /** Calls it ran to a result. */
  readonly ran: number;
  /** Calls that failed in it. */
  readonly failed: number;
  /** Calls it started that have no outcome yet. */
  readonly running: number;
}

/**
 * Counts the calls each run executed (calls record the run that last ran them), by state.
 *
 * @param store The store.
 * @param runIds The runs.
 * @returns Counts by run id (every id present, zeros when none).
 *
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * import { countCallsByRun } from "./call_stats.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * assert.deepEqual(countCallsByRun(store, [7]).get(7), { ran: 0, failed: 0, running: 0 });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function countCallsByRun(
  store: Store,
  runIds: readonly number[],
): Map<number, RunCallCounts> {
  const out = new Map<number, { ran: number; failed: number; running: number }>();
  for (const id of runIds) out.set(id, { ran: 0, failed: 0, running: 0 });
  if (runIds.length === 0) return out;
  const stmt = store.db.prepare(
    "SELECT state, COUNT(*) AS n FROM calls WHERE run_id = ? GROUP BY state",
  );
  for (const id of runIds) {
    const counts = out.get(id)!;
    for (const r of guard(store.dbPath, () => stmt.all(id))) {
      const n = Number(r.n);
      if (r.state === "done") counts.ran += n;
      else if (r.state === "failed") counts.failed += n;
      else counts.running += n;
    }
  }
  return out;
}

/**
 * Measured durations of the newest done calls of a step (`ended_at - started_at`), newest
 * first: what adaptive packing (`inputsPerJob: "auto"`) reads.
 *
 * @param store The store.
 * @param step The step.
 * @param limit How many calls at most. Default: 200.
 * @returns Durations in ms.
 *
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * import { stepDurations } from "./call_stats.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * assert.deepEqual(stepDurations(store, "square"), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function stepDurations(store: Store, step: string, limit = 200): number[] {
  const rows = guard(store.dbPath, () =>
    store.db.prepare(
      `SELECT ended_at - started_at AS ms FROM calls
       WHERE step = ? AND state = 'done' AND started_at IS NOT NULL AND ended_at IS NOT NULL
       ORDER BY ended_at DESC LIMIT ?`,
    ).all(step, limit));
  return rows.map((r) => Number(r.ms));
}
