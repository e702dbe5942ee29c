/**
 * {@linkcode ResultRef}: a handle on a call's result that stays where the result was made.
 * Another call accepts it as an input (at any depth of its inputs object); the call key
 * counts it by the result's content hash, so caching stays exact wherever the bytes live.
 * It is not thenable (no object but a promise has a `then` method): read the value with
 * `await ref.fetch()` or `await resolveRefs(value)`.
 *
 * @module
 */
import { decode, defineEncoding } from "../codec/mod.ts";

const HASH_RE = /^[0-9a-f]{64}$/;

/** The fields of a {@linkcode ResultRef}. */
export interface ResultRefInit {
  /** Key of the call that made the result. */
  readonly key: string;
  /** Its step. */
  readonly step: string;
  /** Where the result lives: a system name, or `"local"` (this project's store). */
  readonly system: string;
  /** sha256 (hex) of the encoded result: the object's name. */
  readonly hash: string;
  /** Size of the encoded result, bytes (-1 when unknown). */
  readonly size: number;
}

/** How a ref is read: the bytes of the object it names. */
export type RefFetcher = (ref: ResultRef) => Promise<Uint8Array | undefined>;

let fetcher: RefFetcher | undefined;
let created = 0;

/**
 * A lazy handle on a call's result: the call's key and step, the system holding the result,
 * the result's content hash and size. Pass it as (part of) another call's inputs; read it
 * with {@linkcode ResultRef.fetch}.
 *
 * @typeParam O The value the result decodes to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ResultRef } from "./result_ref.ts";
 * const ref = new ResultRef<number>({
 *   key: "k1", step: "square", system: "cluster", hash: "a".repeat(64), size: 3,
 * });
 * assert.equal(ref.hash, "a".repeat(64));
 * assert.equal("then" in ref, false);
 * ```
 */
export class ResultRef<O = unknown> {
  /** Key of the call that made the result. */
  readonly key: string;
  /** Its step. */
  readonly step: string;
  /** Where the result lives: a system name, or `"local"`. */
  readonly system: string;
  /** sha256 (hex) of the encoded result. */
  readonly hash: string;
  /** Size of the encoded result, bytes (-1 when unknown). */
  readonly size: number;
  /** Type witness only; never set. */
  declare readonly valueType?: O;

  /**
   * Makes a handle (normally done by `callRef`, or by decoding a stored one).
   *
   * @param init The fields.
   * @throws {TypeError} when the hash is not 64 hex digits or a field has the wrong type.
   */
  constructor(init: ResultRefInit) {
    const { key, step, system, hash, size } = init ?? {};
    if (typeof hash !== "string" || !HASH_RE.test(hash)) {
      throw new TypeError(`Cannot make a result ref: hash must be 64 hex digits (got ${hash})`);
    }
    if (typeof key !== "string" || typeof step !== "string" || typeof system !== "string") {
      throw new TypeError("Cannot make a result ref: key, step and system must be strings");
    }
    if (!Number.isInteger(size) || size < -1) {
      throw new TypeError(`Cannot make a result ref: size must be an integer >= -1 (got ${size})`);
    }
    this.key = key;
    this.step = step;
    this.system = system;
    this.hash = hash;
    this.size = size;
    created++;
    Object.freeze(this);
  }

  /**
   * This ref, typed as the value it stands for: what to put in another call's inputs (the
   * call receives the value). It is still the ref; do not use it as the value here.
   *
   * @returns This ref, as an `O`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ResultRef } from "./result_ref.ts";
   * const ref = new ResultRef<number[]>({
   *   key: "k", step: "s", system: "c", hash: "c".repeat(64), size: 9,
   * });
   * const inputs: { xs: number[] } = { xs: ref.asInput() };
   * assert.equal(inputs.xs as unknown, ref);
   * ```
   */
  asInput(): O {
    return this as unknown as O;
  }

  /**
   * Reads the value: from the project store, else from the system holding it (then kept in
   * the store, so it is downloaded once).
   *
   * @returns The decoded result.
   * @throws {Error} when no session is open or no system has the result.
   */
  async fetch(): Promise<O> {
    const [value] = await resolveRefs([this]);
    return value as unknown as O;
  }
}

type RefFields = [string, string, string, string, number];

defineEncoding<ResultRef, RefFields>(ResultRef, {
  name: "drover.ResultRef",
  encode: (r): RefFields => [r.key, r.step, r.system, r.hash, r.size],
  decode: ([key, step, system, hash, size]) => new ResultRef({ key, step, system, hash, size }),
  // Keys count a ref by its content only, not by where it lives.
  canonical: (r) => r.hash,
});

/**
 * Sets how refs are read (the open session does this); returns the previous fetcher.
 *
 * @param next The fetcher, or undefined.
 * @returns The previous one.
 */
export function setRefFetcher(next: RefFetcher | undefined): RefFetcher | undefined {
  const previous = fetcher;
  fetcher = next;
  return previous;
}

/**
 * Whether a value holds a {@linkcode ResultRef} anywhere inside (plain objects, arrays,
 * Maps, Sets). Free when no ref was ever made in this process.
 *
 * @param value Any value.
 * @returns True when it holds a ref.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hasRefs, ResultRef } from "./result_ref.ts";
 * const ref = new ResultRef({ key: "k", step: "s", system: "local", hash: "b".repeat(64), size: 1 });
 * assert.equal(hasRefs({ a: [1, { r: ref }] }), true);
 * assert.equal(hasRefs({ a: [1, 2] }), false);
 * ```
 */
export function hasRefs(value: unknown): boolean {
  return created > 0 && collect(value, new Map(), 0);
}

function collect(v: unknown, out: Map<string, ResultRef>, depth: number): boolean {
  if (v === null || typeof v !== "object" || depth > 256) return false;
  if (v instanceof ResultRef) {
    out.set(v.hash, v);
    return true;
  }
  let found = false;
  const items = Array.isArray(v) || v instanceof Set
    ? v
    : v instanceof Map
    ? v.values()
    : Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null
    ? Object.values(v)
    : [];
  for (const item of items) found = collect(item, out, depth + 1) || found;
  return found;
}

function replace(v: unknown, values: ReadonlyMap<string, unknown>, depth: number): unknown {
  if (v === null || typeof v !== "object" || depth > 256) return v;
  if (v instanceof ResultRef) return values.has(v.hash) ? values.get(v.hash) : v;
  if (Array.isArray(v)) return v.map((x) => replace(x, values, depth + 1));
  if (v instanceof Set) return new Set([...v].map((x) => replace(x, values, depth + 1)));
  if (v instanceof Map) {
    return new Map([...v].map(([k, x]) => [k, replace(x, values, depth + 1)]));
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  for (const [k, x] of Object.entries(v)) out[k] = replace(x, values, depth + 1);
  return out;
}

/** Options of {@linkcode resolveRefs}. */
export interface ResolveRefsOptions {
  /** How a ref's bytes are read. Default: the open session's store, else its systems. */
  readonly fetch?: RefFetcher;
  /** How bytes are decoded. Default: `decode` of the codec. */
  readonly decode?: (bytes: Uint8Array) => unknown;
  /** Refs for which this says true are left in place (e.g. those a job reads itself). */
  readonly keep?: (ref: ResultRef) => boolean;
}

/**
 * Replaces every {@linkcode ResultRef} inside a value by the value it names, reading each
 * distinct result once. A value without refs comes back as is.
 *
 * @param value Any value (e.g. a call's inputs).
 * @param options How refs are read and decoded, and which are left as they are.
 * @returns A copy with the refs replaced.
 * @throws {Error} when a result cannot be read anywhere, or no session is open.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decode, encode, sha256Hex } from "../codec/mod.ts";
 * import { resolveRefs, ResultRef } from "./result_ref.ts";
 * const bytes = encode(42);
 * const ref = new ResultRef<number>({
 *   key: "k", step: "s", system: "local", hash: sha256Hex(bytes), size: bytes.length,
 * });
 * let reads = 0;
 * const fetch = () => (reads++, Promise.resolve(bytes));
 * const out = await resolveRefs({ a: ref, b: [ref, 1] }, { fetch, decode });
 * assert.deepEqual(out, { a: 42, b: [42, 1] });
 * assert.equal(reads, 1);
 * ```
 */
export async function resolveRefs<T>(
  value: T,
  options: ResolveRefsOptions = {},
): Promise<T> {
  const all = new Map<string, ResultRef>();
  if (created === 0 || !collect(value, all, 0)) return value;
  const keep = options.keep;
  const refs = keep ? new Map([...all].filter(([, r]) => !keep(r))) : all;
  if (refs.size === 0) return value;
  const read = options.fetch ?? fetcher;
  if (!read) throw new Error("Cannot read a result ref: no drover session is open");
  const decodeBytes = options.decode ?? decode;
  const values = new Map<string, unknown>();
  await Promise.all([...refs.values()].map(async (ref) => {
    const bytes = await read(ref);
    if (!bytes) {
      throw new Error(
        `Cannot read the result of call ${ref.key} (step "${ref.step}"): object ${ref.hash} is missing on ${ref.system} and here`,
      );
    }
    values.set(ref.hash, decodeBytes(bytes));
  }));
  return replace(value, values, 0) as T;
}
