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
 * {@linkcode decode} turns back into an equal value.
 *
 * - `null`, `undefined`, booleans and strings map to their CBOR forms.
 * - Safe integers (not `-0`) are CBOR integers; every other number is a float64, with
 *   one NaN bit pattern, so `-0`, `0`, `NaN` and `Infinity` stay distinct.
 * - Bigints are bignums (tags 2 and 3), so `1n` and `1` differ.
 * - Arrays are CBOR arrays (holes become `undefined`); plain objects (prototype
 *   `Object.prototype` or `null`) are maps of their own enumerable string keys.
 * - `Map` is tag 259 around a map, `Set` tag 258 around an array, `Date` tag 0 (ISO
 *   text) or, when invalid, tag 1 around NaN.
 * - `Uint8Array` is a byte string; other typed arrays carry RFC 8746 tags
 *   (little-endian) around their bytes.
 * - Instances of classes registered with `defineEncoding` are tag 27
 *   `[name, plain value]`; a `TaggedValue` is written as its tag.
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
 * assert.equal(encode(0.5)[0], 0xfb); // float64
 * assert.deepEqual(decode(encode(new Map([[1, new Float64Array([2])]]))), new Map([[1, new Float64Array([2])]]));
 * assert.throws(() => encode({ cell: [1, 2, () => 3] }, { root: "args" }), {
 *   name: "EncodeError",
 *   message: "Cannot encode args.cell[2]: functions cannot be encoded",
 * });
 * ```
 */
export function encode(value: unknown, options?: EncodeOptions): Uint8Array {
  return encoderFor(false).encode(value, rootOf(options));
}
