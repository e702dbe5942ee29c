/**
 * Call keys: the sha256 that names one step call in the cache.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { hashValue } from "../codec/mod.ts";

/** What a call key is made of. */
export interface KeyParts {
  /** Step name. */
  readonly step: string;
  /** Code identity hash of the step. */
  readonly codeHash: string;
  /** The user's version salt. */
  readonly version: string;
  /** Canonical hash of each non-ignored argument, by name. */
  readonly argHashes: Readonly<Record<string, string>>;
}

/**
 * Hashes each argument of a call on its own (so `explain` can say which one changed),
 * leaving out ignored names.
 *
 * @param inputs The call's named inputs.
 * @param ignore Names left out of the key.
 * @returns Argument name -> canonical sha256 hex.
 * @throws {EncodeError} naming the argument path when a value cannot be encoded.
 *
 * @example
 * ```ts
 * import { argumentHashes } from "./key.ts";
 * import assert from "node:assert/strict";
 * const a = argumentHashes({ x: { p: 1, q: 2 }, seed: 7 }, new Set(["seed"]));
 * const b = argumentHashes({ x: { q: 2, p: 1 }, seed: 8 }, new Set(["seed"]));
 * assert.deepEqual(a, b);
 * assert.deepEqual(Object.keys(a), ["x"]);
 * ```
 */
export function argumentHashes(
  inputs: Readonly<Record<string, unknown>>,
  ignore: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(inputs).sort()) {
    if (ignore.has(name)) continue;
    out[name] = hashValue(inputs[name], { root: `args.${name}` });
  }
  return out;
}

/**
 * Computes the call key from its parts. Argument order does not matter.
 *
 * @param parts Step, code hash, version, argument hashes.
 * @returns Lowercase hex sha256.
 *
 * @example
 * ```ts
 * import { callKey } from "./key.ts";
 * import assert from "node:assert/strict";
 * const base = { step: "relax", codeHash: "c", version: "1" };
 * const k1 = callKey({ ...base, argHashes: { a: "1", b: "2" } });
 * assert.equal(k1, callKey({ ...base, argHashes: { b: "2", a: "1" } }));
 * assert.notEqual(k1, callKey({ ...base, version: "2", argHashes: { a: "1", b: "2" } }));
 * ```
 */
export function callKey(parts: KeyParts): string {
  const h = createHash("sha256");
  h.update(`drover-call-v1\n${parts.step}\n${parts.codeHash}\n${parts.version}\n`);
  for (const name of Object.keys(parts.argHashes).sort()) {
    h.update(`${JSON.stringify(name)}=${parts.argHashes[name]}\n`);
  }
  return h.digest("hex");
}
