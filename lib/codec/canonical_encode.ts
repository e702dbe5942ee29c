/**
 * {@linkcode canonicalEncode}: deterministic CBOR, the input of `hashValue`.
 *
 * @module
 */
import { encoderFor, rootOf } from "./_encoder.ts";
import type { EncodeOptions } from "./cbor_encode.ts";

/**
 * Encodes a value like `encode`, but deterministically (RFC 8949 §4.2.1): keys of
 * plain objects and of Maps are sorted by the bytewise order of their encodings, and
 * so are the elements of Sets. Equal values built in different orders give identical
 * bytes, which `decode` still reads.
 *
 * @param value The value to encode.
 * @param options Options; `root` names the value in error messages.
 * @returns A fresh byte array.
 * @throws {EncodeError} For the same values `encode` refuses.
 * @throws {TypeError} If `options.root` is not a string.
 *
 * @example Key and insertion order do not matter
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalEncode, decode } from "./mod.ts";
 *
 * assert.deepEqual(canonicalEncode({ b: 2, a: 1 }), canonicalEncode({ a: 1, b: 2 }));
 * assert.deepEqual(canonicalEncode(new Set([2, 1])), canonicalEncode(new Set([1, 2])));
 * assert.deepEqual(Object.keys(decode(canonicalEncode({ bb: 1, c: 2 })) as object), ["c", "bb"]);
 * ```
 */
export function canonicalEncode(value: unknown, options?: EncodeOptions): Uint8Array {
  return encoderFor(true).encode(value, rootOf(options));
}
