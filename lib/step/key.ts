/**
 * Call keys: the sha256 that names one step call in the cache.
 *
 * Argument hashes follow RFC 8949 deterministic encoding (`hashValue`'s default rules)
 * since drover 0.2; drover 0.1 used its own rules, frozen as `"drover-v1"`. A call
 * whose arguments encode the same under both (strings, safe integers, arrays, plain
 * objects, typed arrays, Maps and Sets of those) has the same key as before. For the
 * others (floats, bigints, dates, and what contains them) {@linkcode legacyCallKey}
 * gives the key drover 0.1 stored, so a cache lookup that misses under
 * {@linkcode callKey} can try it and reuse the old result. A key of one rule set never
 * names a different call under the other: the two encodings of a value differ only
 * where the old one wrote forms the new one never writes (float64 for what now fits
 * a shorter float or an integer, bignums below 2^64, dates as `toISOString()` text
 * with ".000" or outside years 0000..9999), except that `1` and `1n` are one value now.
 *
 * @module
 */
import { hash } from "node:crypto";
import { type CanonicalRules, hashValue } from "../codec/mod.ts";

/** Options of {@linkcode inputsHash} and {@linkcode argumentHashes}. */
export interface KeyHashOptions {
  /**
   * Deterministic encoding rules of the hashes (see `hashValue`); `"drover-v1"` gives
   * the hashes drover 0.1 stored.
   *
   * @default {"rfc8949"}
   */
  readonly rules?: CanonicalRules;
}

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
 * @param options `rules`: the deterministic encoding rules (`"rfc8949"` by default).
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
  options?: KeyHashOptions,
): string {
  const rules = options?.rules;
  if (ignore.size === 0) return hashValue(inputs, { root: "args", rules });
  const kept: Record<string, unknown> = {};
  for (const name of Object.keys(inputs)) {
    if (!ignore.has(name)) kept[name] = inputs[name];
  }
  return hashValue(kept, { root: "args", rules });
}

/**
 * Hashes each argument of a call on its own (so `explain` can say which one changed),
 * leaving out ignored names.
 *
 * @param inputs The call's named inputs.
 * @param ignore Names left out of the key.
 * @param options `rules`: the deterministic encoding rules (`"rfc8949"` by default).
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
  options?: KeyHashOptions,
): Record<string, string> {
  const rules = options?.rules;
  const out: Record<string, string> = {};
  for (const name of Object.keys(inputs).sort()) {
    if (ignore.has(name)) continue;
    out[name] = hashValue(inputs[name], { root: `args.${name}`, rules });
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
  return hash(
    "sha256",
    `drover-call-v1\n${parts.step}\n${parts.codeHash}\n${parts.version}\n${parts.argsHash}`,
    "hex",
  );
}

/** Options of {@linkcode legacyCallKey}. */
export interface LegacyCallKeyOptions {
  /**
   * Names left out of the key (the step's ignored arguments).
   *
   * @default {new Set()}
   */
  readonly ignore?: ReadonlySet<string>;
}

/**
 * The key drover 0.1 stored for a call: {@linkcode callKey} over the inputs hashed
 * with the frozen `"drover-v1"` rules. Pure; use it as the fallback of a cache lookup
 * that misses under the current key: if the store holds a call under the legacy key,
 * its result is the result of this call.
 *
 * @param parts Step name, code hash and version salt (as for `callKey`).
 * @param inputs The call's named inputs.
 * @param options `ignore`: names left out of the key.
 * @returns Lowercase hex sha256, equal to `callKey` for inputs whose encoding did not
 * change.
 * @throws {EncodeError} naming the argument path when a value cannot be encoded.
 *
 * @example Look up the current key, then the legacy one
 * ```ts
 * import { callKey, inputsHash, legacyCallKey } from "./key.ts";
 * import assert from "node:assert/strict";
 *
 * const parts = { step: "relax", codeHash: "c0de", version: "" };
 * const inputs = { r0: 1.5, seed: 7n };
 * const ignore = new Set(["seed"]);
 * const key = callKey({ ...parts, argsHash: inputsHash(inputs, ignore) });
 * const legacy = legacyCallKey(parts, inputs, { ignore });
 * assert.notEqual(key, legacy); // 1.5 was a float64 under drover 0.1, is binary16 now
 * // A store written by drover 0.1 holds the call under the legacy key:
 * const store = new Map([[legacy, "result"]]);
 * assert.equal(store.get(key) ?? store.get(legacy), "result");
 * // Inputs whose encoding did not change keep their key:
 * const same = { n: 3, names: ["a", "b"] };
 * assert.equal(legacyCallKey(parts, same), callKey({ ...parts, argsHash: inputsHash(same, new Set()) }));
 * ```
 */
export function legacyCallKey(
  parts: Omit<KeyParts, "argsHash">,
  inputs: Readonly<Record<string, unknown>>,
  options?: LegacyCallKeyOptions,
): string {
  const argsHash = inputsHash(inputs, options?.ignore ?? new Set(), { rules: "drover-v1" });
  return callKey({ step: parts.step, codeHash: parts.codeHash, version: parts.version, argsHash });
}
