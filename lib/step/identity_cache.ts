/**
 * Code identities as the runtime uses them: computed once per step (see
 * {@linkcode computeCodeIdentity}) and cached in the store for as long as every file the
 * identity was computed from keeps its content hash, so a rerun of an unchanged workflow
 * does not parse anything.
 *
 * @module
 */
import { sha256Hex } from "../codec/mod.ts";
import type { Store } from "../store/mod.ts";
import { CodeIdentityError, computeCodeIdentity } from "./code_identity.ts";
import { TypeScriptUnavailableError } from "./_identity_source.ts";
import type { StepDefinition } from "./definition.ts";
import type { EventSink } from "./events.ts";

/** A code identity as the session uses it. */
export interface StepIdentity {
  /** Identity hash. */
  readonly hash: string;
  /** Part name -> hash. */
  readonly parts: Readonly<Record<string, string>>;
}

/**
 * The code identity of a step: from the store's cache when its files are unchanged, else
 * computed and cached. When the step's source cannot be analysed (a computed name, a step
 * made by a factory function) the identity falls back to the function's own source text,
 * and a `code-identity-fallback` event says why.
 *
 * @param store The project store.
 * @param def The step.
 * @param emit Event sink.
 * @returns The identity.
 *
 * @example
 * ```ts
 * import { openStore } from "../store/mod.ts";
 * import { resolveIdentity } from "./identity_cache.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const def = { name: "anon", fn: () => 1, options: {}, site: undefined };
 * const id = await resolveIdentity(store, def, () => {});
 * assert.deepEqual(Object.keys(id.parts), ["step:source"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function resolveIdentity(
  store: Store,
  // deno-lint-ignore no-explicit-any
  def: StepDefinition<any, any>,
  emit: EventSink,
): Promise<StepIdentity> {
  const started = performance.now();
  const found = (hash: string, parts: StepIdentity["parts"], cached: boolean): StepIdentity => {
    const durationMs = performance.now() - started;
    emit({ type: "code-identity", step: def.name, hash, cached, durationMs });
    return { hash, parts };
  };
  const site = def.site;
  if (!site) {
    emit({
      type: "code-identity-fallback",
      step: def.name,
      reason: "the place where the step was defined is unknown",
    });
    return sourceIdentity(store, def);
  }
  const cached = store.code.getCache(def.name, site.file);
  if (cached && filesUnchanged(cached.files)) {
    const code = store.code.get(cached.codeHash);
    if (code) return found(code.hash, code.parts, true);
  }
  try {
    const id = await computeCodeIdentity(def.name, site);
    store.transaction(() => {
      store.code.put({ hash: id.hash, step: def.name, parts: id.parts });
      store.code.putCache(def.name, site.file, { codeHash: id.hash, files: id.files });
    });
    return found(id.hash, id.parts, false);
  } catch (e) {
    if (!(e instanceof CodeIdentityError) && !(e instanceof TypeScriptUnavailableError)) throw e;
    emit({ type: "code-identity-fallback", step: def.name, reason: e.message });
    return sourceIdentity(store, def);
  }
}

// deno-lint-ignore no-explicit-any
function sourceIdentity(store: Store, def: StepDefinition<any, any>): StepIdentity {
  const enc = new TextEncoder();
  const source = String(def.fn).replace(/\s+/g, " ").trim();
  const parts = { "step:source": sha256Hex(enc.encode(source)) };
  const hash = sha256Hex(enc.encode(JSON.stringify(parts)));
  store.code.put({ hash, step: def.name, parts });
  return { hash, parts };
}

function filesUnchanged(files: Readonly<Record<string, string>>): boolean {
  for (const [path, hash] of Object.entries(files)) {
    try {
      if (sha256Hex(Deno.readFileSync(path)) !== hash) return false;
    } catch {
      return false;
    }
  }
  return true;
}
