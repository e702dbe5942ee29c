/**
 * `map()`: a step over many inputs, each call cached on its own.
 *
 * @module
 */
import { Limiter } from "../runtime/mod.ts";
import { stackText } from "./_call_site_id.ts";
import { currentSession } from "./current.ts";
import type { CallOptions } from "./definition.ts";
import { MapResult } from "./map_result.ts";
import type { Step } from "./step.ts";
import { ResultCapture } from "./result_capture.ts";

/**
 * Most calls of one `map()` in flight at once (started and not yet returned, or not yet
 * routed); the next input starts when one returns or is handed to the remote runtime.
 * Results keep input order whatever the window.
 */
export const MAP_WINDOW = 1024;

/**
 * Options of {@linkcode map}. `label` and `retryFailed` apply to every call, as they do to
 * one call (`relax(inputs, { label: "gpu" })`); `callOptions` gives options per element and
 * wins over them.
 */
export interface MapOptions<I = unknown> extends CallOptions {
  /**
   * Most calls of this map running here at once. Default: all (the session's limit still
   * applies). It limits local execution only: a routed call leaves the map's window as soon
   * as it is handed to the remote runtime, so the routed calls go out together, one job
   * array per batch.
   */
  readonly concurrency?: number;
  /**
   * Options of the call of one element, from its input and index; what it returns wins over
   * `label` and `retryFailed`. Default: those two for every call.
   */
  readonly callOptions?: (input: I, index: number) => CallOptions | undefined;
}

/**
 * Runs `step` over `inputs`. Results come back in input order; a failed element does not
 * lose the others: the result holds every value and every failure.
 *
 * @param s The step.
 * @param inputs One input object per call.
 * @param options Concurrency, abort signal, and the options of the calls (`label`,
 * `retryFailed`, or `callOptions` per element).
 * @returns Values in input order plus failures.
 * @throws {RangeError} for a concurrency below 1.
 *
 * @example
 * ```ts
 * import { map, openSession, step, useSession } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const session = openSession({ dir: `${dir}/.drover`, recordRun: false });
 * const previous = useSession(session);
 * const inv = step("doc-inverse", ({ x }: { x: number }) => {
 *   if (x === 0) throw new RangeError("no inverse of 0");
 *   return 1 / x;
 * });
 * const r = await map(inv, [{ x: 1 }, { x: 0 }, { x: 4 }]);
 * assert.deepEqual(r.values, [1, undefined, 0.25]);
 * assert.equal(r.failures[0].index, 1);
 * // Options of every call, like one call's: run the failed element again.
 * const again = await map(inv, [{ x: 1 }, { x: 0 }], { retryFailed: true, label: "inverse" });
 * assert.equal(again.failures[0].index, 1);
 * // Or per element: label only the large inputs.
 * await map(inv, [{ x: 1 }, { x: 1000 }], {
 *   callOptions: ({ x }) => (x > 100 ? { label: "big" } : undefined),
 * });
 * useSession(previous);
 * await session.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function map<I, O>(
  s: Step<I, O>,
  inputs: readonly I[],
  options: MapOptions<I> = {},
): Promise<MapResult<O>> {
  const concurrency = options.concurrency ?? inputs.length;
  if (!(concurrency >= 1) && inputs.length > 0) {
    throw new RangeError(
      `Cannot map step "${s.stepName}": concurrency must be ≥ 1 (got ${concurrency})`,
    );
  }
  const values: (O | undefined)[] = new Array(inputs.length).fill(undefined);
  const failures: { index: number; error: unknown }[] = [];
  const shared: CallOptions = {
    ...(options.label === undefined ? {} : { label: options.label }),
    ...(options.retryFailed === undefined ? {} : { retryFailed: options.retryFailed }),
  };
  const optionsOf = (index: number): CallOptions | undefined => {
    const own = options.callOptions?.(inputs[index], index);
    const merged = { ...shared, ...own };
    return Object.keys(merged).length === 0 ? undefined : merged;
  };
  const limiter = options.concurrency === undefined ? undefined : new Limiter(concurrency);
  const call = (index: number): CallOptions | undefined => {
    const own = optionsOf(index);
    return limiter || options.signal
      ? {
        ...own,
        ...(limiter ? { limiter } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      }
      : own;
  };
  // A bounded window of calls in flight: memory and per-call cost stay flat in the number
  // of inputs. With remote info active, a routed call leaves the window once it is handed
  // to the remote runtime (`onRouted`), so the next inputs follow it into the same batch:
  // the routed calls still go out together while at most MAP_WINDOW are being prepared.
  const routing = remoteInfoActive(s.definition);
  // The calls' site, captured once: formatting a stack per call cost ~90 µs of a routed call.
  const siteStack = routing ? stackText(map) : undefined;
  const window = Math.min(inputs.length, MAP_WINDOW);
  const released = new Set<Promise<void>>();
  const cache = routing ? undefined : new ChunkLookup(s, inputs);
  const capture = cache &&
    ResultCapture.of(
      s.definition,
      inputs.length,
      LOOKUP_CHUNK,
      () => currentSession().store.resultSets,
      "per-chunk",
    );
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const index = next++;
      capture?.start(index);
      if (options.signal?.aborted) {
        failures.push({ index, error: options.signal.reason });
        capture?.settle(index);
        continue;
      }
      if (cache) {
        const hit = cache.hit(index) ?? await cache.lookup(index);
        if (hit) {
          values[index] = hit.value;
          capture?.settle(index);
          continue;
        }
      }
      if (!routing) {
        try {
          const own = call(index);
          values[index] = await s(
            inputs[index],
            capture ? { ...own, onStored: (key, bytes) => capture.stored(index, key, bytes) } : own,
          );
        } catch (error) {
          failures.push({ index, error });
        }
        capture?.settle(index);
        continue;
      }
      const handed = Promise.withResolvers<"routed">();
      const done = (async (): Promise<void> => {
        try {
          values[index] = await s(inputs[index], {
            ...call(index),
            onRouted: () => handed.resolve("routed"),
            siteStack,
          });
        } catch (error) {
          failures.push({ index, error });
        }
      })();
      if (await Promise.race([done, handed.promise]) === "routed") {
        // It waits for its job outside the window.
        released.add(done);
        void done.then(() => released.delete(done));
      }
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  await Promise.all(released);
  failures.sort((a, b) => a.index - b.index);
  return new MapResult(s.stepName, values, failures);
}

/** Whether the calls of `s` may be routed (remote info active); a session that cannot open
 * now fails each call on its own. */
function remoteInfoActive(definition: unknown): boolean {
  if (definition === undefined) return false;
  try {
    return currentSession().router.active;
  } catch {
    return false;
  }
}

/** Inputs looked up in the store a chunk at a time (`Session.cachedMany`). */
const LOOKUP_CHUNK = 4096;
/** After a chunk with no hit, chunks are looked up again only every this many. */
const PROBE_EVERY = 16;

/**
 * The cache's answers for a local map, read a chunk of inputs at a time (one key loop and
 * one query) instead of one lookup per call: a replay of a finished map costs no call per
 * element. A map whose chunks hit nothing (a fresh run) stops looking (its keys would be
 * worked out twice), and looks again every PROBE_EVERY chunks.
 */
class ChunkLookup<I, O> {
  readonly #s: Step<I, O>;
  readonly #inputs: readonly I[];
  readonly #chunks = new Map<number, Promise<ReadonlyMap<number, O>>>();
  readonly #done = new Map<number, ReadonlyMap<number, O>>();
  #missSince: number | undefined;
  #off = false;

  constructor(s: Step<I, O>, inputs: readonly I[]) {
    this.#s = s;
    this.#inputs = inputs;
  }

  /** The value of input `index` when its chunk was looked up and it hit (no await). */
  hit(index: number): { value: O } | undefined {
    const found = this.#done.get(Math.floor(index / LOOKUP_CHUNK));
    return found?.has(index) ? { value: found.get(index) as O } : undefined;
  }

  /** Looks up the chunk of input `index` (once), then answers as {@linkcode hit}. */
  async lookup(index: number): Promise<{ value: O } | undefined> {
    const chunk = Math.floor(index / LOOKUP_CHUNK);
    if (this.#done.has(chunk)) return undefined;
    let p = this.#chunks.get(chunk);
    if (!p) {
      if (this.#off) return undefined;
      const probing = this.#missSince !== undefined;
      if (probing && (chunk - this.#missSince!) % PROBE_EVERY !== 0) return undefined;
      p = this.#read(chunk);
      this.#chunks.set(chunk, p);
    }
    const found = await p;
    return found.has(index) ? { value: found.get(index) as O } : undefined;
  }

  async #read(chunk: number): Promise<ReadonlyMap<number, O>> {
    const start = chunk * LOOKUP_CHUNK;
    const slice = this.#inputs.slice(start, start + LOOKUP_CHUNK);
    let hits: ReadonlyMap<number, O> = new Map();
    try {
      const definition = this.#s.definition;
      if (definition !== undefined) {
        hits = (await currentSession().cachedMany(definition, slice)).hits;
      }
    } catch {
      // Calls report what went wrong (a session that cannot open, a step's identity), each
      // on its own, as without the lookup.
      this.#off = true;
    }
    const found = new Map<number, O>();
    for (const [i, v] of hits) found.set(start + i, v);
    if (found.size === 0) this.#missSince ??= chunk;
    else this.#missSince = undefined;
    this.#done.set(chunk, found);
    this.#chunks.delete(chunk);
    return found;
  }
}
