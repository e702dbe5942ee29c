/**
 * Code identities of the steps a job's bundle defines (folder private): nested calls in a
 * job find them in the element's store and never need the TypeScript parser.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { sha256Hex } from "../codec/mod.ts";
import { listSteps } from "../step/mod.ts";
import type { Store } from "../store/mod.ts";

const encoder = new TextEncoder();

/**
 * Records, for each step defined in the main module, a code identity valid while the main
 * module's bytes are unchanged, so that nested calls never need the TypeScript parser.
 */
export function seedBundleIdentities(store: Store): void {
  if (!Deno.mainModule.startsWith("file:")) return;
  const main = realPath(fileURLToPath(Deno.mainModule));
  const defined = listSteps().filter((s) => s.site && realPath(s.site.file) === main)
    .map((s) => [s.name, s] as const);
  if (defined.length === 0) return;
  const bundle = sha256Hex(Deno.readFileSync(main));
  store.transaction(() => {
    for (const [name, s] of defined) {
      const file = s.site!.file;
      const source = String(s.fn).replace(/\s+/g, " ").trim();
      const parts = { bundle, "step:source": sha256Hex(encoder.encode(source)) };
      const hash = sha256Hex(encoder.encode(JSON.stringify(parts)));
      const cached = store.code.getCache(name, file);
      if (cached?.codeHash === hash && cached.files[file] === bundle) continue;
      store.code.put({ hash, step: name, parts });
      store.code.putCache(name, file, { codeHash: hash, files: { [file]: bundle } });
    }
  });
}

function realPath(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}
