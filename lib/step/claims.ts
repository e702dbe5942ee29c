/**
 * Claims of one process: calls it is about to run are claimed in the store in batches (one
 * transaction for every claim made within the same turn of the event loop), their leases
 * are renewed while the process lives, and released when it closes.
 *
 * @module
 */
import type { Clock } from "../runtime/mod.ts";
import { type ClaimEntry, type ClaimOutcome, type Store, StoreLockedError } from "../store/mod.ts";

interface Pending {
  readonly entry: ClaimEntry;
  readonly resolve: (o: ClaimOutcome) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Batched claims with a lease heartbeat.
 *
 * @example
 * ```ts
 * import { Claims } from "./claims.ts";
 * import { openStore } from "../store/mod.ts";
 * import { systemClock } from "../runtime/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const claims = new Claims(store, { owner: "h:1:x", clock: systemClock });
 * const entry = { key: "k", step: "s", codeHash: "c", version: "", argHashes: {},
 *   location: "local", runId: null, expect: "absent" as const };
 * assert.deepEqual(await Promise.all([claims.claim(entry), claims.claim({ ...entry, key: "k2" })]), ["claimed", "claimed"]);
 * claims.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Claims {
  /** This process's owner id. */
  readonly owner: string;
  /** How long a claim lasts without renewal, ms. */
  readonly leaseMs: number;
  readonly #store: Store;
  readonly #clock: Clock;
  #pending: Pending[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /**
   * @param store The store.
   * @param options Owner id, clock, lease length (default 60 000 ms).
   */
  constructor(
    store: Store,
    options: { readonly owner: string; readonly clock: Clock; readonly leaseMs?: number },
  ) {
    this.#store = store;
    this.owner = options.owner;
    this.#clock = options.clock;
    this.leaseMs = options.leaseMs ?? 60_000;
  }

  /**
   * Claims a call (written with the other claims of this turn).
   *
   * @param entry The call and the state its caller saw.
   * @returns How the claim went.
   */
  claim(entry: ClaimEntry): Promise<ClaimOutcome> {
    if (this.#closed) {
      return Promise.reject(new TypeError("Cannot claim a call: the session is closed"));
    }
    return new Promise((resolve, reject) => {
      this.#pending.push({ entry, resolve, reject });
      this.#timer ??= setTimeout(() => this.#flush(), 0);
      this.#startHeartbeat();
    });
  }

  #flush(): void {
    this.#timer = undefined;
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return;
    try {
      const outcomes = this.#store.ledger.claim(batch.map((p) => p.entry), {
        owner: this.owner,
        now: this.#clock.now(),
        leaseMs: this.leaseMs,
      });
      batch.forEach((p, i) => p.resolve(outcomes[i]));
    } catch (e) {
      if (e instanceof StoreLockedError && !this.#closed) {
        // Another process holds the write lock past the busy timeout: try again shortly.
        this.#pending.unshift(...batch);
        this.#timer ??= setTimeout(() => this.#flush(), 200);
        return;
      }
      for (const p of batch) p.reject(e);
    }
  }

  #startHeartbeat(): void {
    if (this.#heartbeat !== undefined) return;
    const beat = setInterval(() => {
      try {
        this.#store.ledger.renewClaims(this.owner, this.#clock.now() + this.leaseMs);
      } catch {
        // A busy store: the next beat tries again (leases are three beats long).
      }
    }, Math.max(10, Math.floor(this.leaseMs / 3)));
    Deno.unrefTimer(beat);
    this.#heartbeat = beat;
  }

  /** Stops the heartbeat and releases the claims of calls not in live jobs. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    try {
      this.#store.ledger.releaseClaims(this.owner);
    } catch {
      // The claims lapse with their lease.
    }
  }
}
