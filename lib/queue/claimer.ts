/**
 * `Claimer`: a process's hand-out buffer over one task, as schedulers keep one. It claims up to
 * `batch` rows in one transaction and hands them out one at a time; outcomes are kept and
 * written together with the next claim (one transaction for both), so the store's write lock is
 * taken once per batch rather than twice per row. Nothing is given up for it: buffered rows are
 * claimed in the store with their lease and fence (they count against the in-flight cap, another
 * runner cannot take them, and a crashed process's rows come back when their lease ends), a
 * late outcome is refused by its fence, and a buffered row whose lease ran out is not handed out.
 *
 * @module
 */
import type { Store } from "../store/mod.ts";
import {
  type Claim,
  claimRows,
  finishClaims,
  type ItemOutcome,
  releaseClaims,
  renewClaims,
} from "./claims.ts";

/** Options of {@linkcode Claimer}. */
export interface ClaimerOptions {
  /** Who claims (`host:pid:nonce`). */
  readonly owner: string;
  /** How long a claim holds without renewal, ms. */
  readonly leaseMs: number;
  /** Rows claimed at once, and outcomes kept before they are written. Default: 64. */
  readonly batch?: number;
  /** Claims lost to expired leases before a row is failed as lost. Default: 3. */
  readonly maxAttempts?: number;
}

/** An outcome written by {@linkcode Claimer.flush}. */
export interface RecordedOutcome {
  /** The claim. */
  readonly claim: Claim;
  /** What it ended with. */
  readonly outcome: ItemOutcome;
  /** Whether it was accepted (false: the claim had moved on). */
  readonly accepted: boolean;
}

/**
 * Hands out one task's rows from a local buffer of claims.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "npm:zod@^3.25.0";
 * import { openStore } from "../store/mod.ts";
 * import { Claimer, registerTask, table } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * table("t", z.object({ id: z.number() })).insert([1, 2, 3].map((id) => ({ id })), { store });
 * registerTask(store, { name: "w", source: "t", inFlight: 10 });
 * const claimer = new Claimer(store, "w", { owner: "me", leaseMs: 60_000, batch: 2 });
 * const keys: string[] = [];
 * for (let c = claimer.next(0); c; c = claimer.next(0)) {
 *   keys.push(c.key);
 *   claimer.finish(c, { ok: true, result: c.row });
 * }
 * claimer.flush(0);
 * assert.deepEqual(keys, ["1", "2", "3"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Claimer implements Disposable {
  readonly #store: Store;
  readonly #task: string;
  readonly #options: ClaimerOptions;
  readonly #batch: number;
  #buffer: { claim: Claim; until: number }[] = [];
  readonly #out = new Map<string, Claim>();
  #ends: { claim: Claim; outcome: ItemOutcome }[] = [];

  /**
   * A buffer over one task.
   *
   * @param store The project store.
   * @param task The task (registered).
   * @param options Owner, lease, batch size.
   * @throws {RangeError} For a batch that is not a whole number, 1 or more.
   */
  constructor(store: Store, task: string, options: ClaimerOptions) {
    const batch = options.batch ?? 64;
    if (!Number.isInteger(batch) || batch < 1) {
      throw new RangeError(`Cannot create a claimer for task "${task}": batch must be 1 or more`);
    }
    this.#store = store;
    this.#task = task;
    this.#options = options;
    this.#batch = batch;
  }

  /**
   * The next row: from the buffer, else from a new claim of up to `batch` rows (written in the
   * same transaction as the outcomes kept so far).
   *
   * @param now Now, ms.
   * @returns A claim, or undefined when nothing is free or eligible.
   * @throws {UnknownTaskError} For an unknown task.
   */
  next(now: number): Claim | undefined {
    for (;;) {
      const entry = this.#buffer.shift();
      if (entry === undefined) break;
      if (entry.until > now) return this.#handOut(entry.claim);
    }
    const claims = this.#store.queue.transaction(() => {
      this.flush(now);
      return claimRows(this.#store, this.#task, {
        owner: this.#options.owner,
        now,
        leaseMs: this.#options.leaseMs,
        limit: this.#batch,
        maxAttempts: this.#options.maxAttempts,
      });
    });
    const until = now + this.#options.leaseMs;
    this.#buffer = claims.map((claim) => ({ claim, until }));
    const first = this.#buffer.shift();
    return first === undefined ? undefined : this.#handOut(first.claim);
  }

  /**
   * Keeps a row's outcome; it is written with the next claim, at `flush`, or once `batch`
   * outcomes wait.
   *
   * @param claim A claim this claimer handed out.
   * @param outcome The result or the error.
   * @param now Now, ms (used when the outcomes are written now).
   */
  finish(claim: Claim, outcome: ItemOutcome, now = Date.now()): void {
    this.#out.delete(idOf(claim));
    this.#ends.push({ claim, outcome });
    if (this.#ends.length >= this.#batch) this.flush(now);
  }

  /**
   * Writes the outcomes kept.
   *
   * @param now Now, ms.
   * @returns Each outcome and whether it was accepted.
   */
  flush(now: number): RecordedOutcome[] {
    if (this.#ends.length === 0) return [];
    const ends = this.#ends;
    const accepted = finishClaims(this.#store, ends, now);
    this.#ends = [];
    return ends.map((e, i) => ({ ...e, accepted: accepted[i]! }));
  }

  /**
   * Extends the leases of the rows buffered or handed out and not finished.
   *
   * @param until The new end of their leases.
   * @returns The claims no longer held (dropped from the buffer).
   */
  renew(until: number): Claim[] {
    const lost = renewClaims(this.#store, [
      ...this.#buffer.map((e) => e.claim),
      ...this.#out.values(),
    ], until);
    const gone = new Set(lost.map(idOf));
    this.#buffer = this.#buffer.filter((e) => !gone.has(idOf(e.claim)))
      .map((e) => ({ claim: e.claim, until }));
    return lost;
  }

  /**
   * Writes the outcomes kept and gives the buffered rows back (pending, attempt not counted).
   *
   * @param now Now, ms.
   * @returns How many buffered rows went back.
   */
  close(now: number = Date.now()): number {
    this.flush(now);
    const back = releaseClaims(this.#store, this.#buffer.map((e) => e.claim));
    this.#buffer = [];
    return back;
  }

  /** Same as {@linkcode Claimer.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #handOut(claim: Claim): Claim {
    this.#out.set(idOf(claim), claim);
    return claim;
  }
}

function idOf(c: Claim): string {
  return `${c.task}/${c.rowSeq}`;
}
