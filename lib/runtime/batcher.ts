/**
 * Gathers items arriving within a window into one batch, on an injected clock: remote
 * calls made within `batchMs` of each other go into one job array.
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/**
 * A batching window: the first item opens it; it closes once no item has come for
 * `windowMs` (or `maxWaitMs` after it opened, whichever is first), and every item added
 * meanwhile is handed to `flush` at once. So the calls of a map whose driver work spreads
 * them over more than one window still go out as one array.
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
  readonly #maxWaitMs: number;
  readonly #flush: (items: T[]) => void | Promise<void>;
  #items: T[] = [];
  #open: Promise<void> | undefined;
  #arrivals = 0;
  #abort = new AbortController();

  /**
   * @param options Clock, quiet window, longest wait (default 25 windows), and what to do
   *   with each batch.
   */
  constructor(options: {
    readonly clock: Clock;
    readonly windowMs: number;
    readonly maxWaitMs?: number;
    readonly flush: (items: T[]) => void | Promise<void>;
  }) {
    this.#clock = options.clock;
    this.#windowMs = options.windowMs;
    this.#maxWaitMs = options.maxWaitMs ?? 25 * options.windowMs;
    this.#flush = options.flush;
  }

  /**
   * Adds an item to the open window (opening one if none is).
   *
   * @param item The item.
   */
  add(item: T): void {
    this.#items.push(item);
    this.#arrivals++;
    if (this.#open) return;
    // Marked open before the window's first sleep, so items added meanwhile join it.
    this.#open = Promise.resolve().then(() => this.#window());
  }

  async #window(): Promise<void> {
    const opened = this.#clock.now();
    try {
      for (;;) {
        const seen = this.#arrivals;
        const left = this.#maxWaitMs - (this.#clock.now() - opened);
        await this.#clock.sleep(Math.max(0, Math.min(this.#windowMs, left)), this.#abort.signal);
        if (this.#arrivals === seen || this.#clock.now() - opened >= this.#maxWaitMs) break;
      }
    } catch {
      return; // closed
    } finally {
      this.#open = undefined;
    }
    const items = this.#items.splice(0);
    if (items.length) await this.#flush(items);
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
