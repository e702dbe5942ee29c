/**
 * Driver-only packages left out of job bundles (folder private). drover's own modules
 * import `yaml` (systems config, jobs files, queue rows) and `nunjucks` (calcjob
 * templates) for work done by the driver only; in a bundle they were 0.45 MB of the 1.40 MB
 * and about 40 ms of every element start. The bundle is built with a config derived from the
 * project's: the same import map plus a scope that maps these packages, for drover's `lib/`
 * only, to a stub whose exports throw when used. A project's own imports of them are not
 * touched. When the project's config cannot be derived safely (JSONC, a separate import
 * map, a `node_modules` directory or package.json, a workspace), the bundle is built with
 * the config as it is and keeps them.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The specifiers drover's `lib/` imports driver-only packages by, and what it imports. */
export const DRIVER_ONLY: Readonly<Record<string, readonly string[]>> = {
  "npm:yaml@^2.8.0": ["isMap", "isSeq", "LineCounter", "parse", "parseDocument", "stringify"],
  "npm:nunjucks@^3.2.4": ["default"],
};

const STUB_FILE = "driver_only_stub.js";

/** The stub module: every name a function or class that throws when used. */
export function stubSource(): string {
  const names = new Set(Object.values(DRIVER_ONLY).flat().filter((n) => n !== "default"));
  const lines = [
    "// Driver-only packages are left out of drover job bundles (lib/runtime/_bundle_stubs.ts).",
    "function absent() {",
    '  throw new Error("Cannot use yaml or nunjucks through drover in a job: they are left out of job bundles (driver only)");',
    "}",
    "const stub = new Proxy(absent, {",
    '  get: (_, key) => key === "then" ? undefined : absent,',
    "  construct: absent,",
    "  apply: absent,",
    "});",
    ...[...names].sort().map((n) => `export const ${n} = stub;`),
    "export default stub;",
    "",
  ];
  return lines.join("\n");
}

/** Top-level keys of a deno.json that a derived config copies or can do without. */
const SAFE_KEYS = new Set([
  "imports",
  "scopes",
  "compilerOptions",
  "lock",
  "tasks",
  "fmt",
  "lint",
  "test",
  "bench",
  "name",
  "version",
  "exports",
  "exclude",
  "include",
  "publish",
  "unstable",
  "links",
  "allowScripts",
]);

/**
 * Writes, in `dir`, the stub, a config for `deno bundle` (the project's import map with
 * absolute targets, plus the stub scope for drover's `lib/`) and a copy of the project's
 * lock file; returns the config's path, or undefined when the project's config cannot be
 * derived safely (bundle with it as it is).
 *
 * @param config The project's config file, or undefined for none.
 * @param dir An empty temporary directory.
 * @param lib drover's `lib/` folder as a file URL ending in `/`.
 */
export async function writeBundleConfig(
  config: string | undefined,
  dir: string,
  lib: string,
): Promise<string | undefined> {
  let project: Record<string, unknown> = {};
  let hasLock = false;
  if (config !== undefined) {
    try {
      project = JSON.parse(await Deno.readTextFile(config));
    } catch {
      return undefined; // JSONC or unreadable: deno reads it itself
    }
    if (typeof project !== "object" || project === null || Array.isArray(project)) return undefined;
    if (Object.keys(project).some((k) => !SAFE_KEYS.has(k))) return undefined;
    if (project.lock !== undefined && typeof project.lock !== "boolean") return undefined;
    if (await exists(join(dirname(config), "package.json"))) return undefined;
    hasLock = project.lock !== false && await exists(join(dirname(config), "deno.lock"));
  }
  const base = config === undefined ? undefined : pathToFileURL(config);
  const absolute = (s: string): string => base && /^\.{0,2}\//.test(s) ? new URL(s, base).href : s;
  const map = (m: unknown): Record<string, string> | undefined => {
    if (m === undefined) return {};
    if (typeof m !== "object" || m === null) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== "string") return undefined;
      out[absolute(k)] = absolute(v);
    }
    return out;
  };
  const imports = map(project.imports);
  if (!imports) return undefined;
  const scopes: Record<string, Record<string, string>> = {};
  if (project.scopes !== undefined) {
    if (typeof project.scopes !== "object" || project.scopes === null) return undefined;
    for (const [k, v] of Object.entries(project.scopes)) {
      const m = map(v);
      if (!m) return undefined;
      scopes[absolute(k)] = m;
    }
  }
  const stub = pathToFileURL(join(dir, STUB_FILE)).href;
  scopes[lib] = {
    ...scopes[lib],
    ...Object.fromEntries(Object.keys(DRIVER_ONLY).map((s) => [s, stub])),
  };
  const derived: Record<string, unknown> = { imports, scopes, lock: hasLock };
  if (project.links !== undefined) {
    // Linked packages (`drover init` links a local drover): their folders, made absolute.
    if (!Array.isArray(project.links) || project.links.some((l) => typeof l !== "string")) {
      return undefined;
    }
    derived.links = (project.links as string[]).map((l) => resolve(dirname(config!), l));
  }
  if (project.compilerOptions !== undefined) derived.compilerOptions = project.compilerOptions;
  if (project.unstable !== undefined) derived.unstable = project.unstable;
  await Deno.writeTextFile(join(dir, STUB_FILE), stubSource());
  if (hasLock) await Deno.copyFile(join(dirname(config!), "deno.lock"), join(dir, "deno.lock"));
  const path = join(dir, "deno.json");
  await Deno.writeTextFile(path, JSON.stringify(derived, null, 2));
  return path;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
