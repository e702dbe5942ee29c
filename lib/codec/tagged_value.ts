/**
 * {@linkcode TaggedValue}: a CBOR tag the codec has no meaning for.
 *
 * @module
 */

/**
 * A CBOR tag that `decode` does not know, kept as its tag number and decoded
 * content. Encoding a `TaggedValue` writes the same tag again, so unknown tags
 * round-trip.
 *
 * @example Decode an unknown tag and write it back
 * ```ts
 * import assert from "node:assert/strict";
 * import { decode, encode, TaggedValue } from "./mod.ts";
 *
 * // tag 32 (URI) around the text "a"
 * const bytes = new Uint8Array([0xd8, 0x20, 0x61, 0x61]);
 * const value = decode(bytes);
 * assert.deepEqual(value, new TaggedValue(32, "a"));
 * assert.deepEqual(encode(value), bytes);
 * ```
 */
export class TaggedValue {
  /** The tag number. */
  readonly tag: number;
  /** The decoded tag content. */
  readonly value: unknown;

  /**
   * Wraps tag content with its tag number.
   *
   * @param tag Tag number, a non-negative safe integer.
   * @param value Tag content.
   * @throws {RangeError} If `tag` is not a non-negative safe integer.
   */
  constructor(tag: number, value: unknown) {
    if (!Number.isSafeInteger(tag) || tag < 0) {
      throw new RangeError(
        `Cannot create TaggedValue: tag must be a non-negative safe integer (got ${tag})`,
      );
    }
    this.tag = tag;
    this.value = value;
  }
}
