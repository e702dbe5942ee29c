/**
 * A local map's chunks of calls kept as result sets as they finish (`ResultSets`), so the
 * map's replay reads one row per chunk instead of looking up each call.
 *
 * @module
 */
import { MIN_RESULT_SET, type ResultSets } from "../store/mod.ts";
import type { StepDefinition } from "./definition.ts";

interface OpenChunk {
  /** The calls' generation when the chunk's first call started. */
  readonly generation: number;
  readonly keys: string[];
  readonly bytes: Uint8Array[];
  stored: number;
  settled: number;
}

/**
 * Collects the stored results of a map's calls chunk by chunk (the chunks of its replay's
 * lookup). A chunk whose every call ended done here or came from the store is kept as one
 * set once its last call settles; a chunk with a failure, an invalid input, a call joined to
 * one in flight or a call the chunk lookup answered is not (its replay keeps it instead).
 *
 * The calls' generation must be read before any call of a chunk is recorded: either given
 * once, before the first call (a flow's step), or read as each chunk's first index starts
 * ({@linkcode ResultCapture.start}, for a map, whose workers take indexes in order).
 *
 * @example
 * ```ts
 * import { openStore } from "../store/mod.ts";
 * import { ResultCapture } from "./result_capture.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const capture = new ResultCapture(store.resultSets, 64, 64);
 * for (let i = 0; i < 64; i++) {
 *   capture.start(i);
 *   capture.stored(i, i.toString(16).padStart(64, "0"), new Uint8Array([i]));
 *   capture.settle(i);
 * }
 * const keys = Array.from({ length: 64 }, (_, i) => i.toString(16).padStart(64, "0"));
 * assert.deepEqual(store.resultSets.get(keys)?.[5], new Uint8Array([5]));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ResultCapture {
  readonly #sets: ResultSets;
  readonly #length: number;
  readonly #size: number;
  readonly #open = new Map<number, OpenChunk>();
  readonly #generation: number | undefined;

  /**
   * The capture for `length` calls of a cached step, or undefined when there is nothing to
   * keep (an uncached step, fewer calls than a set holds) or the store cannot be read (the
   * calls report why, each on its own).
   *
   * @param def The step.
   * @param length The number of calls.
   * @param size Calls per chunk.
   * @param sets The store's result sets (read here, so a store that cannot open is caught).
   * @param generation `"now"`: read once here, before any call runs (a flow's step);
   *   `"per-chunk"`: read as each chunk starts (a map).
   * @returns The capture, or undefined.
   */
  static of(
    // deno-lint-ignore no-explicit-any
    def: StepDefinition<any, any> | undefined,
    length: number,
    size: number,
    sets: () => ResultSets,
    generation: "now" | "per-chunk",
  ): ResultCapture | undefined {
    if (def === undefined || def.options.cache === false || length < MIN_RESULT_SET) {
      return undefined;
    }
    try {
      const s = sets();
      return new ResultCapture(s, length, size, generation === "now" ? s.generation() : undefined);
    } catch {
      return undefined;
    }
  }

  /**
   * @param sets The store's result sets.
   * @param length The number of calls.
   * @param size Calls per chunk.
   * @param generation The calls' generation before any of them was recorded; chunks then
   *   open as their first call reports. Default: each chunk reads it in `start`.
   */
  constructor(sets: ResultSets, length: number, size: number, generation?: number) {
    this.#sets = sets;
    this.#length = length;
    this.#size = size;
    this.#generation = generation;
  }

  /**
   * Input `index` starts: the first of a chunk opens it.
   *
   * @param index The input's index.
   */
  start(index: number): void {
    if (index % this.#size !== 0) return;
    const n = this.#chunkLength(index / this.#size);
    let generation;
    try {
      generation = this.#sets.generation();
    } catch {
      return; // The store cannot be read: the calls report it, each on its own.
    }
    this.#open.set(index / this.#size, newChunk(generation, n));
  }

  /**
   * Input `index`'s call ended done with these stored result bytes.
   *
   * @param index The input's index.
   * @param key The call's key.
   * @param bytes Its result as stored.
   */
  stored(index: number, key: string, bytes: Uint8Array): void {
    const c = this.#chunk(Math.floor(index / this.#size));
    if (!c) return;
    const at = index % this.#size;
    if (c.keys[at] === undefined) c.stored++;
    c.keys[at] = key;
    c.bytes[at] = bytes;
  }

  /**
   * Input `index` is settled (whatever its outcome); the chunk's last one keeps the chunk
   * when all of its calls were stored.
   *
   * @param index The input's index.
   */
  settle(index: number): void {
    const chunk = Math.floor(index / this.#size);
    const c = this.#chunk(chunk);
    if (!c || ++c.settled < c.keys.length) return;
    this.#open.delete(chunk);
    if (c.stored === c.keys.length) this.#sets.keep(c.keys, c.bytes, c.generation);
  }

  /** An open chunk; with a given generation, opened on first use. */
  #chunk(chunk: number): OpenChunk | undefined {
    let c = this.#open.get(chunk);
    if (!c && this.#generation !== undefined) {
      c = newChunk(this.#generation, this.#chunkLength(chunk));
      this.#open.set(chunk, c);
    }
    return c;
  }

  #chunkLength(chunk: number): number {
    return Math.min(this.#size, this.#length - chunk * this.#size);
  }
}

function newChunk(generation: number, n: number): OpenChunk {
  return { generation, keys: new Array(n), bytes: new Array(n), stored: 0, settled: 0 };
}
