/**
 * `queueStatus()`: where each task stands, read from the store (for `drover queue status`).
 *
 * @module
 */
import type { Store } from "../store/mod.ts";
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
  /** Median time of the task's calls, claim to result, over its latest 1001 (null before the first). */
  readonly medianMs: number | null;
  /** Remaining cost: pending rows × the median, ms of calls (null without a median). */
  readonly remainingMs: number | null;
  /** Remaining cost ÷ in flight: when the pending rows will be done at this pace, ms. */
  readonly etaMs: number | null;
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
    const counts = store.queue.history.counts(settings.name, now);
    const medianMs = median(store.queue.history.recentDurations(settings.name, MEDIAN_OF));
    const remainingMs = medianMs === null ? null : counts.pending * medianMs;
    return {
      settings,
      ...counts,
      next: selectNext(store, settings, 5).map((r) => r.key),
      oldestLease: store.queue.history.oldestLease(settings.name),
      medianMs,
      remainingMs,
      etaMs: remainingMs === null ? null : remainingMs / settings.inFlight,
    };
  });
}

/** How many of a task's latest calls its median is taken over. */
const MEDIAN_OF = 1001;

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
