/**
 * `purgeQueue()`: forgets finished table-queue work older than a cutoff, so a long campaign's
 * store stays small. Done and failed items (their results, errors and claims) that ended before
 * the cutoff are removed; their source rows stay in their tables and are not taken again (a
 * later task's filter over a purged result no longer sees it).
 *
 * @module
 */
import type { PurgedItems, Store } from "../store/mod.ts";
import { getTaskSettings } from "./task_store.ts";

/** Options of {@linkcode purgeQueue}. */
export interface PurgeOptions {
  /** Items that ended before this, ms since the epoch. */
  readonly before: number;
  /** Only these tasks. Default: every task. */
  readonly tasks?: readonly string[];
  /** Count what would go without removing it. Default: false. */
  readonly dryRun?: boolean;
}

/**
 * Removes (or counts, with `dryRun`) done and failed items that ended before `before`.
 *
 * @param store The project store.
 * @param options Cutoff, tasks, dry run.
 * @returns Per task with any, how many done and failed items went (or would go).
 * @throws {UnknownTaskError} For a task given that does not exist (nothing is removed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "npm:zod@^3.25.0";
 * import { openStore } from "../store/mod.ts";
 * import { claimRows, finishClaim, purgeQueue, registerTask, table } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * table("t", z.object({ id: z.number() })).insert([{ id: 1 }, { id: 2 }], { store });
 * registerTask(store, { name: "w", source: "t", inFlight: 1 });
 * const [c] = claimRows(store, "w", { owner: "me", now: 0, leaseMs: 1000 });
 * finishClaim(store, c!, { ok: true, result: 1 }, 10);
 * assert.deepEqual(purgeQueue(store, { before: 11, dryRun: true }), [{ task: "w", done: 1, failed: 0 }]);
 * assert.deepEqual(purgeQueue(store, { before: 11 }), [{ task: "w", done: 1, failed: 0 }]);
 * assert.deepEqual(purgeQueue(store, { before: 11 }), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function purgeQueue(store: Store, options: PurgeOptions): PurgedItems[] {
  return store.queue.transaction(() => {
    for (const t of options.tasks ?? []) getTaskSettings(store, t);
    return store.queue.history.purge(options.before, {
      tasks: options.tasks,
      dryRun: options.dryRun,
    });
  });
}
