/**
 * Time as a dependency, so tests never really sleep.
 *
 * @module
 */

/** A source of time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` (rejects with the signal's reason when aborted). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(systemClock.now() - Date.now()) < 1000);
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/**
 * A clock for tests: time moves only when `advance` is called or when something sleeps
 * (sleeping advances the clock at once, without waiting).
 *
 * @example
 * ```ts
 * import { ManualClock } from "./clock.ts";
 * import assert from "node:assert/strict";
 * const clock = new ManualClock(1000);
 * await clock.sleep(500);
 * assert.equal(clock.now(), 1500);
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  /**
   * Creates an instance.
   *
   * @param start Initial time (ms).
   */
  constructor(start = 0) {
    this.#now = start;
  }
  /** Current fake time. */
  now(): number {
    return this.#now;
  }
  /**
   * Moves time forward.
   *
   * @param ms How far.
   */
  advance(ms: number): void {
    this.#now += ms;
  }
  /**
   * Advances the clock by `ms` and resolves on the next microtask.
   *
   * @param ms How long.
   * @param signal Abort.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.#now += ms;
    return Promise.resolve();
  }
}
