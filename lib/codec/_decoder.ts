// Private: the CBOR reader behind decode. One instance per call, so a declared
// decoding may call decode again.
import { DecodeError } from "./errors.ts";
import { BY_NAME } from "./_registry.ts";
import { TaggedValue } from "./tagged_value.ts";
import { SimpleValue } from "./simple_value.ts";
import { MAX_ENCODE_DEPTH, TYPED_ARRAY_BY_TAG } from "./_types.ts";

const TWO_32 = 4294967296;
/**
 * Deepest nesting of items read. encode() refuses values nested deeper than
 * MAX_ENCODE_DEPTH objects, and each object level takes at most two items (a tag
 * and its content), so everything encode writes is readable.
 */
const MAX_DEPTH = 2 * MAX_ENCODE_DEPTH + 48;
const BREAK = 0xff;
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function halfToNumber(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const v = exp === 0
    ? mant * 2 ** -24
    : exp === 31
    ? (mant === 0 ? Infinity : NaN)
    : (mant + 1024) * 2 ** (exp - 25);
  return h & 0x8000 ? -v : v;
}

/**
 * Milliseconds of an epoch-seconds value, rounded to the nearest millisecond. The
 * integer part is scaled exactly, so the float64 nearest to t/1000 (what encode writes
 * for a date with milliseconds outside years 0000..9999) gives back t.
 */
function secondsToMs(s: number): number {
  if (!Number.isFinite(s)) return NaN;
  const whole = Math.trunc(s);
  return whole * 1000 + Math.round((s - whole) * 1000);
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return hex === "" ? 0n : BigInt("0x" + hex);
}

/** Sets an own enumerable property, even one named "__proto__". */
function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    obj[key] = value;
  }
}

/** Reads one CBOR data item from a byte array. */
export class Decoder {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #pos = 0;
  #depth = 0;
  /** Set by #arg when a 64-bit argument does not fit a safe integer. */
  #big = 0n;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Decodes the single item the input must consist of. */
  decode(): unknown {
    const value = this.#item();
    const rest = this.#bytes.length - this.#pos;
    if (rest > 0) {
      throw new DecodeError(
        this.#pos,
        `${rest} trailing byte${rest > 1 ? "s" : ""} after the value`,
      );
    }
    return value;
  }

  #need(n: number): void {
    if (this.#pos + n > this.#bytes.length) {
      throw new DecodeError(this.#bytes.length, "unexpected end of input");
    }
  }

  /**
   * Reads the argument of a head whose additional information is `ai` (< 28).
   * Returns -1 (with the value in #big) if it exceeds Number.MAX_SAFE_INTEGER.
   */
  #arg(ai: number): number {
    if (ai < 24) return ai;
    const pos = this.#pos;
    switch (ai) {
      case 24:
        this.#need(1);
        this.#pos = pos + 1;
        return this.#bytes[pos];
      case 25:
        this.#need(2);
        this.#pos = pos + 2;
        return this.#view.getUint16(pos);
      case 26:
        this.#need(4);
        this.#pos = pos + 4;
        return this.#view.getUint32(pos);
      default: {
        this.#need(8);
        this.#pos = pos + 8;
        const hi = this.#view.getUint32(pos);
        const lo = this.#view.getUint32(pos + 4);
        if (hi < 0x200000) return hi * TWO_32 + lo;
        this.#big = (BigInt(hi) << 32n) | BigInt(lo);
        return -1;
      }
    }
  }

  /** Reads a length argument and checks that at least `n * unit` bytes remain. */
  #length(ai: number, start: number, unit: number): number {
    const n = this.#arg(ai);
    const rest = this.#bytes.length - this.#pos;
    if (n < 0 || n * unit > rest) {
      throw new DecodeError(
        start,
        `declared length ${n < 0 ? this.#big : n} exceeds the ${rest} remaining byte${
          rest === 1 ? "" : "s"
        }`,
      );
    }
    return n;
  }

  #item(): unknown {
    if (++this.#depth > MAX_DEPTH) {
      throw new DecodeError(this.#pos, `items nested deeper than ${MAX_DEPTH} levels`);
    }
    const value = this.#read();
    this.#depth--;
    return value;
  }

  #read(): unknown {
    const start = this.#pos;
    this.#need(1);
    const ib = this.#bytes[this.#pos++];
    const major = ib >> 5;
    const ai = ib & 0x1f;
    if (ai >= 28 && ai <= 30) {
      throw new DecodeError(
        start,
        `reserved additional information ${ai} in initial byte 0x${ib.toString(16)}`,
      );
    }
    if (ai === 31) {
      // Small frames for the nesting kinds keep deep input within the stack.
      if (major === 4) return this.#indefiniteArray();
      if (major === 5) return this.#indefiniteMap();
      return this.#indefinite(major, start);
    }
    switch (major) {
      case 0: {
        const n = this.#arg(ai);
        return n >= 0 ? n : this.#big;
      }
      case 1: {
        const n = this.#arg(ai);
        return n >= 0 ? -1 - n : -1n - this.#big;
      }
      case 2: {
        const n = this.#length(ai, start, 1);
        const pos = this.#pos;
        this.#pos = pos + n;
        return this.#bytes.slice(pos, pos + n);
      }
      case 3:
        return this.#text(this.#length(ai, start, 1), start);
      case 4: {
        const n = this.#length(ai, start, 1);
        const out = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.#item();
        return out;
      }
      case 5:
        return this.#map(this.#length(ai, start, 2));
      case 6: {
        const tag = this.#arg(ai);
        if (tag < 0) throw new DecodeError(start, `tag ${this.#big} is too large`);
        return this.#tag(tag, start);
      }
      default:
        return this.#simple(ai, start);
    }
  }

  #text(n: number, start: number): string {
    const bytes = this.#bytes;
    const pos = this.#pos;
    this.#pos = pos + n;
    if (n < 32) {
      let s = "";
      let i = pos;
      const end = pos + n;
      for (; i < end; i++) {
        const b = bytes[i];
        if (b >= 0x80) break;
        s += String.fromCharCode(b);
      }
      if (i === end) return s;
    }
    try {
      return UTF8.decode(bytes.subarray(pos, pos + n));
    } catch (cause) {
      throw new DecodeError(start, "invalid UTF-8 in text string", { cause });
    }
  }

  #map(n: number): unknown {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = this.#item();
      if (typeof key !== "string") return this.#mapFallback(obj, key, n - i - 1);
      setKey(obj, key, this.#item());
    }
    return obj;
  }

  /** A map with a non-text key (not written by encode) becomes a Map. */
  #mapFallback(obj: Record<string, unknown>, key: unknown, rest: number): Map<unknown, unknown> {
    const map = new Map<unknown, unknown>(Object.entries(obj));
    map.set(key, this.#item());
    for (let i = 0; i < rest; i++) {
      const k = this.#item();
      map.set(k, this.#item());
    }
    return map;
  }

  #entries(start: number): Map<unknown, unknown> {
    this.#need(1);
    const ib = this.#bytes[this.#pos];
    if (ib >> 5 !== 5) throw new DecodeError(this.#pos, "tag 259 must contain a map");
    this.#pos++;
    const map = new Map<unknown, unknown>();
    if ((ib & 0x1f) === 31) {
      while (!this.#atBreak()) {
        const k = this.#item();
        map.set(k, this.#item());
      }
      return map;
    }
    const n = this.#length(ib & 0x1f, start, 2);
    for (let i = 0; i < n; i++) {
      const k = this.#item();
      map.set(k, this.#item());
    }
    return map;
  }

  /** True (and consumes it) if the next byte is a break. */
  #atBreak(): boolean {
    this.#need(1);
    if (this.#bytes[this.#pos] !== BREAK) return false;
    this.#pos++;
    return true;
  }

  #indefiniteArray(): unknown[] {
    const out: unknown[] = [];
    while (!this.#atBreak()) out.push(this.#item());
    return out;
  }

  #indefiniteMap(): unknown {
    const obj: Record<string, unknown> = {};
    while (!this.#atBreak()) {
      const key = this.#item();
      if (typeof key !== "string") return this.#indefiniteMapFallback(obj, key);
      setKey(obj, key, this.#item());
    }
    return obj;
  }

  #indefiniteMapFallback(obj: Record<string, unknown>, key: unknown): Map<unknown, unknown> {
    const map = new Map<unknown, unknown>(Object.entries(obj));
    map.set(key, this.#item());
    while (!this.#atBreak()) {
      const k = this.#item();
      map.set(k, this.#item());
    }
    return map;
  }

  #indefinite(major: number, start: number): unknown {
    switch (major) {
      case 2:
      case 3: {
        const parts: Uint8Array[] = [];
        let total = 0;
        while (!this.#atBreak()) {
          const at = this.#pos;
          const ib = this.#bytes[this.#pos++];
          if (ib >> 5 !== major) {
            throw new DecodeError(at, "indefinite-length string chunk of the wrong type");
          }
          if ((ib & 0x1f) === 31) {
            throw new DecodeError(at, "indefinite-length string chunk of indefinite length");
          }
          const n = this.#length(ib & 0x1f, at, 1);
          parts.push(this.#bytes.subarray(this.#pos, this.#pos + n));
          this.#pos += n;
          total += n;
        }
        const out = new Uint8Array(total);
        let at = 0;
        for (const part of parts) {
          out.set(part, at);
          at += part.length;
        }
        if (major === 2) return out;
        try {
          return UTF8.decode(out);
        } catch (cause) {
          throw new DecodeError(start, "invalid UTF-8 in text string", { cause });
        }
      }
      case 7:
        throw new DecodeError(start, "unexpected break");
      default:
        throw new DecodeError(start, `indefinite length is not allowed for major type ${major}`);
    }
  }

  #simple(ai: number, start: number): unknown {
    if (ai < 20) return new SimpleValue(ai);
    switch (ai) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 24: {
        this.#need(1);
        const v = this.#bytes[this.#pos++];
        if (v < 32) {
          throw new DecodeError(start, `simple value ${v} in two bytes (reserved, RFC 8949 §3.3)`);
        }
        return new SimpleValue(v);
      }
      case 25: {
        this.#need(2);
        this.#pos += 2;
        return halfToNumber(this.#view.getUint16(this.#pos - 2));
      }
      case 26: {
        this.#need(4);
        this.#pos += 4;
        return this.#view.getFloat32(this.#pos - 4);
      }
      case 27: {
        this.#need(8);
        this.#pos += 8;
        return this.#view.getFloat64(this.#pos - 8);
      }
      default:
        throw new DecodeError(start, `unexpected additional information ${ai} in major type 7`);
    }
  }

  #tag(tag: number, start: number): unknown {
    const TypedArray = TYPED_ARRAY_BY_TAG.get(tag);
    if (TypedArray !== undefined) return this.#typedArray(TypedArray, tag, start);
    if (tag === 259) return this.#entries(start);
    const at = this.#pos;
    const content = this.#item();
    switch (tag) {
      case 0: {
        const date = typeof content === "string" ? new Date(content) : undefined;
        if (date === undefined || Number.isNaN(date.getTime())) {
          throw new DecodeError(at, "tag 0 must contain a date/time string");
        }
        return date;
      }
      case 1:
        if (typeof content === "number") return new Date(secondsToMs(content));
        if (typeof content === "bigint") return new Date(Number(content) * 1000);
        throw new DecodeError(at, "tag 1 must contain a number");
      case 2:
      case 3: {
        if (!(content instanceof Uint8Array)) {
          throw new DecodeError(at, `tag ${tag} must contain a byte string`);
        }
        const n = bytesToBigInt(content);
        return tag === 2 ? n : -1n - n;
      }
      case 27:
        if (Array.isArray(content) && content.length === 2 && typeof content[0] === "string") {
          const def = BY_NAME.get(content[0]);
          if (def !== undefined) return (def.decode as (plain: unknown) => unknown)(content[1]);
        }
        return new TaggedValue(27, content);
      case 258:
        if (!Array.isArray(content)) throw new DecodeError(at, "tag 258 must contain an array");
        return new Set(content);
      case 55799:
        return content;
      default:
        return new TaggedValue(tag, content);
    }
  }

  #typedArray(
    TypedArray: { new (length: number): ArrayBufferView; readonly BYTES_PER_ELEMENT: number },
    tag: number,
    start: number,
  ): ArrayBufferView {
    const at = this.#pos;
    this.#need(1);
    const ib = this.#bytes[at];
    let bytes: Uint8Array;
    if (ib >> 5 === 2 && (ib & 0x1f) !== 31) {
      // Definite byte string: read it in place, copy once into the typed array.
      this.#pos++;
      const n = this.#length(ib & 0x1f, at, 1);
      bytes = this.#bytes.subarray(this.#pos, this.#pos + n);
      this.#pos += n;
    } else {
      const content = this.#item();
      if (!(content instanceof Uint8Array)) {
        throw new DecodeError(at, `tag ${tag} must contain a byte string`);
      }
      bytes = content;
    }
    const size = TypedArray.BYTES_PER_ELEMENT;
    if (bytes.length % size !== 0) {
      throw new DecodeError(
        start,
        `tag ${tag} payload of ${bytes.length} bytes is not a multiple of ${size}`,
      );
    }
    const out = new TypedArray(bytes.length / size);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
}
