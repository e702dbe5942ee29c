/**
 * `runQueue()`: the runner of table-queue tasks. Per task it keeps the in-flight cap filled:
 * whenever a row finishes, the next best rows are claimed at once (event-driven, not on a
 * timer), so calls freed together are made together, and routed ones leave as one job array
 * through the session's runtime. Settings are read from the store at every claim, so
 * `drover queue set` takes effect without a restart. A timer only renews leases and looks
 * again for new rows, returned leases and results of other runners while nothing finishes here.
 *
 * @module
 */
import { type Clock, systemClock } from "../runtime/mod.ts";
import { currentSession } from "../step/mod.ts";
import { newOwnerId, type Store } from "../store/mod.ts";
import {
  type Claim,
  claimRows,
  finishClaims,
  type ItemOutcome,
  releaseClaims,
  renewClaims,
  retryFailed,
} from "./claims.ts";
import { registerScore } from "./score.ts";
import { DEFAULT_IN_FLIGHT, type Task } from "./task.ts";
import { getTaskSettings, registerTask } from "./task_store.ts";

/** What the runner reports while it works. */
export type QueueEvent =
  | { readonly type: "claimed"; readonly task: string; readonly keys: readonly string[] }
  | { readonly type: "done"; readonly task: string; readonly key: string; readonly ms: number }
  | {
    readonly type: "failed";
    readonly task: string;
    readonly key: string;
    readonly error: unknown;
  }
  | { readonly type: "refused"; readonly task: string; readonly key: string }
  | { readonly type: "widened"; readonly task: string; readonly where: string }
  | { readonly type: "lease-lost"; readonly task: string; readonly key: string };

/** Options of {@linkcode runQueue}. */
export interface RunQueueOptions {
  /** Stops claiming; claims not finished go back to pending. */
  readonly signal?: AbortSignal;
  /** The store. Default: the current session's. */
  readonly store?: Store;
  /** Time. Default: the system clock. */
  readonly clock?: Clock;
  /** How long a claim holds without renewal, ms. Default: 60 000 (renewed every third). */
  readonly leaseMs?: number;
  /** How often to look again while nothing finishes here, ms. Default: 1000. */
  readonly pollMs?: number;
  /** Claims lost to expired leases before a row is failed as lost. Default: 3. */
  readonly maxAttempts?: number;
  /** Put failed rows back in the queue first. Default: false. */
  readonly retryFailed?: boolean;
  /** Keep running when every queue is empty, for rows added later. Default: false. */
  readonly watch?: boolean;
  /** Who claims. Default: a new `host:pid:nonce`. */
  readonly owner?: string;
  /** Receives progress. */
  readonly onEvent?: (event: QueueEvent) => void;
}

/** What a run did, per task. */
export interface QueueReport {
  /** Rows finished here, by task. */
  readonly done: Readonly<Record<string, number>>;
  /** Rows failed here, by task. */
  readonly failed: Readonly<Record<string, number>>;
  /** Results refused because the claim had moved on, by task. */
  readonly refused: Readonly<Record<string, number>>;
}

/** The default lease of a claim, ms. */
export const DEFAULT_LEASE_MS = 60_000;

/**
 * Runs tasks until every queue is empty (or, with `watch`, until aborted).
 *
 * @param tasks One task or several.
 * @param options Store, signal, clock, lease, polling, events.
 * @returns Counts per task.
 * @throws {UnknownTableError} When a task's source table does not exist.
 * @throws {QueryError} For a bad filter or priority.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "npm:zod@^3.25.0";
 * import { openStore } from "../store/mod.ts";
 * import { runQueue, table, task, type TaskCall } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * table("nums", z.object({ id: z.number() })).insert([1, 2, 3].map((id) => ({ id })), { store });
 * const sq = task("sq", { from: "nums", step: ({ row }: TaskCall<{ id: number }>) => row.id ** 2 });
 * const report = await runQueue(sq, { store });
 * assert.deepEqual(report.done, { sq: 3 });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runQueue(
  // deno-lint-ignore no-explicit-any
  tasks: Task<any, any> | readonly Task<any, any>[],
  options: RunQueueOptions = {},
): Promise<QueueReport> {
  const list = Array.isArray(tasks) ? tasks : [tasks as Task];
  const store = options.store ?? currentSession().store;
  const clock = options.clock ?? systemClock;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const pollMs = options.pollMs ?? 1000;
  const owner = options.owner ?? newOwnerId();
  const emit = options.onEvent ?? (() => {});
  const signal = options.signal;
  for (const t of list) {
    registerTask(store, {
      name: t.name,
      source: t.options.from,
      where: t.options.where,
      priority: priorityOf(t),
      inFlight: t.options.inFlight ?? DEFAULT_IN_FLIGHT,
    });
  }
  if (options.retryFailed) { for (const t of list) retryFailed(store, t.name); }
  const report = { done: count(list), failed: count(list), refused: count(list) };
  const held = new Map<string, Claim>(); // task/rowSeq -> claim
  const idOf = (c: Claim): string => `${c.task}/${c.rowSeq}`;
  let wake: () => void = () => {};
  let finishedSinceWait = false;
  let stopping = false;
  let nextRenew = clock.now() + leaseMs / 3;

  /** Rows finished here whose outcome is not written yet: written together, in one statement. */
  let ended: { t: Task; claim: Claim; outcome: ItemOutcome; began: number }[] = [];

  const start = (t: Task, c: Claim): void => {
    held.set(idOf(c), c);
    const began = clock.now();
    t.run({ row: c.row, key: c.key, task: t.name, attempt: c.attempt }).then(
      (result) => ({ ok: true as const, result }),
      (error) => ({ ok: false as const, error }),
    ).then((outcome) => {
      held.delete(idOf(c));
      finishedSinceWait = true;
      if (stopping) return;
      ended.push({ t, claim: c, outcome, began });
      wake();
    });
  };

  /** Writes the outcomes of the rows finished since the last time, and reports them. */
  const record = (): void => {
    if (ended.length === 0) return;
    const batch = ended;
    ended = [];
    const now = clock.now();
    const accepted = finishClaims(store, batch, now);
    batch.forEach(({ t, claim: c, outcome, began }, i) => {
      if (accepted[i]) {
        if (outcome.ok) {
          report.done[t.name]!++;
          emit({ type: "done", task: t.name, key: c.key, ms: now - began });
        } else {
          report.failed[t.name]!++;
          emit({ type: "failed", task: t.name, key: c.key, error: outcome.error });
        }
      } else {
        report.refused[t.name]!++;
        emit({ type: "refused", task: t.name, key: c.key });
      }
    });
  };

  /** Resolves when a row finishes, the poll interval passes or the signal aborts. */
  const waitForWork = async (): Promise<void> => {
    if (finishedSinceWait) return void (finishedSinceWait = false);
    const timer = new AbortController();
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
      signal?.addEventListener("abort", () => resolve(), { once: true, signal: timer.signal });
    });
    try {
      await Promise.race([woken, clock.sleep(Math.min(pollMs, leaseMs / 3), timer.signal)]);
    } catch {
      // the sleep was cut short
    } finally {
      timer.abort();
      wake = () => {};
      finishedSinceWait = false;
    }
  };

  /** Claims what is free for one task; false when it has nothing to do now. */
  const fill = async (t: Task): Promise<boolean> => {
    for (;;) {
      const claims = claimRows(store, t.name, {
        owner,
        now: clock.now(),
        leaseMs,
        maxAttempts: options.maxAttempts,
      });
      if (claims.length > 0) {
        emit({ type: "claimed", task: t.name, keys: claims.map((c) => c.key) });
        for (const c of claims) start(t, c);
        return true;
      }
      if (busy(store, t.name)) return true;
      const where = getTaskSettings(store, t.name).where;
      const wider = t.options.onEmpty
        ? await t.options.onEmpty({ task: t.name, where })
        : undefined;
      if (wider === undefined || wider === where) return false;
      registerTask(store, {
        name: t.name,
        source: t.options.from,
        where: wider,
        priority: priorityOf(t),
        inFlight: t.options.inFlight ?? DEFAULT_IN_FLIGHT,
      });
      emit({ type: "widened", task: t.name, where: wider });
    }
  };

  try {
    while (!signal?.aborted) {
      record();
      let active = false;
      for (const t of list) {
        if (await fill(t)) active = true;
      }
      if (!active && held.size === 0 && ended.length === 0 && !options.watch) break;
      if (clock.now() >= nextRenew) {
        for (const c of renewClaims(store, [...held.values()], clock.now() + leaseMs)) {
          emit({ type: "lease-lost", task: c.task, key: c.key });
        }
        nextRenew = clock.now() + leaseMs / 3;
      }
      await waitForWork();
    }
  } finally {
    stopping = true;
    try {
      record();
    } finally {
      releaseClaims(store, [...held.values()]);
    }
  }
  return report;
}

/** Whether a task has rows claimed (here or by another runner). */
function busy(store: Store, task: string): boolean {
  return store.queue.items.claimedCount(task) > 0;
}

/** A task's priority as stored: its order, or its scoring function's name (registered here). */
function priorityOf(t: Task): string | undefined {
  const p = t.options.priority;
  return typeof p === "function" ? registerScore(p) : p;
}

function count(list: readonly Task[]): Record<string, number> {
  return Object.fromEntries(list.map((t) => [t.name, 0]));
}
