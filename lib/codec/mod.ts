/**
 * The drover codec: how argument and result values are stored and hashed.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { decode, encode, hashValue, preview } from "./mod.ts";
 *
 * const args = { structure: { cell: [[1, 0], [0, 1]] }, kpoints: new Int32Array([4, 4]), ecut: 500.5 };
 * const bytes = encode(args, { root: "args" }); // standard CBOR
 * assert.deepEqual(decode(bytes), args);
 * assert.equal(hashValue(args), hashValue({ ecut: 500.5, kpoints: new Int32Array([4, 4]), structure: { cell: [[1, 0], [0, 1]] } }));
 * assert.equal(preview(args.kpoints), "Int32Array(2) [4, 4]");
 * ```
 *
 * - {@linkcode encode} / {@linkcode decode}: the stored form, standard CBOR (RFC 8949)
 *   readable by any CBOR library; decode reads any well-formed CBOR and rejects
 *   malformed input (RFC 8949 Appendix F) with the byte offset.
 * - {@linkcode canonicalEncode} / {@linkcode hashValue}: RFC 8949 §4.2.1 core
 *   deterministic encoding and its SHA-256, independent of key, Map and Set order;
 *   `rules: "drover-v1"` for the frozen rules of drover 0.1; {@linkcode sha256Hex}
 *   for bytes.
 * - {@linkcode defineEncoding}: store instances of your own classes.
 * - {@linkcode preview}: a one-line rendering for display.
 * - {@linkcode EncodeError}, {@linkcode DecodeError}: what goes wrong, with the path or
 *   byte offset; {@linkcode TaggedValue} for CBOR tags the codec does not know and
 *   {@linkcode SimpleValue} for simple values without a JavaScript counterpart.
 *
 * @module
 */
export { encode, type EncodeOptions } from "./cbor_encode.ts";
export { decode } from "./cbor_decode.ts";
export { canonicalEncode, type CanonicalOptions, type CanonicalRules } from "./canonical_encode.ts";
export { hashValue, sha256Hex } from "./hash.ts";
export { type ClassOf, defineEncoding, type EncodingDefinition } from "./custom.ts";
export { preview } from "./preview.ts";
export { DecodeError, EncodeError, type EncodeErrorReason } from "./errors.ts";
export { TaggedValue } from "./tagged_value.ts";
export { SimpleValue } from "./simple_value.ts";
