/**
 * Write-behind buffer for finished calls: records and their objects are written to the
 * store in one transaction per batch (every `flushMs` or `maxPending` calls, and on
 * close), which is what lets thousands of small calls a second be recorded. A kill -9
 * loses at most the last `flushMs` of finished calls, never a consistent state: each batch
 * is all-or-nothing.
 *
 * @module
 */
import { sha256Hex } from "../codec/mod.ts";
import type { CallRecord, Store } from "../store/mod.ts";

/** A finished call waiting to be written, with the bytes of its objects. */
export interface PendingCall {
  /** The record (its `inputsRef`/`resultRef` name the bytes below). */
  readonly record: CallRecord;
  /** Encoded inputs. */
  readonly inputs: Uint8Array;
  /** Encoded result, when done. */
  readonly result: Uint8Array | undefined;
}

/** Options of {@linkcode CallWriter}. */
export interface CallWriterOptions {
  /** Longest a finished call waits before it is written, ms. Default: 50. */
  readonly flushMs?: number;
  /** Write as soon as this many calls wait. Default: 512. */
  readonly maxPending?: number;
}

/**
 * Buffers finished calls and writes them in batches.
 *
 * @example
 * ```ts
 * import { openStore } from "../store/mod.ts";
 * import { CallWriter } from "./call_writer.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const writer = new CallWriter(store, { flushMs: 1_000_000 });
 * writer.add({
 *   key: "k", step: "s", state: "done", codeHash: "c", version: "", argHashes: {},
 *   inputsRef: null, resultRef: null, error: null, runId: null, location: "local",
 *   attempts: 1, createdAt: 0, startedAt: 0, endedAt: 0,
 * }, new Uint8Array([0xa0]), new Uint8Array([1]));
 * assert.equal(store.getCall("k"), undefined);
 * assert.equal(writer.get("k")?.record.state, "done");
 * writer.flush();
 * assert.equal(store.getCall("k")?.state, "done");
 * writer.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class CallWriter {
  readonly #store: Store;
  readonly #flushMs: number;
  readonly #maxPending: number;
  readonly #pending = new Map<string, PendingCall>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Creates an instance.
   *
   * @param store Where to write.
   * @param options Batch timing.
   */
  constructor(store: Store, options: CallWriterOptions = {}) {
    this.#store = store;
    this.#flushMs = options.flushMs ?? 50;
    this.#maxPending = options.maxPending ?? 512;
  }

  /** Calls waiting to be written. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Queues a finished call. The record's refs are filled in from the bytes.
   *
   * @param record The call (refs are replaced).
   * @param inputs Encoded inputs.
   * @param result Encoded result, for done calls.
   */
  add(record: CallRecord, inputs: Uint8Array, result: Uint8Array | undefined): void {
    const full: CallRecord = {
      ...record,
      inputsRef: sha256Hex(inputs),
      resultRef: result ? sha256Hex(result) : null,
    };
    this.#pending.set(record.key, { record: full, inputs, result });
    if (this.#pending.size >= this.#maxPending) {
      this.flush();
    } else if (this.#timer === undefined) {
      const timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush();
      }, this.#flushMs);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
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

  /** Writes everything pending in one transaction. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    this.#store.transaction(() => {
      for (const { record, inputs, result } of batch) {
        this.#store.objects.put(inputs, record.inputsRef!);
        if (result) this.#store.objects.put(result, record.resultRef!);
        this.#store.putCall(record);
      }
    });
    for (const p of batch) {
      if (this.#pending.get(p.record.key) === p) this.#pending.delete(p.record.key);
    }
  }

  /** Flushes and stops the timer. */
  close(): void {
    this.flush();
  }
}
