/**
 * {@linkcode SubmissionGate}: routed calls go out before local work takes the thread.
 *
 * A local step runs on the event loop; while a CPU-bound local map runs, the routed calls
 * beside it (bundling, staging, `sbatch`) advance by one event-loop turn per local call,
 * so a job waited for seconds. The session marks each routed call from its routing until
 * its job is submitted (or the call ends); in-process local calls wait at the gate while
 * such calls are pending, for at most `maxHoldMs` per episode, so a slow or unreachable
 * system never stalls local work for long.
 *
 * @module
 */
import { type Clock, systemClock } from "../runtime/mod.ts";

/** Options of a {@linkcode SubmissionGate}. */
export interface SubmissionGateOptions {
  /**
   * Longest hold of local work while routed calls wait for submission, ms, once per
   * episode (from the first pending call until none is pending). Default 10000.
   */
  readonly maxHoldMs?: number;
  /** The clock the hold runs out on. Default: the system clock. */
  readonly clock?: Pick<Clock, "sleep">;
}

/**
 * Holds local work while routed calls wait to be submitted.
 *
 * @example
 * ```ts
 * import { SubmissionGate } from "./submission_gate.ts";
 * import assert from "node:assert/strict";
 * const gate = new SubmissionGate();
 * assert.equal(gate.pending, 0);
 * assert.equal(gate.hold(), undefined); // nothing routed: go on
 * gate.routed("k1");
 * let held = true;
 * const waiting = gate.hold()!.then(() => held = false);
 * await Promise.resolve();
 * assert.equal(held, true);
 * gate.submitted(["k1"]);
 * await waiting;
 * assert.equal(held, false);
 * ```
 */
export class SubmissionGate {
  readonly #maxHoldMs: number;
  readonly #clock: Pick<Clock, "sleep">;
  readonly #pending = new Set<string | symbol>();
  #open: PromiseWithResolvers<void> | undefined;
  #gaveUp = false;

  /**
   * @param options The longest hold.
   */
  constructor(options: SubmissionGateOptions = {}) {
    this.#maxHoldMs = options.maxHoldMs ?? 10_000;
    this.#clock = options.clock ?? systemClock;
  }

  /** Routed calls waiting for their job to be submitted. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * A call was routed to a system: local work waits for it to be submitted.
   *
   * @param key The call's key (or a token for a call whose key is not known yet).
   */
  routed(key: string | symbol): void {
    if (this.#pending.size === 0) this.#gaveUp = false;
    this.#pending.add(key);
  }

  /**
   * Calls were submitted in a job, or ended (done, failed, refused).
   *
   * @param keys Their keys.
   */
  submitted(keys: Iterable<string | symbol>): void {
    for (const key of keys) this.#pending.delete(key);
    if (this.#pending.size === 0 && this.#open) {
      this.#open.resolve();
      this.#open = undefined;
    }
  }

  /**
   * Undefined when local work may go on now (no routed call pending, or the episode's
   * hold ran out); else a promise that settles when none is pending or the hold runs out.
   * Check it right before running local work, with no `await` between.
   *
   * @returns undefined, or when to check again.
   */
  hold(): Promise<void> | undefined {
    if (this.#pending.size === 0 || this.#gaveUp) return undefined;
    this.#open ??= Promise.withResolvers<void>();
    const open = this.#open.promise;
    const stop = new AbortController();
    const timeout = this.#clock.sleep(this.#maxHoldMs, stop.signal).then(
      () => void (this.#gaveUp = true),
      () => {}, // opened first
    );
    return Promise.race([open, timeout]).finally(() => stop.abort());
  }
}
