/**
 * Group commit of finished local calls: records and their objects are written through the
 * ledger in one transaction for every call that finished within the same turn of the event
 * loop (or `flushMs`), and the promise of each call resolves only once its commit is in the
 * store's write-ahead log. A caller that hands a value back only after that promise (the
 * session does) never loses a returned result to a kill -9; thousands of small calls a
 * second still share a few commits.
 *
 * @module
 */
import { sha256Hex } from "../codec/mod.ts";
import { type CallRecord, type FinishedCall, type Store, StoreLockedError } from "../store/mod.ts";

/** A finished call waiting to be written, with the bytes of its objects. */
export type PendingCall = FinishedCall;

/** Options of {@linkcode CallWriter}. */
export interface CallWriterOptions {
  /** Longest a finished call waits for its group's commit, ms. Default: 0 (this turn). */
  readonly flushMs?: number;
  /** Commit as soon as this many calls wait. Default: 512. */
  readonly maxPending?: number;
  /**
   * Commit as soon as the waiting calls' encoded inputs and results reach this many bytes,
   * so a run of large results is not held in memory nor written in one transaction.
   * Default: 8 MiB.
   */
  readonly maxPendingBytes?: number;
  /**
   * Called when another process holds the store's write lock past the busy timeout: the
   * group is kept and committed again after `retryMs`.
   */
  readonly onLocked?: (error: StoreLockedError, attempt: number) => void;
  /** Pause before committing again after the store was locked, ms. Default: 200. */
  readonly retryMs?: number;
}

interface Waiting extends FinishedCall {
  readonly done: () => void;
  readonly failed: (e: unknown) => void;
}

/**
 * Commits finished calls in groups.
 *
 * @example
 * ```ts
 * import { openStore } from "../store/mod.ts";
 * import { CallWriter } from "./call_writer.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const writer = new CallWriter(store);
 * const committed = writer.add({
 *   key: "k", step: "s", state: "done", codeHash: "c", version: "", argHashes: {},
 *   inputsRef: null, resultRef: null, error: null, runId: null, location: "local",
 *   attempts: 1, createdAt: 0, startedAt: 0, endedAt: 0,
 * }, new Uint8Array([0xa0]), new Uint8Array([1]));
 * assert.equal(writer.get("k")?.record.state, "done");
 * await committed;
 * assert.equal(store.getCall("k")?.state, "done");
 * writer.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class CallWriter {
  readonly #store: Store;
  readonly #flushMs: number;
  readonly #maxPending: number;
  readonly #maxPendingBytes: number;
  readonly #pending = new Map<string, Waiting>();
  #pendingBytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onLocked: (error: StoreLockedError, attempt: number) => void;
  readonly #retryMs: number;
  #lockedAttempts = 0;

  /**
   * Creates an instance.
   *
   * @param store Where to write.
   * @param options Group timing.
   */
  constructor(store: Store, options: CallWriterOptions = {}) {
    this.#store = store;
    this.#flushMs = options.flushMs ?? 0;
    this.#maxPending = options.maxPending ?? 512;
    this.#maxPendingBytes = options.maxPendingBytes ?? 8 * 1024 * 1024;
    this.#onLocked = options.onLocked ?? (() => {});
    this.#retryMs = options.retryMs ?? 200;
  }

  /** Calls waiting to be written. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Queues a finished call for the next group commit. The record's refs are filled in from
   * the bytes.
   *
   * @param record The call (refs are replaced).
   * @param inputs Encoded inputs.
   * @param result Encoded result, for done calls.
   * @returns Resolves once the call is committed; rejects when the commit fails (the store
   *   is locked past its busy timeout, or the disk is full).
   */
  add(record: CallRecord, inputs: Uint8Array, result: Uint8Array | undefined): Promise<void> {
    const full: CallRecord = {
      ...record,
      inputsRef: sha256Hex(inputs),
      resultRef: result ? sha256Hex(result) : null,
    };
    return new Promise((done, failed) => {
      const before = this.#pending.get(record.key);
      if (before) this.#pendingBytes -= bytesOf(before);
      this.#pending.set(record.key, { record: full, inputs, result, done, failed });
      this.#pendingBytes += bytesOf({ inputs, result });
      if (
        this.#pending.size >= this.#maxPending || this.#pendingBytes >= this.#maxPendingBytes
      ) {
        this.flush();
      } else if (this.#timer === undefined) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.flush();
        }, this.#flushMs);
      }
    });
  }

  /**
   * A call still waiting to be written.
   *
   * @param key Call key.
   * @returns The pending call, or undefined.
   */
  get(key: string): PendingCall | undefined {
    return this.#pending.get(key);
  }

  /**
   * Writes everything pending in one transaction now. When that transaction fails for a
   * reason other than a held lock (a full disk), the calls are written one at a time, so
   * every call that still fits is recorded and only the others fail.
   */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    try {
      this.#store.ledger.recordLocal(batch);
    } catch (e) {
      if (e instanceof StoreLockedError) {
        // Another process holds the write lock: keep the group, commit it again later.
        this.#onLocked(e, ++this.#lockedAttempts);
        this.#timer ??= setTimeout(() => {
          this.#timer = undefined;
          this.flush();
        }, this.#retryMs);
        return;
      }
      this.#settle(batch);
      if (batch.length === 1) {
        batch[0].failed(e);
        return;
      }
      for (const p of batch) {
        try {
          this.#store.ledger.recordLocal([p]);
        } catch (one) {
          p.failed(one);
          continue;
        }
        p.done();
      }
      return;
    }
    this.#lockedAttempts = 0;
    this.#settle(batch);
    for (const p of batch) p.done();
  }

  #settle(batch: readonly Waiting[]): void {
    for (const p of batch) {
      if (this.#pending.get(p.record.key) === p) {
        this.#pending.delete(p.record.key);
        this.#pendingBytes -= bytesOf(p);
      }
    }
  }

  /**
   * Flushes and stops the timer. A store still locked after the retries keeps its calls
   * pending and rejects them with the error, so the caller can say so.
   */
  close(): void {
    this.flush();
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

function bytesOf(call: Pick<FinishedCall, "inputs" | "result">): number {
  return call.inputs.byteLength + (call.result?.byteLength ?? 0);
}
