/**
 * Claims that cannot go wrong. A task's items (`queue_items`, one per source row) move
 * through explicit states, each move one guarded statement inside a write transaction:
 *
 * ```
 * pending ──claim (owner, lease, fence + 1, attempts + 1)──▶ claimed
 * claimed ──finish with the current fence──▶ done | failed
 * claimed ──lease over (noticed at the next claim)──▶ pending, or failed("lost") after maxAttempts
 * claimed ──release (runner stops)──▶ pending
 * failed ──retryFailed──▶ pending
 * ```
 *
 * A result is accepted only with the fence of the current claim, so a runner whose lease
 * ran out cannot overwrite the row's new claim or result.
 *
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import type { Store } from "../store/mod.ts";
import { stmt } from "./_sql.ts";
import { type CompiledQuery, compileOrder, compileWhere, joinsFor } from "./compile.ts";
import { getTaskSettings, scopeOf, type TaskSettings } from "./task_store.ts";

/** States of an item. */
export type ItemState = "pending" | "claimed" | "done" | "failed";

/** Which moves are allowed. */
export const ITEM_TRANSITIONS: Readonly<Record<ItemState, readonly ItemState[]>> = {
  pending: ["claimed"],
  claimed: ["done", "failed", "pending"],
  done: [],
  failed: ["pending"],
};

/** One claimed row. */
export interface Claim {
  /** The task. */
  readonly task: string;
  /** The row's position in the store. */
  readonly rowSeq: number;
  /** The row's key. */
  readonly key: string;
  /** The row. */
  readonly row: Record<string, unknown>;
  /** The fencing counter of this claim. */
  readonly fence: number;
  /** Which attempt this is (1 for the first). */
  readonly attempt: number;
}

/** Options of {@linkcode claimRows}. */
export interface ClaimOptions {
  /** Who claims (`host:pid:nonce`). */
  readonly owner: string;
  /** Now, ms. */
  readonly now: number;
  /** How long a claim holds without renewal, ms. */
  readonly leaseMs: number;
  /** At most this many (on top of the task's in-flight cap). Default: the cap. */
  readonly limit?: number;
  /** Claims lost to expired leases before a row is failed as lost. Default: 3. */
  readonly maxAttempts?: number;
}

/** How a claimed row ended. */
export type ItemOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: unknown; readonly retry?: boolean };

/**
 * Brings a task's items up to date with its source table: one pending item per new row.
 *
 * @param store The project store.
 * @param settings The task.
 * @returns How many items were added.
 */
export function syncItems(store: Store, settings: TaskSettings): number {
  return store.transaction(() => {
    const task = stmt(store, "SELECT synced_seq FROM queue_tasks WHERE name = ?").get(
      settings.name,
    )!;
    const from = Number(task.synced_seq);
    const top = Number(
      stmt(store, "SELECT COALESCE(MAX(seq), 0) AS m FROM queue_rows WHERE tbl = ?").get(
        settings.source,
      )!.m,
    );
    if (top <= from) return 0;
    const added = stmt(
      store,
      `INSERT OR IGNORE INTO queue_items (task, row_seq, state)
       SELECT ?, seq, 'pending' FROM queue_rows WHERE tbl = ? AND seq > ? AND seq <= ?`,
    ).run(settings.name, settings.source, from, top).changes;
    stmt(store, "UPDATE queue_tasks SET synced_seq = ?, ranked_by = NULL WHERE name = ?")
      .run(top, settings.name);
    return Number(added);
  });
}

/**
 * Claims the best pending rows of a task, in one transaction: new source rows become items,
 * expired leases return their rows, ranks follow a changed priority, and at most the free
 * in-flight slots are taken.
 *
 * @param store The project store.
 * @param task The task.
 * @param options Owner, time, lease, limit.
 * @returns The claims, best first (empty when nothing is free or eligible).
 * @throws {UnknownTaskError} For an unknown task.
 */
export function claimRows(store: Store, task: string, options: ClaimOptions): Claim[] {
  return store.transaction(() => {
    const settings = getTaskSettings(store, task);
    syncItems(store, settings);
    expireLeases(store, task, options.now, options.maxAttempts ?? 3);
    const held = Number(
      stmt(store, "SELECT count(*) AS n FROM queue_items WHERE task = ? AND state = 'claimed'").get(
        task,
      )!.n,
    );
    const n = Math.min(options.limit ?? Infinity, settings.inFlight - held);
    if (n <= 0) return [];
    const picked = selectNext(store, settings, n);
    const claim = stmt(
      store,
      `UPDATE queue_items SET state = 'claimed', owner = ?, lease_until = ?, fence = fence + 1,
         attempts = attempts + 1, claimed_at = ?
       WHERE task = ? AND row_seq = ? AND state = 'pending' RETURNING fence, attempts`,
    );
    const out: Claim[] = [];
    for (const p of picked) {
      const r = claim.get(options.owner, options.now + options.leaseMs, options.now, task, p.seq);
      if (!r) continue;
      out.push({
        task,
        rowSeq: p.seq,
        key: p.key,
        row: JSON.parse(p.data),
        fence: Number(r.fence),
        attempt: Number(r.attempts),
      });
    }
    return out;
  });
}

/**
 * The next pending rows of a task in priority order, without claiming them.
 *
 * @param store The project store.
 * @param settings The task.
 * @param limit How many.
 * @returns Their position, key and JSON.
 */
export function selectNext(
  store: Store,
  settings: TaskSettings,
  limit: number,
): { seq: number; key: string; data: string }[] {
  const { where, order } = compiled(store, settings);
  // A priority over the row's own fields is materialised into `rank` (indexed); one over
  // other tasks' results changes as they finish, so it is sorted at each claim.
  const ranked = order !== undefined && order.tasks.length === 0;
  if (ranked) rerank(store, settings, order.sql);
  const orderSql = order === undefined || ranked ? "i.rank" : order.sql;
  const tasks = [...new Set([...(where?.tasks ?? []), ...(ranked ? [] : order?.tasks ?? [])])];
  const params: SQLInputValue[] = [settings.name, ...(where?.params ?? []), limit];
  return stmt(
    store,
    `SELECT r.seq, r.key, r.data FROM queue_items i JOIN queue_rows r ON r.seq = i.row_seq${
      joinsFor(tasks)
    }
     WHERE i.task = ? AND i.state = 'pending'${where ? ` AND ${where.sql}` : ""}
     ORDER BY i.boost DESC, ${orderSql}, i.row_seq LIMIT ?`,
  ).all(...params).map((r) => ({ seq: Number(r.seq), key: String(r.key), data: String(r.data) }));
}

const COMPILED = new WeakMap<
  Store,
  Map<string, { where?: CompiledQuery; order?: CompiledQuery }>
>();

/**
 * A task's filter and priority compiled, cached by their text: SQL that compiled once stays
 * valid (a field dropped from the table later reads as NULL).
 */
function compiled(
  store: Store,
  settings: TaskSettings,
): { where?: CompiledQuery; order?: CompiledQuery } {
  let map = COMPILED.get(store);
  if (map === undefined) COMPILED.set(store, map = new Map());
  const key = JSON.stringify([settings.name, settings.source, settings.where, settings.priority]);
  let hit = map.get(key);
  if (hit === undefined) {
    const scope = scopeOf(store, settings.source);
    hit = {
      where: settings.where === undefined
        ? undefined
        : compileWhere(settings.where, scope, `the filter of task "${settings.name}"`),
      order: settings.priority === undefined
        ? undefined
        : compileOrder(settings.priority, scope, `the priority of task "${settings.name}"`),
    };
    if (map.size > 100) map.clear();
    map.set(key, hit);
  }
  return hit;
}

function rerank(store: Store, settings: TaskSettings, orderSql: string): void {
  const row = stmt(store, "SELECT ranked_by FROM queue_tasks WHERE name = ?").get(
    settings.name,
  );
  if (row?.ranked_by === settings.priority) return;
  stmt(
    store,
    `UPDATE queue_items SET rank = ranked.n FROM (
       SELECT i.row_seq, row_number() OVER (ORDER BY ${orderSql}, i.row_seq) AS n
       FROM queue_items i JOIN queue_rows r ON r.seq = i.row_seq
       WHERE i.task = ?1 AND i.state = 'pending') AS ranked
     WHERE queue_items.task = ?1 AND queue_items.row_seq = ranked.row_seq`,
  ).run(settings.name);
  stmt(store, "UPDATE queue_tasks SET ranked_by = ? WHERE name = ?").run(
    settings.priority!,
    settings.name,
  );
}

/**
 * Returns the rows of expired leases to pending (or fails them as lost after `maxAttempts`).
 *
 * @param store The project store.
 * @param task The task.
 * @param now Now, ms.
 * @param maxAttempts Attempts before a row is failed as lost.
 * @returns How many rows came back.
 */
export function expireLeases(store: Store, task: string, now: number, maxAttempts: number): number {
  const lost = JSON.stringify({ name: "LeaseExpiredError", message: "its runner's lease ran out" });
  return store.transaction(() => {
    stmt(
      store,
      `UPDATE queue_items SET state = 'failed', owner = NULL, lease_until = NULL, error = ?,
         ended_at = ?
       WHERE task = ? AND state = 'claimed' AND lease_until <= ? AND attempts >= ?`,
    ).run(lost, now, task, now, maxAttempts);
    return Number(
      stmt(
        store,
        `UPDATE queue_items SET state = 'pending', owner = NULL, lease_until = NULL
         WHERE task = ? AND state = 'claimed' AND lease_until <= ?`,
      ).run(task, now).changes,
    );
  });
}

/**
 * Records how a claimed row ended, if the claim is still the current one.
 *
 * @param store The project store.
 * @param claim The claim.
 * @param outcome The result, or the error (with `retry: true`, the row goes back to pending).
 * @param now Now, ms.
 * @returns Whether it was accepted (false: the lease ran out and the row was claimed again or
 * returned; the late result is dropped).
 */
export function finishClaim(
  store: Store,
  claim: Claim,
  outcome: ItemOutcome,
  now: number,
): boolean {
  const state: ItemState = outcome.ok ? "done" : outcome.retry ? "pending" : "failed";
  const result = outcome.ok ? JSON.stringify(outcome.result ?? null) : null;
  const error = outcome.ok ? null : JSON.stringify(errorJson(outcome.error));
  return store.transaction(() => {
    const row = stmt(
      store,
      `UPDATE queue_items SET state = ?, result = ?, error = ?, owner = NULL, lease_until = NULL,
         ended_at = ?
       WHERE task = ? AND row_seq = ? AND fence = ? AND state = 'claimed' RETURNING claimed_at`,
    ).get(state, result, error, now, claim.task, claim.rowSeq, claim.fence);
    if (row === undefined) return false;
    if (outcome.ok && row.claimed_at != null) {
      // Measured call times, for the remaining-cost estimate of `queue status`.
      stmt(
        store,
        "UPDATE queue_tasks SET timed_n = timed_n + 1, timed_ms = timed_ms + ? WHERE name = ?",
      ).run(Math.max(0, now - Number(row.claimed_at)), claim.task);
    }
    return true;
  });
}

/**
 * Extends the leases of claims still held.
 *
 * @param store The project store.
 * @param claims The claims.
 * @param until The new end of their leases.
 * @returns The claims that are no longer held (their fence moved on).
 */
export function renewClaims(store: Store, claims: readonly Claim[], until: number): Claim[] {
  if (claims.length === 0) return [];
  return store.transaction(() => {
    const renew = stmt(
      store,
      `UPDATE queue_items SET lease_until = ?
       WHERE task = ? AND row_seq = ? AND fence = ? AND state = 'claimed'`,
    );
    return claims.filter((c) => renew.run(until, c.task, c.rowSeq, c.fence).changes === 0);
  });
}

/**
 * Gives claims back (a runner stopping): their rows are pending again, the attempt not counted.
 *
 * @param store The project store.
 * @param claims The claims.
 * @returns How many were still held.
 */
export function releaseClaims(store: Store, claims: readonly Claim[]): number {
  if (claims.length === 0) return 0;
  return store.transaction(() => {
    const release = stmt(
      store,
      `UPDATE queue_items SET state = 'pending', owner = NULL, lease_until = NULL,
         attempts = attempts - 1
       WHERE task = ? AND row_seq = ? AND fence = ? AND state = 'claimed'`,
    );
    return claims.reduce((n, c) => n + Number(release.run(c.task, c.rowSeq, c.fence).changes), 0);
  });
}

/**
 * Puts a task's failed rows back in the queue with their attempts reset.
 *
 * @param store The project store.
 * @param task The task.
 * @returns How many.
 */
export function retryFailed(store: Store, task: string): number {
  return Number(
    stmt(
      store,
      "UPDATE queue_items SET state = 'pending', attempts = 0, error = NULL WHERE task = ? AND state = 'failed'",
    ).run(task).changes,
  );
}

/**
 * Moves rows to the front (`promote`) or the back (`demote`) of a task's queue.
 *
 * @param store The project store.
 * @param task The task.
 * @param keys Row keys.
 * @param how `promote` or `demote`.
 * @returns The keys found (others are not rows of the task's table).
 * @throws {UnknownTaskError} For an unknown task.
 */
export function moveRows(
  store: Store,
  task: string,
  keys: readonly string[],
  how: "promote" | "demote",
): string[] {
  return store.transaction(() => {
    const settings = getTaskSettings(store, task);
    syncItems(store, settings);
    const edge = Number(
      stmt(
        store,
        `SELECT COALESCE(${
          how === "promote" ? "MAX" : "MIN"
        }(boost), 0) AS b FROM queue_items WHERE task = ?`,
      ).get(task)!.b,
    );
    const boost = how === "promote" ? edge + 1 : edge - 1;
    const move = stmt(
      store,
      `UPDATE queue_items SET boost = ? WHERE task = ? AND row_seq =
         (SELECT seq FROM queue_rows WHERE tbl = ? AND key = ?)`,
    );
    return keys.filter((k) => move.run(boost, task, settings.source, k).changes === 1);
  });
}

function errorJson(e: unknown): { name: string; message: string } {
  return e instanceof Error
    ? { name: e.name, message: e.message }
    : { name: "Error", message: String(e) };
}
