/**
 * Gathers items arriving within a window into one batch, on an injected clock: remote
 * calls made within `batchMs` of each other go into one job array.
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/**
 * A batching window: the first item opens it, `windowMs` later every item added meanwhile
 * is handed to `flush` at once.
 *
 * @example
 * ```ts
 * import { Batcher } from "./batcher.ts";
 * import { ManualClock } from "./clock.ts";
 * import assert from "node:assert/strict";
 * const clock = new ManualClock(0);
 * const batches: number[][] = [];
 * const b = new Batcher<number>({ clock, windowMs: 20, flush: (items) => void batches.push(items) });
 * b.add(1);
 * b.add(2);
 * await b.idle();
 * assert.deepEqual(batches, [[1, 2]]);
 * ```
 */
export class Batcher<T> {
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #flush: (items: T[]) => void | Promise<void>;
  #items: T[] = [];
  #open: Promise<void> | undefined;
  #abort = new AbortController();

  /**
   * @param options Clock, window length, and what to do with each batch.
   */
  constructor(options: {
    readonly clock: Clock;
    readonly windowMs: number;
    readonly flush: (items: T[]) => void | Promise<void>;
  }) {
    this.#clock = options.clock;
    this.#windowMs = options.windowMs;
    this.#flush = options.flush;
  }

  /**
   * Adds an item to the open window (opening one if none is).
   *
   * @param item The item.
   */
  add(item: T): void {
    this.#items.push(item);
    if (this.#open) return;
    this.#open = (async () => {
      try {
        await this.#clock.sleep(this.#windowMs, this.#abort.signal);
      } catch {
        return; // closed
      } finally {
        this.#open = undefined;
      }
      const items = this.#items.splice(0);
      if (items.length) await this.#flush(items);
    })();
  }

  /** Waits until the open window (if any) has been flushed. */
  async idle(): Promise<void> {
    while (this.#open) await this.#open;
  }

  /** Drops the open window without flushing it. */
  close(): void {
    this.#abort.abort();
    this.#items = [];
  }
}
