/**
 * Where table-queue tasks stand, read from the store (counts, leases, measured call times), and
 * forgetting finished work (`drover queue purge`).
 *
 * @module
 */
import type { Statements } from "./_statements.ts";

/** How many items of a task are in each state. */
export interface QueueItemCounts {
  /** Waiting. */
  readonly pending: number;
  /** Claimed with a lease that still holds. */
  readonly running: number;
  /** Claimed with a lease that is over. */
  readonly expired: number;
  /** Finished. */
  readonly done: number;
  /** Failed. */
  readonly failed: number;
}

/**
 * Standing and history of table-queue tasks; use `store.queue.history`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const { history } = store.queue;
 * assert.deepEqual(history.counts("w", 0), { pending: 0, running: 0, expired: 0, done: 0, failed: 0 });
 * assert.deepEqual(history.purge(Date.now()), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class QueueHistoryStore {
  readonly #s: Statements;

  /**
   * Use `store.queue.history`.
   *
   * @param statements The store's statements.
   */
  constructor(statements: Statements) {
    this.#s = statements;
  }

  /**
   * Counts a task's items by state (`done`: what is left).
   *
   * @param task The task.
   * @param now Now, ms (which leases are over).
   * @returns The counts.
   */
  counts(task: string, now: number): QueueItemCounts {
    // Each count reads one (partial) index.
    const c = this.#s.one(
      `SELECT
         (SELECT count(*) FROM queue_items WHERE task = ?1 AND state = 'pending') AS pending,
         (SELECT count(*) FROM queue_items WHERE task = ?1 AND state = 'claimed'
            AND lease_until > ?2) AS running,
         (SELECT count(*) FROM queue_items WHERE task = ?1 AND state = 'claimed'
            AND lease_until <= ?2) AS expired,
         (SELECT count(*) FROM queue_items WHERE task = ?1 AND state = 'failed') AS failed,
         (SELECT count(*) FROM queue_items WHERE task = ?1) AS total`,
      task,
      now,
    )!;
    const pending = Number(c.pending);
    const running = Number(c.running);
    const expired = Number(c.expired);
    const failed = Number(c.failed);
    const done = Number(c.total) - pending - running - expired - failed;
    return { pending, running, expired, done, failed };
  }

  /**
   * The earliest end of a lease of a task.
   *
   * @param task The task.
   * @returns It, ms, or null when nothing is claimed.
   */
  oldestLease(task: string): number | null {
    const v = this.#s.one(
      "SELECT MIN(lease_until) AS m FROM queue_items WHERE task = ? AND state = 'claimed'",
      task,
    )!.m;
    return v == null ? null : Number(v);
  }

  /**
   * How long a task's latest finished calls took (claim to result), newest first.
   *
   * @param task The task.
   * @param limit At most this many.
   * @returns Their durations, ms.
   */
  recentDurations(task: string, limit: number): number[] {
    return this.#s.all(
      `SELECT ended_at - claimed_at AS ms FROM queue_items
       WHERE task = ? AND state = 'done' AND ended_at IS NOT NULL AND claimed_at IS NOT NULL
       ORDER BY ended_at DESC LIMIT ?`,
      task,
      limit,
    ).map((r) => Math.max(0, Number(r.ms)));
  }

  /**
   * Removes (or, with `dryRun`, counts) the finished items that ended before `before`: done
   * and failed rows with their results, errors and claims. Their source rows stay and are not
   * taken again.
   *
   * @param before Ended before this, ms.
   * @param options Only these tasks (default: all); `dryRun` counts without removing.
   * @returns Per task, how many done and failed items (would) go.
   */
  purge(
    before: number,
    options: { readonly tasks?: readonly string[]; readonly dryRun?: boolean } = {},
  ): PurgedItems[] {
    const only = options.tasks === undefined ? "" : " AND task IN (SELECT value FROM json_each(?))";
    const params = options.tasks === undefined ? [] : [JSON.stringify(options.tasks)];
    const where = `state IN ('done', 'failed') AND ended_at < ?${only}`;
    return this.#s.tx(() => {
      const counts = this.#s.all(
        `SELECT task, sum(state = 'done') AS done, sum(state = 'failed') AS failed
         FROM queue_items WHERE ${where} GROUP BY task ORDER BY task`,
        before,
        ...params,
      ).map((r) => ({ task: String(r.task), done: Number(r.done), failed: Number(r.failed) }));
      if (!options.dryRun && counts.length > 0) {
        this.#s.run(`DELETE FROM queue_items WHERE ${where}`, before, ...params);
      }
      return counts;
    });
  }
}

/** What {@linkcode QueueHistoryStore.purge} removed from one task. */
export interface PurgedItems {
  /** The task. */
  readonly task: string;
  /** Done items. */
  readonly done: number;
  /** Failed items. */
  readonly failed: number;
}
