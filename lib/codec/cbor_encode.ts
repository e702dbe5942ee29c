/**
 * {@linkcode encode}: the stored form of a value, as standard CBOR (RFC 8949).
 *
 * @module
 */
import { encoderFor, rootOf } from "./_encoder.ts";

/** Options of {@linkcode encode}, `canonicalEncode` and `hashValue`. */
export interface EncodeOptions {
  /**
   * Name of the value in error messages; paths inside it are appended
   * (`args.structure.cell[2]`).
   *
   * @default {"value"}
   */
  readonly root?: string;
}

/**
 * Encodes a value as standard CBOR (RFC 8949) that any CBOR library can read, and
 * {@linkcode decode} turns back into an equal value of the same types.
 *
 * - `null`, `undefined`, booleans and strings map to their CBOR forms.
 * - Safe integers (not `-0`) are CBOR integers; every other number is a float in its
 *   preferred serialization (the shortest of binary16/32/64 that holds it exactly,
 *   NaN as 0xf97e00), so `-0`, `0`, `NaN` and `Infinity` stay distinct.
 * - Bigints are always bignums (tags 2 and 3), even small ones, so `1n` comes back
 *   as `1n`; this is the one place where `encode` departs from preferred
 *   serialization (`canonicalEncode` writes `1n` as the integer 1).
 * - Arrays are CBOR arrays (holes become `undefined`); plain objects (prototype
 *   `Object.prototype` or `null`) are maps of their own enumerable string keys.
 * - `Map` is tag 259 around a map, `Set` tag 258 around an array. A `Date` in years
 *   0000..9999 is tag 0 (RFC 3339 text); any other, or an invalid one, is tag 1
 *   (epoch seconds, or NaN), which other decoders read too.
 * - `Uint8Array` is a byte string; other typed arrays carry RFC 8746 tags
 *   (little-endian) around their bytes.
 * - Instances of classes registered with `defineEncoding` are tag 27
 *   `[name, plain value]`; a `TaggedValue` is written as its tag and a `SimpleValue`
 *   as its simple value.
 *
 * Strings are written as UTF-8, so a lone surrogate comes back as U+FFFD.
 * Shared references are encoded once per occurrence.
 *
 * @param value The value to encode.
 * @param options Options; `root` names the value in error messages.
 * @returns A fresh byte array.
 * @throws {EncodeError} For functions, symbols, instances of classes without a
 * declared encoding, unsupported built-ins (ArrayBuffer, DataView, WeakMap, Promise,
 * ...), cycles and objects nested deeper than 1000 levels, naming the path of the
 * offending value.
 * @throws {TypeError} If `options.root` is not a string.
 *
 * @example Encode integers, floats and objects
 * ```ts
 * import assert from "node:assert/strict";
 * import { decode, encode } from "./mod.ts";
 *
 * assert.deepEqual(encode(1000), new Uint8Array([0x19, 0x03, 0xe8]));
 * assert.deepEqual(encode({ a: [1, -1] }), new Uint8Array([0xa1, 0x61, 0x61, 0x82, 0x01, 0x20]));
 * assert.deepEqual(encode(0.5), new Uint8Array([0xf9, 0x38, 0x00])); // binary16
 * assert.equal(encode(0.1)[0], 0xfb); // 0.1 needs binary64
 * assert.deepEqual(decode(encode(new Map([[1, new Float64Array([2])]]))), new Map([[1, new Float64Array([2])]]));
 * assert.throws(() => encode({ cell: [1, 2, () => 3] }, { root: "args" }), {
 *   name: "EncodeError",
 *   message: "Cannot encode args.cell[2]: functions cannot be encoded",
 * });
 * ```
 */
export function encode(value: unknown, options?: EncodeOptions): Uint8Array {
  return encoderFor("stored").encode(value, rootOf(options));
}
