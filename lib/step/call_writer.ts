/**
 * Write-behind group commit of finished local calls: records and their objects are
 * written through the ledger in one transaction per batch, a batch closing when it holds
 * `maxPending` calls or its oldest call has waited `flushMs`, whichever comes first. A
 * caller is handed its value before the commit (the session answers later lookups of a
 * pending call from the batch), so a million small calls share a few hundred commits.
 *
 * Durability: every call handed back is committed before the process exits normally
 * (`flush()` when the session ends, and on `unload` for any writer still holding calls:
 * the batch timer does not keep a finished script alive); after a kill -9 at most the
 * calls of the open batch (the last `flushMs`, at most `maxPending` calls) are lost, and
 * they run again on the next run (their claims lapse with the dead process).
 *
 * @module
 */
import { sha256Hex } from "../codec/mod.ts";
import { type CallRecord, type FinishedCall, type Store, StoreLockedError } from "../store/mod.ts";

/** A finished call waiting to be written, with the bytes of its objects. */
export type PendingCall = FinishedCall;

/** Longest a finished call waits for its batch's commit by default, ms. */
export const FLUSH_MS = 50;

/** Most calls in one batch by default. */
export const MAX_PENDING = 5000;

/** Options of {@linkcode CallWriter}. */
export interface CallWriterOptions {
  /** Longest a finished call waits for its batch's commit, ms. Default: {@linkcode FLUSH_MS}. */
  readonly flushMs?: number;
  /** Commit as soon as this many calls wait. Default: {@linkcode MAX_PENDING}. */
  readonly maxPending?: number;
  /**
   * Called when another process holds the store's write lock past the busy timeout: the
   * batch is kept and committed again after `retryMs`.
   */
  readonly onLocked?: (error: StoreLockedError, attempt: number) => void;
  /** Pause before committing again after the store was locked, ms. Default: 200. */
  readonly retryMs?: number;
}

/** Writers holding calls not yet committed: written on the process's normal exit. */
const unwritten = new Set<CallWriter>();
let exitHooked = false;

function writeAtExit(writer: CallWriter): void {
  unwritten.add(writer);
  if (exitHooked) return;
  exitHooked = true;
  // `unload` fires when the event loop is empty and on Deno.exit(); the batch timer is
  // unref'd, so a script ends as soon as its work is done and its last batch is written here.
  globalThis.addEventListener("unload", () => {
    for (const w of [...unwritten]) {
      try {
        w.flush();
      } catch {
        // The writer keeps its failure; its session reports it.
      }
    }
  });
}

interface Waiting extends FinishedCall {
  readonly done: () => void;
  readonly failed: (e: unknown) => void;
}

/**
 * Commits finished calls in batches, by size and by time.
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
 * assert.equal(writer.get("k")?.record.state, "done"); // pending: answered from the batch
 * assert.equal(store.getCall("k"), undefined);
 * writer.flush(); // else within flushMs (or at exit)
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
  readonly #pending = new Map<string, Waiting>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onLocked: (error: StoreLockedError, attempt: number) => void;
  readonly #retryMs: number;
  #lockedAttempts = 0;
  #commits = 0;
  #failure: unknown;

  /**
   * Creates an instance.
   *
   * @param store Where to write.
   * @param options Batch size and timing.
   * @throws {RangeError} for a negative `flushMs` or a `maxPending` below 1.
   */
  constructor(store: Store, options: CallWriterOptions = {}) {
    this.#store = store;
    this.#flushMs = options.flushMs ?? FLUSH_MS;
    this.#maxPending = options.maxPending ?? MAX_PENDING;
    if (!(this.#flushMs >= 0)) {
      throw new RangeError(`Cannot write calls: flushMs must be ≥ 0 (got ${this.#flushMs})`);
    }
    if (!(this.#maxPending >= 1)) {
      throw new RangeError(`Cannot write calls: maxPending must be ≥ 1 (got ${this.#maxPending})`);
    }
    this.#onLocked = options.onLocked ?? (() => {});
    this.#retryMs = options.retryMs ?? 200;
  }

  /** Calls waiting to be written. */
  get size(): number {
    return this.#pending.size;
  }

  /** Batches committed so far. */
  get commits(): number {
    return this.#commits;
  }

  /**
   * The error of a batch that could not be written (not a lock: the disk is full, the file
   * is damaged), once one failed; its calls are lost and later `add`s throw it.
   */
  get failure(): unknown {
    return this.#failure;
  }

  /**
   * Queues a finished call for its batch's commit. The record's refs are filled in from
   * the bytes. The call is readable through {@linkcode CallWriter.get} at once.
   *
   * @param record The call (refs are replaced).
   * @param inputs Encoded inputs.
   * @param result Encoded result, for done calls.
   * @returns Resolves once the call is committed; rejects when its batch cannot be written
   *   (the disk is full). A store locked by another process is retried, not rejected. The
   *   batch timer is unref'd: awaiting this alone does not keep the process alive.
   * @throws {Error} the earlier batch's failure, once a batch could not be written.
   */
  add(record: CallRecord, inputs: Uint8Array, result: Uint8Array | undefined): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    const full: CallRecord = {
      ...record,
      inputsRef: sha256Hex(inputs),
      resultRef: result ? sha256Hex(result) : null,
    };
    return new Promise((done, failed) => {
      this.#pending.set(record.key, { record: full, inputs, result, done, failed });
      if (this.#pending.size >= this.#maxPending) {
        this.flush();
      } else if (this.#timer === undefined) {
        writeAtExit(this);
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.flush();
        }, this.#flushMs);
        Deno.unrefTimer(this.#timer);
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

  /** Writes everything pending in one transaction now. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending.size === 0) {
      unwritten.delete(this);
      return;
    }
    const batch = [...this.#pending.values()];
    try {
      this.#store.ledger.recordLocal(batch);
    } catch (e) {
      if (e instanceof StoreLockedError) {
        // Another process holds the write lock: keep the batch, commit it again later.
        this.#onLocked(e, ++this.#lockedAttempts);
        this.#timer ??= setTimeout(() => {
          this.#timer = undefined;
          this.flush();
        }, this.#retryMs);
        return;
      }
      this.#failure ??= e;
      for (const p of batch) this.#pending.delete(p.record.key);
      unwritten.delete(this);
      for (const p of batch) p.failed(e);
      return;
    }
    this.#lockedAttempts = 0;
    this.#commits++;
    for (const p of batch) {
      if (this.#pending.get(p.record.key) === p) this.#pending.delete(p.record.key);
    }
    if (this.#pending.size === 0) unwritten.delete(this);
    for (const p of batch) p.done();
  }

  /**
   * Flushes and stops the timer. A store still locked by another process keeps the batch
   * pending (lost if the process then exits: those calls run again next time).
   */
  close(): void {
    this.flush();
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
