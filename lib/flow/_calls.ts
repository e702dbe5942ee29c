/**
 * A step's calls with restart rounds (private to lib/flow): the cache answers what it holds
 * in one lookup; the rest are called together (so routed ones reach the runtime as one
 * array), then each restart round calls only the failed ones, again together.
 *
 * @module
 */
import type { RemoteInfo, RouteMatch, StackFrame } from "../routing/mod.ts";
import { MAP_WINDOW, ResultCapture, type Session } from "../step/mod.ts";
import { isRetryable } from "./failure_policy.ts";
import { routeOfNode } from "./flow_target.ts";
import type { FlowNode } from "./node.ts";

/** A call's value or what it threw. */
export type CallResult = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * A step's calls by position, built when asked: a call's arguments (which may hold large
 * upstream values) exist only while it is looked up or runs.
 */
export interface CallList {
  /** How many calls. */
  readonly length: number;
  /**
   * The arguments of call `i`.
   *
   * @param i Position, from 0.
   */
  at(i: number): Record<string, unknown>;
}

/** Cache lookups go this many calls at a time. */
const LOOKUP_CHUNK = 1024;

/**
 * After a chunk with no hit (a fresh run), only every this many chunks is looked up (the
 * others' calls look themselves up), so a fresh step does not query the cache twice.
 */
const PROBE_EVERY = 16;

/** What {@linkcode callRounds} needs besides the calls. */
export interface CallRoundsOptions {
  /** The session whose cache and runtime the calls use. */
  readonly session: Session;
  /** The route the flow's target gives the step, if any. */
  readonly route: RouteMatch | undefined;
  /** Cancels the calls. */
  readonly signal?: AbortSignal;
  /** Called as each call settles. */
  readonly onCallSettled?: (step: string, ok: boolean) => void;
  /**
   * Takes each call's value as it arrives and returns what to hold in its place (a large
   * value left in the store). Default: the value.
   */
  readonly keep?: (key: string | undefined, value: unknown) => unknown;
  /** Called before each restart round with its number and how many calls it restarts. */
  readonly onRound: (round: number, n: number) => void;
  /** True once the run stops: no further round starts. */
  readonly stopped: () => boolean;
}

/** Results (or errors), call keys by position, and how many restart rounds ran. */
export interface CallRounds {
  readonly results: CallResult[];
  readonly keys: (string | undefined)[];
  readonly rounds: number;
}

/**
 * Calls a step for each argument record, restarting retryable failures in rounds (at most
 * the node's or route's `maxRestarts`).
 *
 * @param node The step.
 * @param calls Each call's arguments.
 * @param o Session, route, signal, listeners.
 * @returns The results and keys by position, and the number of rounds.
 */
export async function callRounds(
  node: FlowNode,
  calls: CallList,
  o: CallRoundsOptions,
): Promise<CallRounds> {
  const def = node.step.definition;
  const session = o.session;
  const results = new Array<CallResult>(calls.length);
  const keys = new Array<string | undefined>(calls.length);
  const keep = o.keep ?? ((_key: string | undefined, value: unknown) => value);
  let pending: number[] = [];
  let missSince: number | undefined;
  const capture = captureOf(session, node, calls.length, o.route);
  for (let start = 0, c = 0; start < calls.length; start += LOOKUP_CHUNK, c++) {
    const chunk: Record<string, unknown>[] = [];
    for (let i = start; i < Math.min(start + LOOKUP_CHUNK, calls.length); i++) {
      chunk.push(calls.at(i));
    }
    const lookup = missSince === undefined || (c - missSince) % PROBE_EVERY === 0;
    const cached = await session.cachedMany(def, chunk, { lookup });
    if (lookup) missSince = cached.hits.size === 0 ? (missSince ?? c) : undefined;
    for (let j = 0; j < chunk.length; j++) {
      const i = start + j;
      keys[i] = cached.keys[j];
      if (cached.hits.has(j)) {
        results[i] = { ok: true, value: keep(keys[i], cached.hits.get(j)) };
        capture?.settle(i);
      } else pending.push(i);
    }
  }
  const route = o.route;
  const max = node.options.maxRestarts ?? route?.route.maxRestarts ?? 0;
  let round = 0;
  const signal = o.signal;
  const settled = o.onCallSettled;
  for (;;) {
    const options = {
      ...(round > 0 ? { retryFailed: true } : {}),
      ...(signal ? { signal } : {}),
      ...(route ? { route } : {}),
    };
    // The first round's calls report their stored results: a chunk done in full is kept as
    // one result set, which the step's replay reads in one row.
    const first = round === 0 ? capture : undefined;
    const one = (i: number): Promise<void> =>
      session.call(
        def,
        calls.at(i),
        first ? { ...options, onStored: (key, bytes) => first.stored(i, key, bytes) } : options,
      ).then(
        (value) => void (results[i] = { ok: true, value: keep(keys[i], value) }),
        (error) => void (results[i] = { ok: false, error }),
      ).then(() => {
        first?.settle(i);
        settled?.(node.name, results[i].ok);
      });
    if (route || session.router.active) {
      // Maybe routed: every call at once, so they reach the runtime as one array.
      await Promise.all(pending.map(one));
    } else {
      // Here: a bounded window in flight keeps memory flat in the number of elements.
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < pending.length) await one(pending[next++]);
      };
      await Promise.all(Array.from({ length: Math.min(MAP_WINDOW, pending.length) }, worker));
    }
    pending = pending.filter((i) => {
      const r = results[i];
      return !r.ok && isRetryable(r.error);
    });
    if (pending.length === 0 || round >= max || o.stopped()) {
      return { results, keys, rounds: round };
    }
    round++;
    o.onRound(round, pending.length);
  }
}

/** The result capture of a step's calls run here (none for calls that may be routed). */
function captureOf(
  session: Session,
  node: FlowNode,
  n: number,
  route: RouteMatch | undefined,
): ResultCapture | undefined {
  let routed: boolean;
  try {
    routed = route !== undefined || session.router.active;
  } catch {
    return undefined; // A remote info that cannot be read: the calls report it.
  }
  if (routed) return undefined;
  return ResultCapture.of(
    node.step.definition,
    n,
    LOOKUP_CHUNK,
    () => session.store.resultSets,
    "now",
  );
}

/**
 * The route the flow's target gives a step (computed once per step). The flow restarts
 * its calls itself, in rounds, so the runtime hands every failure back.
 *
 * @param info The flow's remote info, if any.
 * @param stack Where the run was started.
 * @param node The step.
 * @returns Its route, or undefined when the target does not route it.
 */
export function flowRoute(
  info: RemoteInfo | undefined,
  stack: readonly StackFrame[],
  node: FlowNode,
): RouteMatch | undefined {
  const match = info ? routeOfNode(info, stack, node) : undefined;
  return match && { key: match.key, route: { ...match.route, restartBy: "caller" } };
}
