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
import type { ItemEnd, Store } from "../store/mod.ts";
import { type CompiledQuery, compileOrder, compileWhere, joinsFor } from "./compile.ts";
import { isScore, SCORE_PREFIX, scoreFunction } from "./score.ts";
import { getTaskSettings, scopeOf, type TaskSettings, toSettings } from "./task_store.ts";

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
 * Brings a task's items up to date with its source table: one pending item per new row, ranked
 * by the task's priority as it is inserted.
 *
 * @param store The project store.
 * @param settings The task.
 * @returns How many items were added.
 */
export function syncItems(store: Store, settings: TaskSettings): number {
  return store.queue.ranks.sync(settings.name, settings.source, compiled(store, settings).rank);
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
  return store.queue.transaction(() => claimIn(store, task, options));
}

function claimIn(store: Store, task: string, options: ClaimOptions): Claim[] {
  const { items } = store.queue;
  const context = items.claimContext(task);
  if (context === undefined) {
    getTaskSettings(store, task); // throws UnknownTaskError
    return [];
  }
  const settings = toSettings(context.task);
  if (context.topSeq > context.task.syncedSeq) syncItems(store, settings);
  const { rank, scored } = compiled(store, settings);
  if (scored) store.queue.ranks.rankUnranked(task, rank);
  let held = context.claimed;
  if (context.oldestLease !== null && context.oldestLease <= options.now) {
    expireLeases(store, task, options.now, options.maxAttempts ?? 3);
    held = items.claimedCount(task);
  }
  const n = Math.min(options.limit ?? Infinity, settings.inFlight - held);
  if (n <= 0) return [];
  const picked = selectNext(store, settings, n, context.task.rankedBy);
  const taken = new Map(
    items.take(
      task,
      picked.map((p) => p.seq),
      options.owner,
      options.now + options.leaseMs,
      options.now,
    ).map((t) => [t.rowSeq, t]),
  );
  const out: Claim[] = [];
  for (const p of picked) {
    const t = taken.get(p.seq);
    if (t === undefined) continue;
    out.push({
      task,
      rowSeq: p.seq,
      key: p.key,
      row: JSON.parse(p.data),
      fence: t.fence,
      attempt: t.attempts,
    });
  }
  return out;
}

/**
 * The next pending rows of a task in priority order, without claiming them.
 *
 * @param store The project store.
 * @param settings The task.
 * @param limit How many.
 * @param rankedBy The priority the ranks follow now, if known (else it is read).
 * @returns Their position, key and JSON.
 */
export function selectNext(
  store: Store,
  settings: TaskSettings,
  limit: number,
  rankedBy?: string | null,
): { seq: number; key: string; data: string }[] {
  const { where, order, rank } = compiled(store, settings);
  // A priority over the row's own fields is materialised into `rank` (indexed; new rows get
  // theirs as they become items); one over other tasks' results changes as they finish, so it
  // is sorted at each claim.
  const ranked = order === undefined || order.tasks.length === 0;
  const by = settings.priority ?? "";
  if (
    ranked && (rankedBy === undefined ? store.queue.ranks.rankedBy(settings.name) : rankedBy) !== by
  ) {
    store.queue.ranks.rerank(settings.name, rank, by);
  }
  const tasks = [...new Set([...(where?.tasks ?? []), ...(ranked ? [] : order?.tasks ?? [])])];
  return store.queue.ranks.next(settings.name, {
    where: where?.sql,
    params: where?.params,
    order: ranked ? undefined : order.sql,
    joins: joinsFor(tasks),
  }, limit);
}

/** A task's queries compiled; `scored`: its priority is a scoring function known here. */
interface Compiled {
  readonly where?: CompiledQuery;
  readonly order?: CompiledQuery;
  readonly rank: string;
  readonly scored: boolean;
}

const COMPILED = new WeakMap<Store, Map<string, Compiled>>();

/**
 * A task's filter and priority compiled, cached by their text: SQL that compiled once stays
 * valid (a field dropped from the table later reads as NULL). `rank` is the SQL of a new
 * item's rank.
 */
function compiled(store: Store, settings: TaskSettings): Compiled {
  let map = COMPILED.get(store);
  if (map === undefined) COMPILED.set(store, map = new Map());
  const key = JSON.stringify([
    settings.name,
    settings.source,
    settings.where,
    settings.priority,
    scoreFunction(settings.priority) !== undefined, // registered here since
  ]);
  let hit = map.get(key);
  if (hit === undefined) {
    const scope = scopeOf(store, settings.source);
    const score = scoreFunction(settings.priority);
    const order = settings.priority === undefined || isScore(settings.priority)
      ? undefined
      : compileOrder(settings.priority, scope, `the priority of task "${settings.name}"`);
    hit = {
      where: settings.where === undefined
        ? undefined
        : compileWhere(settings.where, scope, `the filter of task "${settings.name}"`),
      order,
      rank: score !== undefined
        ? store.queue.scoreExpression(
          settings.priority!.slice(SCORE_PREFIX.length),
          (data) => score(JSON.parse(data)),
        )
        : isScore(settings.priority)
        ? store.queue.unranked
        : store.queue.rankExpression(
          order === undefined || order.tasks.length > 0 ? [] : order.terms ?? [],
        ),
      scored: score !== undefined,
    };
    if (map.size > 100) map.clear();
    map.set(key, hit);
  }
  return hit;
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
  return store.queue.items.expire(task, now, maxAttempts, LOST);
}

const LOST = JSON.stringify({ name: "LeaseExpiredError", message: "its runner's lease ran out" });

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
  const end = itemEnd(claim, outcome);
  return store.queue.items.finish(claim, end.state, end.result, end.error, now);
}

/**
 * Records how several claimed rows ended, in one statement; each only if its claim is still
 * the current one.
 *
 * @param store The project store.
 * @param ends The claims and their outcomes.
 * @param now Now, ms.
 * @returns Whether each was accepted, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "npm:zod@^3.25.0";
 * import { openStore } from "../store/mod.ts";
 * import { claimRows, finishClaims, registerTask, table } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * table("t", z.object({ id: z.number() })).insert([{ id: 1 }, { id: 2 }], { store });
 * registerTask(store, { name: "w", source: "t", inFlight: 2 });
 * const [a, b] = claimRows(store, "w", { owner: "me", now: 0, leaseMs: 1000 });
 * const ends = [{ claim: a!, outcome: { ok: true, result: 1 } }, { claim: b!, outcome: { ok: true, result: 2 } }] as const;
 * assert.deepEqual(finishClaims(store, ends, 1), [true, true]);
 * assert.deepEqual(finishClaims(store, ends, 2), [false, false]); // those claims are over
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function finishClaims(
  store: Store,
  ends: readonly { readonly claim: Claim; readonly outcome: ItemOutcome }[],
  now: number,
): boolean[] {
  return store.queue.items.finishMany(ends.map((e) => itemEnd(e.claim, e.outcome)), now);
}

function itemEnd(claim: Claim, outcome: ItemOutcome): ItemEnd {
  return {
    item: claim,
    state: outcome.ok ? "done" : outcome.retry ? "pending" : "failed",
    result: outcome.ok ? JSON.stringify(outcome.result ?? null) : null,
    error: outcome.ok ? null : JSON.stringify(errorJson(outcome.error)),
  };
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
  return store.queue.items.renew(claims, until);
}

/**
 * Gives claims back (a runner stopping): their rows are pending again, the attempt not counted.
 *
 * @param store The project store.
 * @param claims The claims.
 * @returns How many were still held.
 */
export function releaseClaims(store: Store, claims: readonly Claim[]): number {
  return store.queue.items.release(claims);
}

/**
 * Puts a task's failed rows back in the queue with their attempts reset.
 *
 * @param store The project store.
 * @param task The task.
 * @returns How many.
 */
export function retryFailed(store: Store, task: string): number {
  return store.queue.items.retryFailed(task);
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
  return store.queue.transaction(() => {
    const settings = getTaskSettings(store, task);
    syncItems(store, settings);
    return store.queue.ranks.boost(task, settings.source, keys, how);
  });
}

function errorJson(e: unknown): { name: string; message: string } {
  return e instanceof Error
    ? { name: e.name, message: e.message }
    : { name: "Error", message: String(e) };
}
