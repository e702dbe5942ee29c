/**
 * {@linkcode SimpleValue}: a CBOR simple value with no JavaScript counterpart.
 *
 * @module
 */

/**
 * A CBOR simple value (major type 7) other than `false`, `true`, `null` and
 * `undefined`: 0..19 or 32..255 (RFC 8949 §3.3). `decode` returns one for such items
 * and `encode` writes it back, so they round-trip.
 *
 * @example Decode simple(16) and write it back
 * ```ts
 * import assert from "node:assert/strict";
 * import { decode, encode, SimpleValue } from "./mod.ts";
 *
 * const value = decode(new Uint8Array([0xf0]));
 * assert.deepEqual(value, new SimpleValue(16));
 * assert.deepEqual(encode(new SimpleValue(255)), new Uint8Array([0xf8, 0xff]));
 * assert.throws(() => new SimpleValue(24), RangeError);
 * ```
 */
export class SimpleValue {
  /** The simple value number, 0..19 or 32..255. */
  readonly value: number;

  /**
   * Wraps a simple value number.
   *
   * @param value 0..19 or 32..255.
   * @throws {RangeError} For 20..23 (use `false`, `true`, `null`, `undefined`),
   * the reserved 24..31, and anything outside 0..255.
   */
  constructor(value: number) {
    if (!Number.isInteger(value) || value < 0 || value > 255 || (value >= 20 && value < 32)) {
      throw new RangeError(
        `Cannot create SimpleValue: value must be an integer in 0..19 or 32..255 (got ${value})`,
      );
    }
    this.value = value;
  }
}
