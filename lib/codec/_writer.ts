// Private: the growable output buffer behind the encoders. Bytes go into one reused
// Uint8Array; payloads larger than STREAM_THRESHOLD skip it and are handed on by
// reference, either to a hash (hashValue) or to a list of chunks joined at the end.
import { type Hash, hash as oneShot } from "node:crypto";

/** Byte payloads longer than this are streamed instead of copied into the buffer. */
export const STREAM_THRESHOLD = 64 * 1024;

const INITIAL_SIZE = 4096;
/** A buffer grown past this is dropped after use so one big value does not pin memory. */
const KEEP_LIMIT = 1024 * 1024;
const TWO_32 = 4294967296;

const TEXT_ENCODER = new TextEncoder();
const TWO_64N = 1n << 64n;

/** Scratch space for float32 bit patterns. */
const SCRATCH = new DataView(new ArrayBuffer(4));

/**
 * The binary16 bit pattern of `v` if it holds `v` exactly, else -1. `v` must not be
 * NaN and must be a float32 value (`Math.fround(v) === v`).
 */
export function halfBits(v: number): number {
  SCRATCH.setFloat32(0, v);
  const bits = SCRATCH.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0) return mant === 0 ? sign : -1; // ±0; float32 subnormals are below binary16
  if (exp === 0xff) return sign | 0x7c00; // ±Infinity
  const e = exp - 127;
  if (e > 15 || e < -24) return -1;
  if (e >= -14) return (mant & 0x1fff) === 0 ? sign | ((e + 15) << 10) | (mant >>> 13) : -1;
  // binary16 subnormal: v = m * 2^-24 with m = (1.mant) * 2^(e + 24).
  const full = 0x800000 | mant;
  const shift = -e - 1;
  return (full & ((1 << shift) - 1)) === 0 ? sign | (full >>> shift) : -1;
}

/** Size of the head for an argument `n` (major type bits excluded). */
function headSize(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < TWO_32 ? 5 : 9;
}

/** Output buffer with CBOR head, float, text and byte writers. */
export class Writer {
  #buf: Uint8Array = new Uint8Array(INITIAL_SIZE);
  #view: DataView = new DataView(this.#buf.buffer);
  #pos = 0;
  #hash: Hash | null = null;
  /** Hash mode: the hash object is made only when a large payload streams into it. */
  #makeHash: (() => Hash) | null = null;
  #chunks: Uint8Array[] = [];
  #chunkBytes = 0;
  #holds = 0;

  /**
   * Starts a new output; with `makeHash`, flushed bytes go to the hash it makes (when the
   * first large payload streams) instead of chunks, and a small output is hashed in one shot.
   */
  start(makeHash: (() => Hash) | null): void {
    this.#pos = 0;
    this.#hash = null;
    this.#makeHash = makeHash;
    this.#holds = 0;
    if (this.#chunks.length > 0) {
      this.#chunks = [];
      this.#chunkBytes = 0;
    }
  }

  /** Ends the output and returns a fresh copy of all bytes written since `start`. */
  finishBytes(): Uint8Array {
    const pos = this.#pos;
    let out: Uint8Array;
    if (this.#chunks.length === 0) {
      out = this.#buf.slice(0, pos);
    } else {
      out = new Uint8Array(this.#chunkBytes + pos);
      let at = 0;
      for (const chunk of this.#chunks) {
        out.set(chunk, at);
        at += chunk.byteLength;
      }
      out.set(this.#buf.subarray(0, pos), at);
    }
    this.release();
    return out;
  }

  /** Ends the output, feeding the remaining bytes to the hash, and returns its hex digest. */
  finishHash(): string {
    const hash = this.#hash;
    if (hash === null) {
      // Nothing streamed: one sha256 of the buffer (a third of createHash's cost when small).
      const hex = oneShot("sha256", this.#buf.subarray(0, this.#pos), "hex");
      this.release();
      return hex;
    }
    if (this.#pos > 0) hash.update(this.#buf.subarray(0, this.#pos));
    this.release();
    return hash.digest("hex");
  }

  /** Drops references to caller data and shrinks an oversized buffer. */
  release(): void {
    this.#pos = 0;
    this.#hash = null;
    this.#makeHash = null;
    if (this.#chunks.length > 0) {
      this.#chunks = [];
      this.#chunkBytes = 0;
    }
    if (this.#buf.length > KEEP_LIMIT) {
      this.#buf = new Uint8Array(INITIAL_SIZE);
      this.#view = new DataView(this.#buf.buffer);
    }
  }

  /**
   * Starts a region that must stay contiguous in the buffer (nothing is streamed
   * until the matching `takeHold`). Returns the region's start.
   */
  hold(): number {
    this.#holds++;
    return this.#pos;
  }

  /** Cuts the region started by `hold` out of the buffer and returns a copy of it. */
  takeHold(start: number): Uint8Array {
    this.#holds--;
    const out = this.#buf.slice(start, this.#pos);
    this.#pos = start;
    return out;
  }

  #grow(need: number): void {
    const size = Math.max(this.#buf.length * 2, this.#pos + need + 64);
    const buf = new Uint8Array(size);
    buf.set(this.#buf.subarray(0, this.#pos));
    this.#buf = buf;
    this.#view = new DataView(buf.buffer);
  }

  /** Writes one byte. */
  byte(b: number): void {
    if (this.#pos + 1 > this.#buf.length) this.#grow(1);
    this.#buf[this.#pos++] = b;
  }

  /** Writes a head: major type `major` (0..7) with argument `n` (0 ≤ n < 2^64, safe). */
  head(major: number, n: number): void {
    if (this.#pos + 9 > this.#buf.length) this.#grow(9);
    const buf = this.#buf;
    const pos = this.#pos;
    const m = major << 5;
    if (n < 24) {
      buf[pos] = m | n;
      this.#pos = pos + 1;
    } else if (n < 0x100) {
      buf[pos] = m | 24;
      buf[pos + 1] = n;
      this.#pos = pos + 2;
    } else if (n < 0x10000) {
      buf[pos] = m | 25;
      buf[pos + 1] = n >> 8;
      buf[pos + 2] = n & 0xff;
      this.#pos = pos + 3;
    } else if (n < TWO_32) {
      buf[pos] = m | 26;
      this.#view.setUint32(pos + 1, n);
      this.#pos = pos + 5;
    } else {
      buf[pos] = m | 27;
      const hi = Math.floor(n / TWO_32);
      this.#view.setUint32(pos + 1, hi);
      this.#view.setUint32(pos + 5, n - hi * TWO_32);
      this.#pos = pos + 9;
    }
  }

  /**
   * Writes an integer head for `n` (0 ≤ n < 2^64) given as a bigint: major type
   * `major` with the shortest argument.
   */
  headBig(major: number, n: bigint): void {
    if (n < 0x20000000000000n) {
      this.head(major, Number(n));
      return;
    }
    if (n >= TWO_64N) throw new RangeError(`Cannot write a CBOR head for ${n}`);
    if (this.#pos + 9 > this.#buf.length) this.#grow(9);
    this.#buf[this.#pos] = (major << 5) | 27;
    this.#view.setBigUint64(this.#pos + 1, n);
    this.#pos += 9;
  }

  /**
   * Writes a float item in its preferred serialization (RFC 8949 §4.1): the shortest
   * of binary16, binary32 and binary64 that holds `v` exactly; every NaN is the
   * binary16 quiet NaN 0xf97e00.
   */
  float(v: number): void {
    if (this.#pos + 9 > this.#buf.length) this.#grow(9);
    const pos = this.#pos;
    const buf = this.#buf;
    if (v !== v) {
      buf[pos] = 0xf9;
      buf[pos + 1] = 0x7e;
      buf[pos + 2] = 0x00;
      this.#pos = pos + 3;
      return;
    }
    if (Math.fround(v) !== v) {
      buf[pos] = 0xfb;
      this.#view.setFloat64(pos + 1, v);
      this.#pos = pos + 9;
      return;
    }
    const half = halfBits(v);
    if (half >= 0) {
      buf[pos] = 0xf9;
      buf[pos + 1] = half >>> 8;
      buf[pos + 2] = half & 0xff;
      this.#pos = pos + 3;
    } else {
      buf[pos] = 0xfa;
      this.#view.setFloat32(pos + 1, v);
      this.#pos = pos + 5;
    }
  }

  /** Writes a float64 item (0xfb); every NaN becomes 0x7ff8000000000000 ("drover-v1" rules). */
  float64(v: number): void {
    if (this.#pos + 9 > this.#buf.length) this.#grow(9);
    const pos = this.#pos;
    this.#buf[pos] = 0xfb;
    if (v !== v) {
      this.#view.setUint32(pos + 1, 0x7ff80000);
      this.#view.setUint32(pos + 5, 0);
    } else {
      this.#view.setFloat64(pos + 1, v);
    }
    this.#pos = pos + 9;
  }

  /** Writes a text string item (major 3) as UTF-8; lone surrogates become U+FFFD. */
  string(s: string): void {
    const len = s.length;
    if (len < 256) {
      // Optimistic ASCII: the head size is known from the length.
      if (this.#pos + len + 2 > this.#buf.length) this.#grow(len + 2);
      const buf = this.#buf;
      const pos = this.#pos;
      const at = pos + (len < 24 ? 1 : 2);
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === len) {
        if (len < 24) {
          buf[pos] = 0x60 | len;
        } else {
          buf[pos] = 0x78;
          buf[pos + 1] = len;
        }
        this.#pos = at + len;
        return;
      }
    }
    const max = len * 3;
    const reserved = headSize(max);
    // +9: head() below checks for room for its longest form.
    if (this.#pos + reserved + max + 9 > this.#buf.length) this.#grow(reserved + max + 9);
    const from = this.#pos + reserved;
    const { written } = TEXT_ENCODER.encodeInto(s, this.#buf.subarray(from, from + max));
    const actual = headSize(written);
    if (actual < reserved) this.#buf.copyWithin(this.#pos + actual, from, from + written);
    this.head(3, written);
    this.#pos += written;
  }

  /** Writes raw bytes (no head), copying them into the buffer. */
  raw(bytes: Uint8Array): void {
    const n = bytes.byteLength;
    if (this.#pos + n > this.#buf.length) this.#grow(n);
    this.#buf.set(bytes, this.#pos);
    this.#pos += n;
  }

  /**
   * Writes raw payload bytes (no head). Large payloads are streamed by reference to
   * the hash or chunk list unless a hold is open.
   */
  payload(bytes: Uint8Array): void {
    const n = bytes.byteLength;
    if (n <= STREAM_THRESHOLD || this.#holds > 0) {
      this.raw(bytes);
      return;
    }
    const pos = this.#pos;
    if (this.#makeHash !== null) {
      const hash = this.#hash ??= this.#makeHash();
      if (pos > 0) hash.update(this.#buf.subarray(0, pos));
      hash.update(bytes);
    } else {
      if (pos > 0) this.#chunks.push(this.#buf.slice(0, pos));
      this.#chunks.push(bytes);
      this.#chunkBytes += pos + n;
    }
    this.#pos = 0;
  }
}
