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
  /** Canonical hash of the inputs object without the ignored arguments. */
  readonly argsHash: string;
}

/**
 * Hashes a call's inputs, leaving out ignored names: the canonical hash of the inputs
 * object, so key order does not matter.
 *
 * @param inputs The call's named inputs.
 * @param ignore Names left out of the key.
 * @returns Lowercase hex sha256.
 * @throws {EncodeError} naming the argument path (`args.structure.cell[2]`) when a value cannot be encoded.
 *
 * @example
 * ```ts
 * import { inputsHash } from "./key.ts";
 * import assert from "node:assert/strict";
 * const ignore = new Set(["seed"]);
 * assert.equal(
 *   inputsHash({ x: { p: 1, q: 2 }, seed: 7 }, ignore),
 *   inputsHash({ seed: 8, x: { q: 2, p: 1 } }, ignore),
 * );
 * ```
 */
export function inputsHash(
  inputs: Readonly<Record<string, unknown>>,
  ignore: ReadonlySet<string>,
): string {
  if (ignore.size === 0) return hashValue(inputs, { root: "args" });
  const kept: Record<string, unknown> = {};
  for (const name of Object.keys(inputs)) {
    if (!ignore.has(name)) kept[name] = inputs[name];
  }
  return hashValue(kept, { root: "args" });
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
 * Computes the call key from its parts.
 *
 * @param parts Step, code hash, version, inputs hash.
 * @returns Lowercase hex sha256.
 *
 * @example
 * ```ts
 * import { callKey } from "./key.ts";
 * import assert from "node:assert/strict";
 * const base = { step: "relax", codeHash: "c", argsHash: "a" };
 * assert.notEqual(callKey({ ...base, version: "1" }), callKey({ ...base, version: "2" }));
 * assert.equal(callKey({ ...base, version: "1" }).length, 64);
 * ```
 */
export function callKey(parts: KeyParts): string {
  return createHash("sha256")
    .update(`drover-call-v1\n${parts.step}\n${parts.codeHash}\n${parts.version}\n${parts.argsHash}`)
    .digest("hex");
}
