/**
 * `queueStatus()`: where each task stands, read from the store (for `drover queue status`).
 *
 * @module
 */
import type { Store } from "../store/mod.ts";
import { stmt } from "./_sql.ts";
import { selectNext, syncItems } from "./claims.ts";
import { listTaskSettings, type TaskSettings } from "./task_store.ts";

/** One task's standing. */
export interface TaskStatus {
  /** The settings in force. */
  readonly settings: TaskSettings;
  /** Rows waiting (whether or not they pass the filter now). */
  readonly pending: number;
  /** Rows claimed by a runner whose lease still holds (running). */
  readonly running: number;
  /** Rows claimed whose lease is over: they go back to pending at the next claim. */
  readonly expired: number;
  /** Rows finished. */
  readonly done: number;
  /** Rows failed. */
  readonly failed: number;
  /** The next rows a claim would take, best first (at most five). */
  readonly next: readonly string[];
  /** The earliest end of a running lease, ms (null when none). */
  readonly oldestLease: number | null;
  /** Mean time of a finished call, ms (null before the first). */
  readonly meanMs: number | null;
  /** Pending rows × mean time ÷ in flight, ms (null without a mean). */
  readonly remainingMs: number | null;
}

/**
 * Reads every task's standing. New source rows are counted as pending.
 *
 * @param store The project store.
 * @param now Now, ms (which leases are over).
 * @returns One status per task, by name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "npm:zod@^3.25.0";
 * import { openStore } from "../store/mod.ts";
 * import { queueStatus, registerTask, table } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * table("t", z.object({ id: z.number() })).insert([{ id: 1 }, { id: 2 }], { store });
 * registerTask(store, { name: "w", source: "t", priority: "id DESC", inFlight: 1 });
 * const [w] = queueStatus(store, 0);
 * assert.deepEqual([w!.pending, w!.next], [2, ["2", "1"]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function queueStatus(store: Store, now: number): TaskStatus[] {
  return listTaskSettings(store).map((settings) => {
    syncItems(store, settings);
    // Each count reads one (partial) index; done is what is left of the rows synced.
    const c = stmt(
      store,
      `SELECT
         (SELECT count(*) FROM queue_items WHERE task = ?1 AND state = 'pending') AS pending,
         (SELECT count(*) FROM queue_items WHERE task = ?1 AND state = 'claimed'
            AND lease_until > ?2) AS running,
         (SELECT count(*) FROM queue_items WHERE task = ?1 AND state = 'claimed'
            AND lease_until <= ?2) AS expired,
         (SELECT count(*) FROM queue_items WHERE task = ?1 AND state = 'failed') AS failed,
         (SELECT count(*) FROM queue_rows WHERE tbl = ?3
            AND seq <= (SELECT synced_seq FROM queue_tasks WHERE name = ?1)) AS total`,
    ).get(settings.name, now, settings.source)!;
    const counts = {
      pending: Number(c.pending),
      running: Number(c.running),
      expired: Number(c.expired),
      failed: Number(c.failed),
      done: 0,
    };
    counts.done = Number(c.total) - counts.pending - counts.running - counts.expired -
      counts.failed;
    const extra = stmt(
      store,
      `SELECT
         (SELECT MIN(lease_until) FROM queue_items WHERE task = ?1 AND state = 'claimed') AS lease,
         (SELECT 1.0 * timed_ms / timed_n FROM queue_tasks WHERE name = ?1 AND timed_n > 0)
           AS mean`,
    ).get(settings.name)!;
    const meanMs = extra.mean == null ? null : Number(extra.mean);
    return {
      settings,
      ...counts,
      next: selectNext(store, settings, 5).map((r) => r.key),
      oldestLease: extra.lease == null ? null : Number(extra.lease),
      meanMs,
      remainingMs: meanMs === null ? null : (counts.pending * meanMs) / settings.inFlight,
    };
  });
}
