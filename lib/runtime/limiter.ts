/**
 * A counting semaphore for concurrency limits.
 *
 * @module
 */

/**
 * Lets at most `limit` tasks run at once; others wait in FIFO order.
 *
 * @example
 * ```ts
 * import { Limiter } from "./limiter.ts";
 * import assert from "node:assert/strict";
 * const limiter = new Limiter(2);
 * let running = 0, peak = 0;
 * await Promise.all([1, 2, 3, 4].map(() =>
 *   limiter.run(async () => {
 *     peak = Math.max(peak, ++running);
 *     await Promise.resolve();
 *     running--;
 *   })
 * ));
 * assert.equal(peak, 2);
 * ```
 */
export class Limiter {
  readonly #limit: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  /**
   * Creates an instance.
   *
   * @param limit Maximum concurrent tasks (≥ 1; Infinity for none).
   * @throws {RangeError} for a limit below 1.
   */
  constructor(limit: number) {
    if (!(limit >= 1)) {
      throw new RangeError(`Cannot create limiter: limit must be ≥ 1 (got ${limit})`);
    }
    this.#limit = limit;
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  /**
   * Runs `task` when a slot is free.
   *
   * @param task The work.
   * @returns Its result.
   */
  async run<T>(task: () => Promise<T> | T): Promise<T> {
    if (this.#active >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}
