/**
 * {@linkcode resolveJobRefs}: in a job, the result refs among a call's inputs are read from
 * the system's own object directory (`R/objects/`), where the runs that made them left them:
 * results that stay on a system never pass through the driver.
 *
 * @module
 */
import { decode, sha256Hex } from "../codec/mod.ts";
import { objectPath } from "../runtime/mod.ts";
import { hasRefs, resolveRefs, type ResultRef } from "../step/mod.ts";

/**
 * Replaces the result refs inside a call's decoded inputs by their values, read from
 * `R/objects/<h[0:2]>/<h>` (each once, checked against its hash).
 *
 * @param inputs The decoded inputs.
 * @param runDir The system's run directory `R`, absolute.
 * @returns The inputs with refs replaced (the same object when there are none).
 * @throws {Error} when a result object is missing or does not match its hash.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encode, sha256Hex } from "../codec/mod.ts";
 * import { ResultRef } from "../step/mod.ts";
 * import { resolveJobRefs } from "./resolve_refs.ts";
 * const dir = await Deno.makeTempDir();
 * const bytes = encode([1, 2, 3]);
 * const hash = sha256Hex(bytes);
 * await Deno.mkdir(`${dir}/objects/${hash.slice(0, 2)}`, { recursive: true });
 * await Deno.writeFile(`${dir}/objects/${hash.slice(0, 2)}/${hash}`, bytes);
 * const ref = new ResultRef({ key: "k", step: "s", system: "c", hash, size: bytes.length });
 * assert.deepEqual(await resolveJobRefs({ v: { r: ref } }, dir), { v: { r: [1, 2, 3] } });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function resolveJobRefs<T>(inputs: T, runDir: string): Promise<T> {
  if (!hasRefs(inputs)) return inputs;
  return await resolveRefs(inputs, {
    decode,
    fetch: async (ref: ResultRef) => {
      const path = objectPath(runDir, ref.hash);
      const bytes = await Deno.readFile(path).catch(() => undefined);
      if (bytes && sha256Hex(bytes) !== ref.hash) {
        throw new Error(`the result object "${path}" does not match its hash`);
      }
      return bytes;
    },
  });
}
