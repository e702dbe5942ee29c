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
 * Input from other CBOR writers is accepted too: half and single floats,
 * indefinite-length items, integers beyond 2^53 (as bigints), epoch dates (tag 1),
 * the self-describe tag 55799, and maps with non-text keys (as Maps). Unknown tags
 * become {@linkcode TaggedValue}s; tag 27 with an unregistered type name too.
 *
 * @param bytes Exactly one encoded item.
 * @returns The decoded value.
 * @throws {DecodeError} If the input is truncated, has trailing bytes, reserved or
 * unsupported initial bytes, invalid UTF-8, or a known tag around the wrong content.
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
