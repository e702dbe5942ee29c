/**
 * The probe of adaptive packing: when a route says `inputsPerJob: "auto"` and nothing is
 * measured of the step yet, a few calls go first, one per element, and the rest of the
 * step's calls are held back until the probe's durations are measured (or until a probe
 * element has run longer than the target element duration, which says enough: one call per
 * element). The decision is pure ({@linkcode decideAutoRound}); {@linkcode ProbeBook} keeps
 * each probe's state, with an explicit transition table.
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/** Calls in a probe (each in its own element, so they run side by side). */
export const PROBE_CALLS = 4;

/** Where the probe of one step (on one route) is. */
export type ProbeState =
  | { readonly state: "probing"; readonly keys: readonly string[]; readonly since: number }
  | { readonly state: "measured" }
  | { readonly state: "timed-out"; readonly floorMs: number };

/** Which probe states may follow which. */
export const PROBE_TRANSITIONS: Readonly<
  Record<ProbeState["state"], readonly ProbeState["state"][]>
> = { probing: ["measured", "timed-out"], measured: [], "timed-out": [] };

/** What to do with a batch of calls of an `"auto"` route. */
export type AutoRound =
  | { readonly kind: "pack"; readonly durationsMs: readonly number[] }
  | { readonly kind: "probe"; readonly count: number }
  | { readonly kind: "hold" };

/**
 * Decides what an `"auto"` batch does: packs from the measured durations when there are
 * any; holds while a probe of the step is out; sends a probe of {@linkcode PROBE_CALLS}
 * calls when nothing is known and there are more calls than that (first attempt only);
 * otherwise packs with what there is (a timed-out probe counts as calls that last its
 * floor).
 *
 * @param input The batch's calls, the step's measured durations, the probe's state and
 *   the attempt.
 * @returns Pack (with which durations), probe (how many calls), or hold.
 *
 * @example
 * ```ts
 * import { decideAutoRound } from "./auto_probe.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(decideAutoRound({ calls: 1000, durationsMs: [], attempt: 1 }), { kind: "probe", count: 4 });
 * assert.deepEqual(decideAutoRound({ calls: 3, durationsMs: [], attempt: 1 }), { kind: "pack", durationsMs: [] });
 * const probing = { state: "probing" as const, keys: ["a"], since: 0 };
 * assert.deepEqual(decideAutoRound({ calls: 996, durationsMs: [], attempt: 1, probe: probing }), { kind: "hold" });
 * assert.deepEqual(decideAutoRound({ calls: 996, durationsMs: [12], attempt: 1 }), { kind: "pack", durationsMs: [12] });
 * const late = { state: "timed-out" as const, floorMs: 400_000 };
 * assert.deepEqual(decideAutoRound({ calls: 996, durationsMs: [], attempt: 1, probe: late }), { kind: "pack", durationsMs: [400_000] });
 * ```
 */
export function decideAutoRound(input: {
  readonly calls: number;
  readonly durationsMs: readonly number[];
  readonly attempt: number;
  readonly probe?: ProbeState;
}): AutoRound {
  const probe = input.probe;
  if (probe?.state === "probing") return { kind: "hold" };
  if (input.durationsMs.length > 0) return { kind: "pack", durationsMs: input.durationsMs };
  if (probe?.state === "timed-out") return { kind: "pack", durationsMs: [probe.floorMs] };
  if (probe !== undefined || input.attempt > 1 || input.calls <= PROBE_CALLS) {
    return { kind: "pack", durationsMs: [] };
  }
  return { kind: "probe", count: PROBE_CALLS };
}

/** What a {@linkcode ProbeBook} reads of the runtime. */
export interface ProbeBookOptions {
  /** The clock (for the probe's start and its timer). */
  readonly clock: Clock;
  /** Whether a call is decided (done or failed) or no longer waited for. */
  readonly settled: (key: string) => boolean;
  /** When the earliest of these calls' elements started running, if one did (ms). */
  readonly startedAt: (keys: readonly string[]) => number | undefined;
  /** Stops the timers. */
  readonly signal?: AbortSignal;
}

/**
 * The probes of one runtime, by group (system, route, step, module): their states and
 * the waiters for their ends. Call {@linkcode ProbeBook.noteSettled} when calls settle.
 *
 * @example
 * ```ts
 * import { ProbeBook } from "./auto_probe.ts";
 * import { ManualClock } from "./clock.ts";
 * import assert from "node:assert/strict";
 * const done = new Set<string>();
 * const book = new ProbeBook({ clock: new ManualClock(0), settled: (k) => done.has(k), startedAt: () => undefined });
 * const ended = book.start("g", ["a", "b"], 60_000);
 * assert.equal(book.get("g")?.state, "probing");
 * done.add("a");
 * book.noteSettled();
 * assert.equal(book.get("g")?.state, "probing");
 * done.add("b");
 * book.noteSettled();
 * await ended;
 * assert.deepEqual(book.get("g"), { state: "measured" });
 * ```
 */
export class ProbeBook {
  readonly #o: ProbeBookOptions;
  readonly #states = new Map<string, ProbeState>();
  readonly #ends = new Map<
    string,
    { ended: Promise<void>; resolve: () => void; timer: AbortController }
  >();

  /**
   * Creates an empty book.
   *
   * @param options Clock, what is settled, when elements started.
   */
  constructor(options: ProbeBookOptions) {
    this.#o = options;
  }

  /**
   * The probe state of a group.
   *
   * @param group The group.
   * @returns Its state, or undefined when it never probed.
   */
  get(group: string): ProbeState | undefined {
    return this.#states.get(group);
  }

  /**
   * Starts a probe: `probing` until all its calls are settled (`measured`) or one of its
   * elements has run for `boundMs` (`timed-out`, its run time the floor of a call's).
   *
   * @param group The group.
   * @param keys The probe's calls.
   * @param boundMs The longest an element may last (the target within the walltime).
   * @returns Resolves when the probe ends (never rejects; stays pending when aborted).
   * @throws {RangeError} When the group already probes.
   */
  start(group: string, keys: readonly string[], boundMs: number): Promise<void> {
    if (this.#states.get(group)?.state === "probing") {
      throw new RangeError(`Cannot start a probe of "${group}": one is out`);
    }
    this.#states.set(group, { state: "probing", keys, since: this.#o.clock.now() });
    const end = Promise.withResolvers<void>();
    const timer = new AbortController();
    this.#ends.set(group, { ended: end.promise, resolve: end.resolve, timer });
    const signal = this.#o.signal ? AbortSignal.any([timer.signal, this.#o.signal]) : timer.signal;
    void this.#watchTime(group, keys, boundMs, signal);
    return end.promise;
  }

  /**
   * Waits for the end of a group's probe.
   *
   * @param group The group.
   * @returns Resolves when its probe ends (at once when none is out).
   */
  ended(group: string): Promise<void> {
    return this.#ends.get(group)?.ended ?? Promise.resolve();
  }

  /**
   * Moves every probe whose calls are all settled to `measured`.
   */
  noteSettled(): void {
    for (const [group, s] of this.#states) {
      if (s.state === "probing" && s.keys.every(this.#o.settled)) {
        this.#move(group, { state: "measured" });
      }
    }
  }

  async #watchTime(
    group: string,
    keys: readonly string[],
    boundMs: number,
    signal: AbortSignal,
  ): Promise<void> {
    const period = Math.max(1, boundMs);
    while (this.#states.get(group)?.state === "probing") {
      try {
        await this.#o.clock.sleep(period, signal);
      } catch {
        return; // closed
      }
      if (this.#states.get(group)?.state !== "probing") return;
      const started = this.#o.startedAt(keys);
      const ran = started === undefined ? 0 : this.#o.clock.now() - started;
      if (ran >= boundMs) this.#move(group, { state: "timed-out", floorMs: ran });
    }
  }

  #move(group: string, next: ProbeState): void {
    const now = this.#states.get(group);
    if (!now || !PROBE_TRANSITIONS[now.state].includes(next.state)) return;
    this.#states.set(group, next);
    const end = this.#ends.get(group);
    this.#ends.delete(group);
    end?.timer.abort(); // its timer must not keep the process alive
    end?.resolve();
  }
}
