/**
 * Table-queue items in the store (`queue_items`, one per task and source row): their states,
 * claims with owner, lease and fencing counter, ranks and results. Every method is one guarded
 * statement or one transaction; lib/queue composes them (a claim is one transaction around
 * several) and owns the rules:
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
import { type QueueRowRecord, type RowQuery, toRow } from "./queue_tables.ts";
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
 * assert.equal(items.sync("w", "t"), 1);
 * const [taken] = items.take("w", [items.next("w", {}, 1)[0]!.seq], "me", 60_000, 0);
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
   * Brings a task's items up to date with its source table: one pending item per new row, its
   * rank computed by `rank` (an SQL expression over the row `r`; default 0, insertion order).
   *
   * @param task The task.
   * @param source Its table.
   * @param rank The rank of a new item.
   * @returns How many items were added.
   */
  sync(task: string, source: string, rank = "0"): number {
    return this.#s.tx(() => {
      const from = Number(
        this.#s.one("SELECT synced_seq FROM queue_tasks WHERE name = ?", task)?.synced_seq ?? 0,
      );
      const top = Number(
        this.#s.one("SELECT COALESCE(MAX(seq), 0) AS m FROM queue_rows WHERE tbl = ?", source)!.m,
      );
      if (top <= from) return 0;
      const added = this.#s.run(
        `INSERT OR IGNORE INTO queue_items (task, row_seq, state, rank)
         SELECT ?, r.seq, 'pending', ${rank} FROM queue_rows r
         WHERE r.tbl = ? AND r.seq > ? AND r.seq <= ?`,
        task,
        source,
        from,
        top,
      );
      this.#s.run("UPDATE queue_tasks SET synced_seq = ? WHERE name = ?", top, task);
      return added;
    });
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
   * The next pending rows of a task: promoted first, then by `query.order` (default: the
   * materialised rank), then by position.
   *
   * @param task The task.
   * @param query The compiled filter and order over `queue_rows r` and its joins.
   * @param limit How many.
   * @returns The rows.
   */
  next(task: string, query: RowQuery, limit: number): QueueRowRecord[] {
    return this.#s.all(
      `SELECT r.seq, r.key, r.data FROM queue_items i JOIN queue_rows r ON r.seq = i.row_seq${
        query.joins ?? ""
      }
       WHERE i.task = ? AND i.state = 'pending'${query.where ? ` AND ${query.where}` : ""}
       ORDER BY i.boost DESC, ${query.order ?? "i.rank"}, i.row_seq LIMIT ?`,
      task,
      ...(query.params ?? []),
      limit,
    ).map(toRow);
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
   * The priority a task's ranks follow.
   *
   * @param task The task.
   * @returns It, or null when they follow none (new rows came, or never ranked).
   */
  rankedBy(task: string): string | null {
    const v = this.#s.one("SELECT ranked_by FROM queue_tasks WHERE name = ?", task)?.ranked_by;
    return v == null ? null : String(v);
  }

  /**
   * Materialises a priority into the rank of every unfinished item of a task (one statement)
   * and records which priority it is.
   *
   * @param task The task.
   * @param rank The rank: an SQL expression over the row `r`.
   * @param rankedBy What to record as the ranks' origin.
   */
  rerank(task: string, rank: string, rankedBy: string): void {
    this.#s.tx(() => {
      this.#s.run(
        `UPDATE queue_items SET rank = (SELECT ${rank} FROM queue_rows r WHERE r.seq = row_seq)
         WHERE task = ? AND state != 'done'`,
        task,
      );
      this.#s.run("UPDATE queue_tasks SET ranked_by = ? WHERE name = ?", rankedBy, task);
    });
  }

  /**
   * Ranks the pending items of a task that have no rank yet (`'unscored'`: rows a process
   * without the task's scoring function made items).
   *
   * @param task The task.
   * @param rank The rank: an SQL expression over the row `r`.
   * @returns How many were ranked.
   */
  rankUnranked(task: string, rank: string): number {
    return this.#s.run(
      `UPDATE queue_items SET rank = (SELECT ${rank} FROM queue_rows r WHERE r.seq = row_seq)
       WHERE task = ? AND state = 'pending' AND boost = 0 AND rank = 'unscored'`,
      task,
    );
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

  /**
   * Moves rows ahead of (`promote`) or behind (`demote`) every other row of a task.
   *
   * @param task The task.
   * @param source Its table.
   * @param keys Row keys.
   * @param how `promote` or `demote`.
   * @returns The keys found.
   */
  boost(
    task: string,
    source: string,
    keys: readonly string[],
    how: "promote" | "demote",
  ): string[] {
    return this.#s.tx(() => {
      const edge = Number(
        this.#s.one(
          `SELECT COALESCE(${
            how === "promote" ? "MAX" : "MIN"
          }(boost), 0) AS b FROM queue_items WHERE task = ?`,
          task,
        )!.b,
      );
      const boost = how === "promote" ? edge + 1 : edge - 1;
      return keys.filter((k) =>
        this.#s.run(
          `UPDATE queue_items SET boost = ? WHERE task = ? AND row_seq =
             (SELECT seq FROM queue_rows WHERE tbl = ? AND key = ?)`,
          boost,
          task,
          source,
          k,
        ) === 1
      );
    });
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

/** What {@linkcode QueueItemStore.purge} removed from one task. */
export interface PurgedItems {
  /** The task. */
  readonly task: string;
  /** Done items. */
  readonly done: number;
  /** Failed items. */
  readonly failed: number;
}
