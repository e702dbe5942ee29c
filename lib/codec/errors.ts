/**
 * Errors thrown by the codec: {@linkcode EncodeError} for values that cannot be
 * stored, {@linkcode DecodeError} for bytes that are not valid CBOR of ours.
 *
 * @module
 */

/**
 * Why a value could not be encoded.
 *
 * - `"function"`: a function was found.
 * - `"symbol"`: a symbol was found.
 * - `"class"`: an instance of a class without a declared encoding (see `defineEncoding`).
 * - `"cycle"`: an object contains itself.
 * - `"unsupported"`: a built-in object the codec does not store (ArrayBuffer, DataView,
 *   WeakMap, Promise, RegExp, boxed primitives, ...), an object with a prototype that
 *   is neither a class nor `Object.prototype`, or objects nested deeper than 1000 levels.
 * - `"duplicate"`: (`canonicalEncode` and `hashValue` only) two keys of a Map or two
 *   elements of a Set have the same deterministic encoding, such as `1` and `1n`, or
 *   two distinct but equal objects.
 */
export type EncodeErrorReason =
  | "function"
  | "symbol"
  | "class"
  | "cycle"
  | "unsupported"
  | "duplicate";

/**
 * Thrown when a value cannot be encoded. It names where the offending value sits
 * inside the argument (`path`) and why it was refused (`reason`).
 *
 * @example Catch a refusal and read its data
 * ```ts
 * import assert from "node:assert/strict";
 * import { encode, EncodeError } from "./mod.ts";
 *
 * try {
 *   encode({ f: () => 1 }, { root: "args" });
 *   assert.fail("encode should have thrown");
 * } catch (e) {
 *   assert.ok(e instanceof EncodeError && e instanceof TypeError);
 *   assert.equal(e.path, "args.f");
 *   assert.equal(e.reason, "function");
 *   assert.equal(e.message, "Cannot encode args.f: functions cannot be encoded");
 * }
 * ```
 */
export class EncodeError extends TypeError {
  /**
   * Path of the refused value inside the encoded argument, e.g. `args.structure.cell[2]`.
   * Paths of more than 40 steps keep the first and last 20 with `…(n more)…` between.
   */
  readonly path: string;
  /** Why the value was refused. */
  readonly reason: EncodeErrorReason;

  /**
   * Creates the error; the message is "Cannot encode <path>: <detail>".
   *
   * @param path Path of the refused value.
   * @param reason Why it was refused.
   * @param detail What is wrong, completing "Cannot encode <path>: <detail>".
   */
  constructor(path: string, reason: EncodeErrorReason, detail: string) {
    super(`Cannot encode ${path}: ${detail}`);
    this.name = "EncodeError";
    this.path = path;
    this.reason = reason;
  }
}

/**
 * Thrown by `decode` for malformed input: truncated data, reserved or unexpected
 * bytes, invalid UTF-8, trailing bytes, or a known tag around the wrong kind of item.
 *
 * @example Read where decoding failed
 * ```ts
 * import assert from "node:assert/strict";
 * import { decode, DecodeError } from "./mod.ts";
 *
 * try {
 *   decode(new Uint8Array([0xfb, 0x40, 0x09])); // a float64 cut after 2 of its 8 bytes
 *   assert.fail("decode should have thrown");
 * } catch (e) {
 *   assert.ok(e instanceof DecodeError);
 *   assert.equal(e.offset, 3);
 *   assert.equal(e.message, "Cannot decode CBOR at byte 3: unexpected end of input");
 * }
 * ```
 */
export class DecodeError extends Error {
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;

  /**
   * Creates the error; the message is "Cannot decode CBOR at byte <offset>: <detail>".
   *
   * @param offset Byte offset of the problem.
   * @param detail What is wrong, completing "Cannot decode CBOR at byte <offset>: <detail>".
   * @param options Standard error options (`cause`).
   */
  constructor(offset: number, detail: string, options?: ErrorOptions) {
    super(`Cannot decode CBOR at byte ${offset}: ${detail}`, options);
    this.name = "DecodeError";
    this.offset = offset;
  }
}
