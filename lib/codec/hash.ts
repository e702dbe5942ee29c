/**
 * {@linkcode hashValue}: content hashes of values, and {@linkcode sha256Hex}.
 *
 * @module
 */
import { createHash, type Hash, hash } from "node:crypto";
import { encoderFor, rootOf, rulesOf } from "./_encoder.ts";
import type { CanonicalOptions } from "./canonical_encode.ts";

/**
 * Hashes a value: the lowercase hex SHA-256 of its `canonicalEncode` bytes (RFC 8949
 * deterministic encoding by default). Equal values give equal hashes whatever the
 * order of their keys, Map entries or Set elements.
 *
 * Values the deterministic encoding identifies hash equal: an integer number and the
 * bigint of the same value (`1` and `1n`, `2 ** 60` and `2n ** 60n`) within
 * -2^64..2^64-1. Everything else `decode(encode(x))` tells apart hashes differently:
 * `-0`/`0`, `null`/`undefined`, `1n`/`"1"`, Float32Array/Float64Array, a Map and a
 * plain object, ...
 *
 * `rules: "drover-v1"` gives the hashes of drover 0.1 (where `1` and `1n` differed);
 * they never change, so call keys of stores written by that version can be recomputed.
 *
 * The encoding is streamed into the hash: typed-array payloads over 64 KiB are
 * hashed in place without being copied, so large arrays hash at SHA-256 speed.
 *
 * @param value The value to hash.
 * @param options Options; `root` names the value in error messages, `rules` picks the
 * rule set (`"rfc8949"` by default).
 * @returns 64 lowercase hex digits.
 * @throws {EncodeError} For the values `canonicalEncode` refuses.
 * @throws {TypeError} If `options.root` is not a string or `options.rules` is unknown.
 *
 * @example Hash arguments independently of key order
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashValue } from "./mod.ts";
 *
 * const h = hashValue({ kpoints: [4, 4, 4], ecut: 500 });
 * assert.match(h, /^[0-9a-f]{64}$/);
 * assert.equal(hashValue({ ecut: 500, kpoints: [4, 4, 4] }), h);
 * assert.equal(hashValue({ ecut: 500n, kpoints: [4, 4, 4] }), h);
 * assert.notEqual(hashValue({ ecut: 500n, kpoints: [4, 4, 4] }, { rules: "drover-v1" }), h);
 * ```
 */
export function hashValue(value: unknown, options?: CanonicalOptions): string {
  return encoderFor(rulesOf(options)).hash(value, rootOf(options), newSha256);
}

/**
 * Hashes bytes with SHA-256.
 *
 * @param bytes The bytes to hash.
 * @returns 64 lowercase hex digits.
 *
 * @example Hash the empty input
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./mod.ts";
 *
 * assert.equal(
 *   sha256Hex(new Uint8Array()),
 *   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
 * );
 * ```
 */
export function sha256Hex(bytes: Uint8Array): string {
  return hash("sha256", bytes, "hex");
}

function newSha256(): Hash {
  return createHash("sha256");
}
