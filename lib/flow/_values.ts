/**
 * A step's results by call key while a flow runs (private to lib/flow). Small values stay
 * in memory; a large one (an array of 16 KiB or more, a long string, an object holding
 * such) is left in the store, where its call recorded it, and read back when an element is
 * read, through a small cache of recent reads. So a flow of many large elements holds
 * about one window of them in the driver, not all of them (issue 11, item 7).
 *
 * @module
 */
import { decode } from "../codec/mod.ts";
import { openStore, type Store } from "../store/mod.ts";
import type { ValueTable } from "./flow_array.ts";

/** Values at least this large (estimated) are read from the store, in bytes. */
export const SPILL_BYTES = 16 * 1024;

/** At most this many values read back from the store are kept for the next read… */
const RECENT = 64;
/** …and at most about this many bytes of them. */
const RECENT_BYTES = 4 * 1024 * 1024;

/** What {@linkcode ResultTable.put} hands back in place of a value left in the store. */
export const SPILLED: unique symbol = Symbol("drover.flow.spilled");

/**
 * A rough size of a value in bytes, counted until `limit` is passed: byte length of binary
 * data, length of strings, 8 bytes an array slot and the sizes of nested values a few
 * levels down. Cheap for numbers and small records, which are most elements.
 *
 * @param value Any value.
 * @param limit Stop counting past this.
 * @returns The estimate (at least `limit` when it was passed).
 *
 * @example
 * ```ts
 * import { roughSize } from "./_values.ts";
 * import assert from "node:assert/strict";
 * assert.equal(roughSize(3, 100), 8);
 * assert.ok(roughSize(new Float64Array(1000), 100) >= 100);
 * assert.ok(roughSize({ xs: Array(5000).fill(1) }, 16_384) >= 16_384);
 * ```
 */
export function roughSize(value: unknown, limit: number): number {
  return sizeOf(value, limit, 3);
}

function sizeOf(value: unknown, limit: number, depth: number): number {
  if (value === null || typeof value !== "object") {
    return typeof value === "string" ? value.length : 8;
  }
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (Array.isArray(value)) {
    let n = 8 * value.length;
    if (n >= limit || depth === 0) return n;
    for (let i = 0; i < value.length && n < limit; i++) n += sizeOf(value[i], limit - n, depth - 1);
    return n;
  }
  if (value instanceof Map || value instanceof Set) {
    let n = 16 * value.size;
    if (n >= limit || depth === 0) return n;
    for (const v of value.values()) {
      n += sizeOf(v, limit - n, depth - 1);
      if (n >= limit) break;
    }
    return n;
  }
  let n = 16;
  if (depth === 0) return n;
  for (const k in value) {
    n += 8 + sizeOf((value as Record<string, unknown>)[k], limit - n, depth - 1);
    if (n >= limit) break;
  }
  return n;
}

/** Options of {@linkcode ResultTable}. */
export interface ResultTableOptions {
  /** Values at least this large are left in the store. Default: {@linkcode SPILL_BYTES}. */
  readonly spillBytes?: number;
  /**
   * Whether the store holds a call's result bytes (asked only of large values). Default:
   * yes for every key given as stored.
   */
  readonly isStored?: (key: string) => boolean;
}

/**
 * Results by call key, large ones read from the store on demand.
 *
 * @example
 * ```ts
 * import { ResultTable, SPILLED } from "./_values.ts";
 * import assert from "node:assert/strict";
 * const stored = new Map([["big", new Float64Array(4096)]]);
 * const table = new ResultTable((key) => stored.get(key), { spillBytes: 1024 });
 * assert.equal(table.put("small", 3, true), 3);
 * assert.equal(table.put("big", new Float64Array(4096), true), SPILLED);
 * assert.equal((table.put("unstored", new Float64Array(4096), false) as Float64Array).length, 4096);
 * assert.equal((table.get("big") as Float64Array).length, 4096);
 * assert.deepEqual(table.counts(), { resident: 2, spilled: 1 });
 * ```
 */
export class ResultTable implements ValueTable {
  readonly #read: (key: string) => unknown;
  readonly #spillBytes: number;
  readonly #isStored: (key: string) => boolean;
  readonly #resident = new Map<string, unknown>();
  readonly #spilled = new Set<string>();
  readonly #recent = new Map<string, { value: unknown; size: number }>();
  #recentBytes = 0;

  /**
   * Creates an instance.
   *
   * @param read Reads a call's result from the store by key (a value that was recorded).
   * @param options Threshold.
   */
  constructor(read: (key: string) => unknown, options: ResultTableOptions = {}) {
    this.#read = read;
    this.#spillBytes = options.spillBytes ?? SPILL_BYTES;
    this.#isStored = options.isStored ?? (() => true);
  }

  /**
   * Takes a call's result.
   *
   * @param key The call's key.
   * @param value Its result.
   * @param cached Whether the call is recorded under `key` (a cached step's call).
   * @returns The value, or {@linkcode SPILLED} when it was left in the store.
   */
  put(key: string, value: unknown, cached: boolean): unknown {
    if (this.#resident.has(key) || this.#spilled.has(key)) {
      return this.#spilled.has(key) ? SPILLED : value;
    }
    if (
      cached && roughSize(value, this.#spillBytes) >= this.#spillBytes && this.#isStored(key)
    ) {
      this.#spilled.add(key);
      return SPILLED;
    }
    this.#resident.set(key, value);
    return value;
  }

  /**
   * A call's result (read from the store when it was left there).
   *
   * @param key The call's key.
   * @returns The value, or undefined for an unknown key.
   */
  get(key: string): unknown {
    if (this.#resident.has(key)) return this.#resident.get(key);
    if (!this.#spilled.has(key)) return undefined;
    const hit = this.#recent.get(key);
    if (hit) {
      this.#recent.delete(key);
      this.#recent.set(key, hit);
      return hit.value;
    }
    const value = this.#read(key);
    const size = roughSize(value, RECENT_BYTES);
    this.#recent.set(key, { value, size });
    this.#recentBytes += size;
    while (
      this.#recent.size > 1 && (this.#recent.size > RECENT || this.#recentBytes > RECENT_BYTES)
    ) {
      const [oldest, e] = this.#recent.entries().next().value!;
      this.#recent.delete(oldest);
      this.#recentBytes -= e.size;
    }
    return value;
  }

  /** How many values are held in memory and how many are read from the store. */
  counts(): { resident: number; spilled: number } {
    return { resident: this.#resident.size, spilled: this.#spilled.size };
  }
}

/** A value a flow left in the store is no longer there (its call was removed). */
export class FlowValueMissingError extends Error {
  /**
   * Creates an instance.
   *
   * @param key The call whose result is missing.
   * @param dir The store's directory.
   */
  constructor(readonly key: string, readonly dir: string) {
    super(
      `the value of call ${
        key.slice(0, 12)
      } is no longer in the store "${dir}" (was it removed with drover rm?); run the flow again to compute it`,
    );
    this.name = "FlowValueMissingError";
  }
}

/**
 * Reads recorded results by call key from a store: the session's while it is open, then the
 * same store opened again (kept open for the rest of the process), so a run's large values
 * stay readable after its session closed.
 *
 * @param store The session's store.
 * @returns The reader (throws {@linkcode FlowValueMissingError}).
 */
export function resultReader(store: Store): (key: string) => unknown {
  let reopened: Store | undefined;
  return (key) => {
    const from = store.closed ? (reopened ??= openStore({ dir: store.dir })) : store;
    const bytes = from.lookupCall(key)?.result;
    if (!bytes) throw new FlowValueMissingError(key, store.dir);
    return decode(bytes);
  };
}
