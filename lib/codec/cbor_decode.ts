/**
 * {@linkcode decode}: read back what `encode` (or any CBOR writer) produced.
 *
 * @module
 */
import { Decoder } from "./_decoder.ts";

/**
 * Decodes one CBOR data item, the exact inverse of `encode`: typed arrays come back
 * as the same class in a fresh aligned buffer; Map, Set, Date, bigint, `-0`, NaN and
 * `undefined` round-trip. Byte strings are copied, so `bytes` may be reused.
 *
 * Any well-formed CBOR (RFC 8949) is accepted, including what other writers produce:
 * half and single floats, indefinite-length items, integers beyond 2^53 (as bigints;
 * integers are numbers when safe), epoch dates (tag 1, to the nearest millisecond),
 * the self-describe tag 55799, maps with non-text keys (as Maps), and simple values
 * without a JavaScript counterpart (as {@linkcode SimpleValue}s). Unknown tags become
 * {@linkcode TaggedValue}s; tag 27 with an unregistered type name too. Every item
 * RFC 8949 calls not well-formed (Appendix F) is rejected.
 *
 * @param bytes Exactly one encoded item.
 * @returns The decoded value.
 * @throws {DecodeError} If the input is not well-formed (truncated, trailing bytes,
 * reserved additional information, a two-byte simple value below 32, a misplaced
 * break, a bad indefinite-length chunk), has invalid UTF-8, or has a known tag around
 * the wrong content; `offset` is where the problem was found.
 * @throws {TypeError} If `bytes` is not a Uint8Array.
 *
 * @example Decode RFC 8949 Appendix A vectors
 * ```ts
 * import assert from "node:assert/strict";
 * import { decode, encode } from "./mod.ts";
 *
 * assert.equal(decode(new Uint8Array([0x19, 0x03, 0xe8])), 1000);
 * assert.equal(decode(new Uint8Array([0xf9, 0x7c, 0x00])), Infinity); // half float
 * const value = { at: new Date(0), n: -0, big: 2n ** 70n, xs: new Int16Array([1, -1]) };
 * assert.deepEqual(decode(encode(value)), value);
 * ```
 */
export function decode(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`Cannot decode CBOR: expected a Uint8Array (got ${typeof bytes})`);
  }
  return new Decoder(bytes).decode();
}
