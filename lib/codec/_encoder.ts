// Private: the value walker shared by encode, canonicalEncode and hashValue. It checks
// types, tracks the path and ancestors (for error messages and cycle detection) and
// writes CBOR through a Writer, under one of three rule sets (see Mode).
import type { Hash } from "node:crypto";
import { EncodeError, type EncodeErrorReason } from "./errors.ts";
import { BY_PROTOTYPE } from "./_registry.ts";
import { TaggedValue } from "./tagged_value.ts";
import { SimpleValue } from "./simple_value.ts";
import { preview } from "./preview.ts";
import { MAX_ENCODE_DEPTH, TYPED_ARRAY_TAGS } from "./_types.ts";
import { Writer } from "./_writer.ts";
import { compareBytes, sortKeys } from "./_order.ts";
import {
  renderPath,
  SEG_CUSTOM,
  SEG_INDEX,
  SEG_KEY,
  SEG_MAP_KEY,
  SEG_MAP_VALUE,
  SEG_SET,
  SEG_TAG,
} from "./_path.ts";

const KIND_MAP = -1;
const KIND_SET = -2;
const KIND_DATE = -3;
const KIND_BYTES = -4;
const KIND_TAGGED = -5;
const KIND_SIMPLE = -6;

/**
 * The rules an Encoder follows.
 *
 * - `"stored"` (encode): preferred serialization (RFC 8949 §4.1) except that bigints
 *   are always bignums (tags 2/3), so they decode as bigints; entries in insertion
 *   order.
 * - `"rfc8949"` (canonicalEncode, hashValue): core deterministic encoding (§4.2.1):
 *   preferred serialization, integer numbers and bigints in -2^64..2^64-1 as major
 *   types 0/1, object keys, Map keys and Set elements in the bytewise order of their
 *   encodings, and no two equal keys or elements.
 * - `"drover-v1"`: the frozen canonical rules of drover 0.1 (commit 257359e): every
 *   non-safe-integer number a float64, every bigint a bignum, dates as `toISOString()`
 *   text, sorted like "rfc8949" but without the duplicate check.
 */
export type Mode = "stored" | "rfc8949" | "drover-v1";

const TWO_64 = 18446744073709551616;
const TWO_64N = 1n << 64n;
/** Time values (ms) of 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
const TAG0_MIN = -62167219200000;
const TAG0_MAX = 253402300799999;

/** What the encoder does for objects of each built-in prototype: a kind or a tag. */
const NATIVE: Map<object, number> = new Map<object, number>([
  [Map.prototype, KIND_MAP],
  [Set.prototype, KIND_SET],
  [Date.prototype, KIND_DATE],
  [Uint8Array.prototype, KIND_BYTES],
  [TaggedValue.prototype, KIND_TAGGED],
  [SimpleValue.prototype, KIND_SIMPLE],
]);
for (const [cls, tag] of TYPED_ARRAY_TAGS) if (cls !== undefined) NATIVE.set(cls.prototype, tag);

/** Prototypes defineEncoding must not take over. */
export const NATIVE_PROTOTYPES: ReadonlySet<object> = new Set([
  Object.prototype,
  Array.prototype,
  ...NATIVE.keys(),
]);

/** Ancestors checked by linear scan; deeper ones also go into a Set. */
const SCAN_DEPTH = 64;

const NATIVE_CODE = /\{\s*\[native code\]\s*\}\s*$/;

function isNativeFunction(f: unknown): boolean {
  return typeof f === "function" && NATIVE_CODE.test(Function.prototype.toString.call(f));
}

interface Entry {
  readonly bytes: Uint8Array;
  readonly key: unknown;
  readonly value: unknown;
}

function compareEntries(a: Entry, b: Entry): number {
  return compareBytes(a.bytes, b.bytes);
}

/** Walks a value and writes its CBOR encoding. One instance is reused per mode. */
export class Encoder {
  /** Entries sorted by their encodings ("rfc8949" and "drover-v1"). */
  readonly #canonical: boolean;
  /** "drover-v1": float64 everywhere, bignums, ISO dates. */
  readonly #legacy: boolean;
  /** "rfc8949": integers up to 64 bits as major types 0/1, whatever their JS type. */
  readonly #deterministic: boolean;
  readonly #w: Writer = new Writer();
  #root = "value";
  #objs: unknown[] = [];
  #kinds: number[] = [];
  #keys: unknown[] = [];
  #deep: Set<object> = new Set();
  /** True while an encoding runs (a declared encoding may call encode again). */
  busy = false;

  constructor(mode: Mode) {
    this.#canonical = mode !== "stored";
    this.#legacy = mode === "drover-v1";
    this.#deterministic = mode === "rfc8949";
  }

  /** Encodes `value` and returns the bytes. */
  encode(value: unknown, root: string): Uint8Array {
    this.#begin(root, null);
    try {
      this.#value(value, 0);
      return this.#w.finishBytes();
    } catch (error) {
      this.#reset();
      throw error;
    } finally {
      this.busy = false;
    }
  }

  /** Encodes `value` and returns its hex sha256 (`makeHash` is called for large payloads). */
  hash(value: unknown, root: string, makeHash: () => Hash): string {
    this.#begin(root, makeHash);
    try {
      this.#value(value, 0);
      return this.#w.finishHash();
    } catch (error) {
      this.#reset();
      throw error;
    } finally {
      this.busy = false;
    }
  }

  #begin(root: string, makeHash: (() => Hash) | null): void {
    this.busy = true;
    this.#root = root;
    this.#w.start(makeHash);
  }

  /** Drops what a failed encoding left behind (references to caller data). */
  #reset(): void {
    this.#w.release();
    this.#objs = [];
    this.#kinds = [];
    this.#keys = [];
    this.#deep.clear();
  }

  #fail(depth: number, reason: EncodeErrorReason, detail: string): EncodeError {
    return new EncodeError(renderPath(this.#root, this.#kinds, this.#keys, depth), reason, detail);
  }

  #value(v: unknown, depth: number): void {
    switch (typeof v) {
      case "number":
        if (Number.isSafeInteger(v) && (v !== 0 || 1 / v > 0)) {
          if (v >= 0) this.#w.head(0, v);
          else this.#w.head(1, -1 - v);
        } else if (this.#legacy) {
          this.#w.float64(v);
        } else if (
          this.#deterministic && v !== 0 && Number.isInteger(v) && v >= -TWO_64 && v < TWO_64
        ) {
          this.#bigint(BigInt(v)); // beyond 2^53 but within 64 bits (not -0): major type 0/1
        } else {
          this.#w.float(v);
        }
        return;
      case "string":
        this.#w.string(v);
        return;
      case "boolean":
        this.#w.byte(v ? 0xf5 : 0xf4);
        return;
      case "undefined":
        this.#w.byte(0xf7);
        return;
      case "object":
        if (v === null) this.#w.byte(0xf6);
        else this.#object(v, depth);
        return;
      case "bigint":
        this.#bigint(v);
        return;
      case "function":
        throw this.#fail(depth, "function", "functions cannot be encoded");
      case "symbol":
        throw this.#fail(depth, "symbol", "symbols cannot be encoded");
    }
  }

  #bigint(v: bigint): void {
    if (this.#deterministic && v < TWO_64N && v >= -TWO_64N) {
      if (v >= 0n) this.#w.headBig(0, v);
      else this.#w.headBig(1, -1n - v);
      return;
    }
    let n = v;
    if (n < 0n) {
      this.#w.byte(0xc3);
      n = -1n - n;
    } else {
      this.#w.byte(0xc2);
    }
    if (n === 0n) {
      this.#w.byte(0x40);
      return;
    }
    let hex = n.toString(16);
    if (hex.length % 2 === 1) hex = "0" + hex;
    const size = hex.length / 2;
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = parseInt(hex.substring(2 * i, 2 * i + 2), 16);
    this.#w.head(2, size);
    this.#w.raw(bytes);
  }

  #object(v: object, depth: number): void {
    const objs = this.#objs;
    const scan = depth < SCAN_DEPTH ? depth : SCAN_DEPTH;
    for (let i = 0; i < scan; i++) {
      if (objs[i] === v) throw this.#cycle(depth, i);
    }
    if (depth > SCAN_DEPTH && this.#deep.has(v)) throw this.#cycle(depth, objs.indexOf(v));
    if (depth >= MAX_ENCODE_DEPTH) {
      throw this.#fail(
        depth,
        "unsupported",
        `objects nested deeper than ${MAX_ENCODE_DEPTH} levels cannot be encoded`,
      );
    }
    objs[depth] = v;
    if (depth >= SCAN_DEPTH) this.#deep.add(v);

    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      this.#plain(v as Record<string, unknown>, depth);
    } else if (proto === Array.prototype) {
      this.#array(v as unknown[], depth);
    } else {
      const kind = NATIVE.get(proto);
      if (kind === undefined) this.#custom(v, proto, depth);
      else if (kind > 0) {
        this.#w.head(6, kind);
        this.#bytes(v as ArrayBufferView);
      } else if (kind === KIND_BYTES) this.#bytes(v as Uint8Array);
      else if (kind === KIND_MAP) this.#map(v as Map<unknown, unknown>, depth);
      else if (kind === KIND_SET) this.#set(v as Set<unknown>, depth);
      else if (kind === KIND_DATE) this.#date(v as Date);
      else if (kind === KIND_SIMPLE) this.#simple(v as SimpleValue);
      else this.#tagged(v as TaggedValue, depth);
    }

    objs[depth] = undefined;
    if (depth >= SCAN_DEPTH) this.#deep.delete(v);
  }

  #cycle(depth: number, ancestor: number): EncodeError {
    const target = renderPath(this.#root, this.#kinds, this.#keys, ancestor);
    return this.#fail(depth, "cycle", `cycle back to ${target}`);
  }

  #plain(v: Record<string, unknown>, depth: number): void {
    const keys = Object.keys(v);
    const n = keys.length;
    if (this.#canonical && n > 1) sortKeys(keys);
    this.#w.head(5, n);
    const kinds = this.#kinds;
    const segs = this.#keys;
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      this.#w.string(k);
      kinds[depth] = SEG_KEY;
      segs[depth] = k;
      this.#value(v[k], depth + 1);
    }
  }

  #array(v: unknown[], depth: number): void {
    const n = v.length;
    this.#w.head(4, n);
    this.#kinds[depth] = SEG_INDEX;
    const segs = this.#keys;
    for (let i = 0; i < n; i++) {
      segs[depth] = i;
      this.#value(v[i], depth + 1);
    }
  }

  #bytes(v: ArrayBufferView): void {
    const n = v.byteLength;
    this.#w.head(2, n);
    this.#w.payload(
      v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, n),
    );
  }

  /**
   * Tag 0 (RFC 3339 text, without a zero fraction) for years 0000..9999, else tag 1
   * around the epoch seconds (an integer, or the float nearest to t/1000); an invalid
   * date is tag 1 around NaN. "drover-v1" wrote `toISOString()` for every valid date.
   */
  #date(v: Date): void {
    const t = v.getTime();
    const w = this.#w;
    if (t !== t) {
      w.byte(0xc1);
      if (this.#legacy) w.float64(NaN);
      else w.float(NaN);
    } else if (this.#legacy) {
      w.byte(0xc0);
      w.string(v.toISOString());
    } else if (t >= TAG0_MIN && t <= TAG0_MAX) {
      w.byte(0xc0);
      const iso = v.toISOString();
      w.string(t % 1000 === 0 ? iso.slice(0, 19) + "Z" : iso);
    } else {
      w.byte(0xc1);
      const s = t / 1000;
      if (Number.isSafeInteger(s)) {
        if (s >= 0) w.head(0, s);
        else w.head(1, -1 - s);
      } else {
        w.float(s);
      }
    }
  }

  #simple(v: SimpleValue): void {
    const n = v.value;
    if (n < 24) this.#w.byte(0xe0 | n);
    else {
      this.#w.byte(0xf8);
      this.#w.byte(n);
    }
  }

  #tagged(v: TaggedValue, depth: number): void {
    this.#w.head(6, v.tag);
    this.#kinds[depth] = SEG_TAG;
    this.#value(v.value, depth + 1);
  }

  /** Encodes `item` (at `depth`) on the side and returns its bytes. */
  #side(item: unknown, depth: number): Uint8Array {
    const start = this.#w.hold();
    this.#value(item, depth);
    return this.#w.takeHold(start);
  }

  #map(v: Map<unknown, unknown>, depth: number): void {
    const w = this.#w;
    w.byte(0xd9);
    w.byte(0x01);
    w.byte(0x03); // tag 259
    w.head(5, v.size);
    const kinds = this.#kinds;
    const segs = this.#keys;
    let i = 0;
    if (!this.#canonical) {
      for (const [key, value] of v) {
        kinds[depth] = SEG_MAP_KEY;
        segs[depth] = i++;
        this.#value(key, depth + 1);
        kinds[depth] = SEG_MAP_VALUE;
        segs[depth] = key;
        this.#value(value, depth + 1);
      }
      segs[depth] = undefined;
      return;
    }
    const entries: Entry[] = [];
    for (const [key, value] of v) {
      kinds[depth] = SEG_MAP_KEY;
      segs[depth] = i++;
      entries.push({ bytes: this.#side(key, depth + 1), key, value });
    }
    entries.sort(compareEntries);
    if (this.#deterministic) {
      for (let j = 1; j < entries.length; j++) {
        if (compareEntries(entries[j - 1], entries[j]) === 0) {
          const a = preview(entries[j - 1].key, 40);
          const b = preview(entries[j].key, 40);
          throw this.#fail(
            depth,
            "duplicate",
            `Map keys ${a} and ${b} have the same deterministic encoding (RFC 8949 §5.6 forbids duplicate keys)`,
          );
        }
      }
    }
    for (const entry of entries) {
      w.raw(entry.bytes);
      kinds[depth] = SEG_MAP_VALUE;
      segs[depth] = entry.key;
      this.#value(entry.value, depth + 1);
    }
    segs[depth] = undefined;
  }

  #set(v: Set<unknown>, depth: number): void {
    const w = this.#w;
    w.byte(0xd9);
    w.byte(0x01);
    w.byte(0x02); // tag 258
    w.head(4, v.size);
    const kinds = this.#kinds;
    const segs = this.#keys;
    let i = 0;
    if (!this.#canonical) {
      for (const item of v) {
        kinds[depth] = SEG_SET;
        segs[depth] = i++;
        this.#value(item, depth + 1);
      }
      return;
    }
    const items: Entry[] = [];
    for (const item of v) {
      kinds[depth] = SEG_SET;
      segs[depth] = i++;
      items.push({ bytes: this.#side(item, depth + 1), key: item, value: undefined });
    }
    items.sort(compareEntries);
    if (this.#deterministic) {
      for (let j = 1; j < items.length; j++) {
        if (compareEntries(items[j - 1], items[j]) === 0) {
          const a = preview(items[j - 1].key, 40);
          const b = preview(items[j].key, 40);
          throw this.#fail(
            depth,
            "duplicate",
            `Set elements ${a} and ${b} have the same deterministic encoding (tag 258 sets hold distinct elements)`,
          );
        }
      }
    }
    for (const item of items) w.raw(item.bytes);
  }

  #custom(v: object, proto: object, depth: number): void {
    const def = BY_PROTOTYPE.get(proto);
    if (def === undefined) throw this.#refuse(v, proto, depth);
    const w = this.#w;
    w.byte(0xd8);
    w.byte(27);
    w.byte(0x82);
    w.string(def.name);
    this.#kinds[depth] = SEG_CUSTOM;
    const plain = this.#canonical && def.canonical ? def.canonical : def.encode;
    this.#value((plain as (value: object) => unknown)(v), depth + 1);
  }

  #refuse(v: object, proto: object, depth: number): EncodeError {
    const ctor = (proto as { constructor?: unknown }).constructor;
    if (typeof ctor === "function" && !isNativeFunction(ctor)) {
      const name = ctor.name ? `class ${ctor.name}` : "an anonymous class";
      return this.#fail(
        depth,
        "class",
        `instance of ${name} has no declared encoding (see defineEncoding)`,
      );
    }
    if (ctor === Object || typeof ctor !== "function") {
      return this.#fail(depth, "unsupported", "objects with a custom prototype cannot be encoded");
    }
    const name = ctor.name || Object.prototype.toString.call(v).slice(8, -1);
    const hint = v instanceof ArrayBuffer || v instanceof DataView ||
        (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer)
      ? " (wrap the bytes in a Uint8Array)"
      : "";
    return this.#fail(depth, "unsupported", `${name} objects cannot be encoded${hint}`);
  }
}

const SHARED: Record<Mode, Encoder> = {
  "stored": new Encoder("stored"),
  "rfc8949": new Encoder("rfc8949"),
  "drover-v1": new Encoder("drover-v1"),
};

/** The shared encoder for a mode, or a fresh one if it is in use (re-entrant call). */
export function encoderFor(mode: Mode): Encoder {
  const shared = SHARED[mode];
  return shared.busy ? new Encoder(mode) : shared;
}

/** Reads the `rules` option of canonicalEncode and hashValue ("rfc8949" by default). */
export function rulesOf(options: { readonly rules?: unknown } | undefined): Mode {
  const rules = options?.rules;
  if (rules === undefined || rules === "rfc8949") return "rfc8949";
  if (rules === "drover-v1") return "drover-v1";
  throw new TypeError(
    `Cannot encode value: options.rules must be "rfc8949" or "drover-v1" (got ${
      typeof rules === "string" ? JSON.stringify(rules) : typeof rules
    })`,
  );
}

/** Reads the `root` option of encode, canonicalEncode and hashValue. */
export function rootOf(options: { readonly root?: unknown } | undefined): string {
  const root = options?.root;
  if (root === undefined) return "value";
  if (typeof root !== "string") {
    throw new TypeError(`Cannot encode value: options.root must be a string (got ${typeof root})`);
  }
  return root;
}
