/**
 * Table-queue items in the store (`queue_items`, one per task and source row): their states,
 * claims with owner, lease and fencing counter, and outcomes (their order: queue_ranks.ts).
 * Every method is one guarded statement or one transaction; lib/queue composes them (a claim
 * is one transaction around several) and owns the rules:
 *
 * ```
 * pending ──claim (owner, lease, fence + 1, attempts + 1)──▶ claimed ──finish with current fence──▶ done | failed
 * claimed ──lease over──▶ pending, or failed(lost) after maxAttempts;  claimed ──release──▶ pending
 * failed ──retry──▶ pending
 * ```
 *
 * @module
 */
import type { Statements } from "./_statements.ts";
import { type QueueTaskRecord, toTaskRecord } from "./queue_tasks.ts";

/** States of an item. */
export type QueueItemState = "pending" | "claimed" | "done" | "failed";

/** A claim just taken. */
export interface TakenItem {
  /** The source row. */
  readonly rowSeq: number;
  /** The fencing counter of this claim. */
  readonly fence: number;
  /** Which attempt this is. */
  readonly attempts: number;
}

/** A claim as its holder knows it. */
export interface HeldItem {
  /** The task. */
  readonly task: string;
  /** The source row. */
  readonly rowSeq: number;
  /** The fence of the claim. */
  readonly fence: number;
}

/** How one claim ended, for {@linkcode QueueItemStore.finishMany}. */
export interface ItemEnd {
  /** The claim. */
  readonly item: HeldItem;
  /** `done`, `failed`, or `pending` (to be tried again). */
  readonly state: QueueItemState;
  /** The result (JSON) or null. */
  readonly result: string | null;
  /** The error (JSON) or null. */
  readonly error: string | null;
}

/** What {@linkcode QueueItemStore.claimContext} reads. */
export interface ClaimContextRecord {
  /** The task's row. */
  readonly task: QueueTaskRecord;
  /** The highest row position of its table. */
  readonly topSeq: number;
  /** Rows claimed now (by any runner). */
  readonly claimed: number;
  /** The earliest end of their leases (null: none claimed). */
  readonly oldestLease: number | null;
}

/**
 * The table-queue items; use `store.queue.items`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const { tables, tasks, items } = store.queue;
 * tables.define("t", "[]", null);
 * tables.insert("t", [{ key: undefined, data: "{}" }]);
 * tasks.register("w", "t", { where: null, priority: null, inFlight: 1 });
 * assert.equal(store.queue.ranks.sync("w", "t"), 1);
 * const [taken] = items.take("w", [store.queue.ranks.next("w", {}, 1)[0]!.seq], "me", 60_000, 0);
 * assert.equal(items.finish({ task: "w", ...taken! }, "done", "1", null, 5), true);
 * assert.equal(items.finish({ task: "w", ...taken! }, "done", "2", null, 6), false);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class QueueItemStore {
  readonly #s: Statements;

  /**
   * Use `store.queue.items`.
   *
   * @param statements The store's statements.
   */
  constructor(statements: Statements) {
    this.#s = statements;
  }

  /**
   * What a claim needs to know about a task, in one query: its settings, how far its items
   * follow its table, how many rows are claimed and the earliest end of their leases.
   *
   * @param task The task.
   * @returns It, or undefined for an unknown task.
   */
  claimContext(task: string): ClaimContextRecord | undefined {
    const row = this.#s.one(
      `SELECT t.*,
         (SELECT COALESCE(MAX(seq), 0) FROM queue_rows WHERE tbl = t.source) AS top_seq,
         (SELECT count(*) FROM queue_items WHERE task = t.name AND state = 'claimed') AS claimed,
         (SELECT MIN(lease_until) FROM queue_items WHERE task = t.name AND state = 'claimed')
           AS oldest_lease
       FROM queue_tasks t WHERE t.name = ?`,
      task,
    );
    if (row === undefined) return undefined;
    return {
      task: toTaskRecord(row),
      topSeq: Number(row.top_seq),
      claimed: Number(row.claimed),
      oldestLease: row.oldest_lease == null ? null : Number(row.oldest_lease),
    };
  }

  /**
   * Returns the rows of expired leases to pending; those already claimed `maxAttempts` times
   * fail with `lostError`.
   *
   * @param task The task.
   * @param now Now, ms.
   * @param maxAttempts Attempts before a row fails as lost.
   * @param lostError The error stored for a lost row (JSON).
   * @returns How many rows came back to pending.
   */
  expire(task: string, now: number, maxAttempts: number, lostError: string): number {
    return this.#s.tx(() => {
      this.#s.run(
        `UPDATE queue_items SET state = 'failed', owner = NULL, lease_until = NULL, error = ?,
           ended_at = ?
         WHERE task = ? AND state = 'claimed' AND lease_until <= ? AND attempts >= ?`,
        lostError,
        now,
        task,
        now,
        maxAttempts,
      );
      return this.#s.run(
        `UPDATE queue_items SET state = 'pending', owner = NULL, lease_until = NULL
         WHERE task = ? AND state = 'claimed' AND lease_until <= ?`,
        task,
        now,
      );
    });
  }

  /**
   * How many rows of a task are claimed (by any runner).
   *
   * @param task The task.
   * @returns The count.
   */
  claimedCount(task: string): number {
    return Number(
      this.#s.one(
        "SELECT count(*) AS n FROM queue_items WHERE task = ? AND state = 'claimed'",
        task,
      )!.n,
    );
  }

  /**
   * Claims pending rows (others are skipped) in one statement.
   *
   * @param task The task.
   * @param rowSeqs The rows.
   * @param owner Who claims.
   * @param until End of the lease, ms.
   * @param now Now, ms.
   * @returns The claims taken.
   */
  take(
    task: string,
    rowSeqs: readonly number[],
    owner: string,
    until: number,
    now: number,
  ): TakenItem[] {
    if (rowSeqs.length === 0) return [];
    return this.#s.all(
      `UPDATE queue_items SET state = 'claimed', owner = ?, lease_until = ?, fence = fence + 1,
         attempts = attempts + 1, claimed_at = ?
       WHERE task = ? AND row_seq IN (SELECT value FROM json_each(?)) AND state = 'pending'
       RETURNING row_seq, fence, attempts`,
      owner,
      until,
      now,
      task,
      JSON.stringify(rowSeqs),
    ).map((r) => ({
      rowSeq: Number(r.row_seq),
      fence: Number(r.fence),
      attempts: Number(r.attempts),
    }));
  }

  /**
   * Ends a claim if it is still the current one (its fence).
   *
   * @param item The claim.
   * @param state `done`, `failed`, or `pending` (to be tried again).
   * @param result The result (JSON) or null.
   * @param error The error (JSON) or null.
   * @param now Now, ms.
   * @returns Whether it was accepted.
   */
  finish(
    item: HeldItem,
    state: QueueItemState,
    result: string | null,
    error: string | null,
    now: number,
  ): boolean {
    return this.#s.run(
      `UPDATE queue_items SET state = ?, result = ?, error = ?, owner = NULL, lease_until = NULL,
         ended_at = ?
       WHERE task = ? AND row_seq = ? AND fence = ? AND state = 'claimed'`,
      state,
      result,
      error,
      now,
      item.task,
      item.rowSeq,
      item.fence,
    ) === 1;
  }

  /**
   * Ends several claims in one statement, each if it is still the current one.
   *
   * @param ends The claims and how they ended.
   * @param now Now, ms.
   * @returns Whether each was accepted, in order.
   */
  finishMany(ends: readonly ItemEnd[], now: number): boolean[] {
    if (ends.length === 0) return [];
    const accepted = new Set(
      this.#s.all(
        `UPDATE queue_items AS q SET state = json_extract(j.value, '$[3]'),
           result = json_extract(j.value, '$[4]'), error = json_extract(j.value, '$[5]'),
           owner = NULL, lease_until = NULL, ended_at = ?
         FROM json_each(?) AS j
         WHERE q.task = json_extract(j.value, '$[0]') AND q.row_seq = json_extract(j.value, '$[1]')
           AND q.fence = json_extract(j.value, '$[2]') AND q.state = 'claimed'
         RETURNING task, row_seq`,
        now,
        JSON.stringify(
          ends.map((e) => [e.item.task, e.item.rowSeq, e.item.fence, e.state, e.result, e.error]),
        ),
      ).map((r) => `${r.task}/${r.row_seq}`),
    );
    return ends.map((e) => accepted.has(`${e.item.task}/${e.item.rowSeq}`));
  }

  /**
   * Extends the leases of claims still held.
   *
   * @param items The claims.
   * @param until The new end of their leases.
   * @returns The claims no longer held.
   */
  renew<T extends HeldItem>(items: readonly T[], until: number): T[] {
    if (items.length === 0) return [];
    return this.#s.tx(() =>
      items.filter((c) =>
        this.#s.run(
          `UPDATE queue_items SET lease_until = ?
           WHERE task = ? AND row_seq = ? AND fence = ? AND state = 'claimed'`,
          until,
          c.task,
          c.rowSeq,
          c.fence,
        ) === 0
      )
    );
  }

  /**
   * Gives claims back: their rows are pending again, the attempt not counted.
   *
   * @param items The claims.
   * @returns How many were still held.
   */
  release(items: readonly HeldItem[]): number {
    if (items.length === 0) return 0;
    return this.#s.tx(() =>
      items.reduce(
        (n, c) =>
          n + this.#s.run(
            `UPDATE queue_items SET state = 'pending', owner = NULL, lease_until = NULL,
               attempts = attempts - 1
             WHERE task = ? AND row_seq = ? AND fence = ? AND state = 'claimed'`,
            c.task,
            c.rowSeq,
            c.fence,
          ),
        0,
      )
    );
  }

  /**
   * Puts a task's failed rows back to pending with their attempts reset.
   *
   * @param task The task.
   * @returns How many.
   */
  retryFailed(task: string): number {
    return this.#s.run(
      `UPDATE queue_items SET state = 'pending', attempts = 0, error = NULL
       WHERE task = ? AND state = 'failed'`,
      task,
    );
  }
}
