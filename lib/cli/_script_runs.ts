/**
 * Private to lib/cli: finding the newest run of a script and the routed step calls it
 * recorded, for `drover routes explain --script FILE`.
 *
 * @module
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Store } from "../store/mod.ts";

/** A run of a script, as far as `routes explain` needs it. */
export interface ScriptRun {
  /** The run's id. */
  readonly id: number;
  /** Its main module as recorded (a URL). */
  readonly script: string;
  /** When it started, ms since the epoch. */
  readonly startedAt: number;
}

/**
 * The paths (or URL) a script given on the command line may have been recorded under:
 * its absolute path and, when it exists, its real path.
 *
 * @param file A path relative to `cwd`, an absolute path, or a URL.
 * @param cwd The working directory.
 * @returns The candidates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(scriptCandidates("flows/a.ts", "/nowhere"), ["/nowhere/flows/a.ts"]);
 * assert.deepEqual(scriptCandidates("https://x.org/a.ts", "/p"), ["https://x.org/a.ts"]);
 * ```
 */
export function scriptCandidates(file: string, cwd: string): string[] {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file) && !file.startsWith("file:")) return [file];
  const path = file.startsWith("file:") ? fileURLToPath(file) : resolve(cwd, file);
  const out = [path];
  try {
    const real = Deno.realPathSync(path);
    if (real !== path) out.push(real);
  } catch {
    // A script that no longer exists can still have runs.
  }
  return out;
}

/**
 * The newest run whose main module is the given script.
 *
 * @param store The store.
 * @param file The script: a path (relative to `cwd`) or a URL.
 * @param cwd The working directory.
 * @returns The run, or undefined when the script never ran with this store.
 */
export function newestRunOf(store: Store, file: string, cwd: string): ScriptRun | undefined {
  const wanted = new Set(scriptCandidates(file, cwd));
  const rows = store.db.prepare(
    "SELECT id, script, started_at FROM runs ORDER BY started_at DESC, id DESC",
  ).all();
  for (const row of rows) {
    const script = String(row.script);
    if (wanted.has(script) || wanted.has(asPath(script))) {
      return { id: Number(row.id), script, startedAt: Number(row.started_at) };
    }
  }
  return undefined;
}

/**
 * The path of a recorded main module when it is a `file:` URL, else the URL itself.
 *
 * @param script The recorded main module.
 * @returns The path or URL.
 */
export function asPath(script: string): string {
  if (!script.startsWith("file:")) return script;
  try {
    return fileURLToPath(script);
  } catch {
    return script;
  }
}
