/**
 * What a call's inputs come to before it runs: validated, keyed.
 *
 * @module
 */
import type { StepDefinition } from "./definition.ts";
import type { StepIdentity } from "./identity_cache.ts";
import { callKey, inputsHash } from "./key.ts";
import type { CallKeyInfo } from "./session_options.ts";

// deno-lint-ignore no-explicit-any
const IGNORED = new WeakMap<StepDefinition<any, any>, ReadonlySet<string>>();

/** The argument names a step leaves out of its keys. */
export function ignoredOf<I, O>(def: StepDefinition<I, O>): ReadonlySet<string> {
  let set = IGNORED.get(def);
  if (!set) IGNORED.set(def, set = new Set(def.options.ignore ?? []));
  return set;
}

/** The key of a call and its parts. */
export function keyInfo<I, O>(
  def: StepDefinition<I, O>,
  inputs: I,
  identity: StepIdentity,
): CallKeyInfo {
  const parts = {
    step: def.name,
    codeHash: identity.hash,
    version: def.options.version ?? "",
    argsHash: inputsHash(inputs as Record<string, unknown>, ignoredOf(def)),
  };
  return { ...parts, key: callKey(parts), codeParts: identity.parts };
}

/** Checks a call's inputs (an object; the step's schema when it has one). */
export function validate<I, O>(def: StepDefinition<I, O>, inputs: I): I {
  if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) {
    throw new TypeError(
      `Cannot call step "${def.name}": inputs must be an object of named arguments (got ${
        Array.isArray(inputs) ? "an array" : inputs === null ? "null" : typeof inputs
      })`,
    );
  }
  const schema = def.options.input;
  if (!schema) return inputs;
  const parsed = schema.safeParse(inputs);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = ["inputs", ...(issue?.path ?? []).map(String)].join(".");
  throw new TypeError(`Cannot call step "${def.name}": ${path}: ${issue?.message ?? "invalid"}`);
}

/** The environment, or nothing without permission. */
export function readEnv(): Readonly<Record<string, string>> {
  try {
    return Deno.env.toObject();
  } catch {
    return {};
  }
}
