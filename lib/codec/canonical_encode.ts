/**
 * {@linkcode canonicalEncode}: deterministic CBOR, the input of `hashValue`.
 *
 * @module
 */
import { encoderFor, rootOf, rulesOf } from "./_encoder.ts";
import type { EncodeOptions } from "./cbor_encode.ts";

/**
 * Which deterministic encoding `canonicalEncode` and `hashValue` follow.
 *
 * - `"rfc8949"` (the default): RFC 8949 §4.2.1 core deterministic encoding.
 * - `"drover-v1"`: the rules of drover 0.1, frozen so that call keys computed by
 *   stores written before the switch can still be found (see `legacyCallKey` in
 *   lib/step/key.ts). Never changes.
 */
export type CanonicalRules = "rfc8949" | "drover-v1";

/** Options of {@linkcode canonicalEncode} and `hashValue`. */
export interface CanonicalOptions extends EncodeOptions {
  /**
   * The deterministic encoding rules.
   *
   * @default {"rfc8949"}
   */
  readonly rules?: CanonicalRules;
}

/**
 * Encodes a value deterministically: equal values built in different orders give
 * identical bytes, which `decode` (or any CBOR decoder) reads.
 *
 * By default this is RFC 8949 §4.2.1 core deterministic encoding, with the §4.2.2
 * choices for floating point spelled out:
 *
 * - Preferred serialization: every head (integer, length, tag number) as short as
 *   possible; definite lengths only.
 * - Integers: numbers and bigints in -2^64..2^64-1 are major types 0/1, so `1` and
 *   `1n` (and `2 ** 60` and `2n ** 60n`) encode the same; bignums (tags 2/3, no
 *   leading zero bytes) only beyond that range.
 * - Floats (numbers that are not integers in that range): the shortest of binary16,
 *   binary32 and binary64 that holds the value exactly; Infinity, -Infinity and -0 as
 *   binary16; every NaN as 0xf97e00. `-0` stays distinct from `0`.
 * - Map keys (of plain objects and Maps) in the bytewise lexicographic order of their
 *   encodings; Set elements (tag 258) likewise. Two keys or elements with the same
 *   encoding are refused (RFC 8949 §5.6).
 * - Dates in years 0000..9999 are tag 0 RFC 3339 text (milliseconds only when not
 *   zero); others are tag 1 epoch seconds (integer, else float).
 * - Maps, Sets, typed arrays and classes use the same tags as `encode`.
 *
 * `rules: "drover-v1"` gives the frozen rules of drover 0.1: same order, but every
 * number that is not a safe integer is a float64, every bigint a bignum and every
 * valid date `toISOString()` text.
 *
 * @param value The value to encode.
 * @param options Options; `root` names the value in error messages, `rules` picks the
 * rule set.
 * @returns A fresh byte array.
 * @throws {EncodeError} For the same values `encode` refuses, and (reason
 * `"duplicate"`) for Map keys or Set elements with equal encodings.
 * @throws {TypeError} If `options.root` is not a string or `options.rules` is unknown.
 *
 * @example Key and insertion order do not matter; shortest forms
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalEncode, decode } from "./mod.ts";
 *
 * assert.deepEqual(canonicalEncode({ b: 2, a: 1 }), canonicalEncode({ a: 1, b: 2 }));
 * assert.deepEqual(canonicalEncode(new Set([2, 1])), canonicalEncode(new Set([1, 2])));
 * assert.deepEqual(Object.keys(decode(canonicalEncode({ bb: 1, c: 2 })) as object), ["c", "bb"]);
 * assert.deepEqual(canonicalEncode(1.5), new Uint8Array([0xf9, 0x3e, 0x00])); // binary16
 * assert.deepEqual(canonicalEncode(1n), canonicalEncode(1));
 * assert.deepEqual(canonicalEncode(1.5, { rules: "drover-v1" })[0], 0xfb); // float64
 * ```
 */
export function canonicalEncode(value: unknown, options?: CanonicalOptions): Uint8Array {
  return encoderFor(rulesOf(options)).encode(value, rootOf(options));
}
