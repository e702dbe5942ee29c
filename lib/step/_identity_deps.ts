/**
 * Private to lib/step: the project's deno.json (root, import map) and
 * deno.lock, and what an import specifier stands for: a local file or a
 * dependency with a resolved version.
 *
 * @module
 */

import { builtinModules } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TypeScript } from "./_identity_source.ts";

/** Reads a text file, or gives `undefined` when it cannot be read. */
export type TryRead = (path: string) => Promise<string | undefined>;

/** The nearest deno.json(c) of a directory, with its import map and lock. */
export interface ProjectConfig {
  /** Directory holding the config: the project root. */
  readonly dir: string;
  /** Import map entries; the config's own first, then its workspace root's. */
  readonly imports: readonly Readonly<Record<string, string>>[];
  /** Lock specifiers ("npm:zod@^3.25.0" -> "3.25.76") and remote URL hashes. */
  readonly lock: Lock;
}

/** The parts of deno.lock used here. */
export interface Lock {
  readonly specifiers: Readonly<Record<string, string>>;
  readonly remote: Readonly<Record<string, string>>;
  /** Linked local packages (`"links"` in deno.json): "jsr:@scope/name" -> "1.2.3". */
  readonly links?: Readonly<Record<string, string>>;
}

const CONFIG_NAMES = ["deno.json", "deno.jsonc"];
const EMPTY_LOCK: Lock = { specifiers: {}, remote: {} };

/**
 * The local file a specifier names (relative, absolute or `file:`), if any.
 *
 * @param specifier Import specifier as written.
 * @param fromFile Absolute path of the importing file.
 * @returns Absolute path, or `undefined` for bare and remote specifiers.
 */
export function localPath(specifier: string, fromFile: string): string | undefined {
  if (specifier.startsWith("file:")) {
    try {
      return fileURLToPath(new URL(specifier));
    } catch {
      return undefined;
    }
  }
  if (specifier.startsWith("./") || specifier.startsWith("../") || isAbsolute(specifier)) {
    return resolve(dirname(fromFile), specifier);
  }
  return undefined;
}

/**
 * Finds the nearest deno.json or deno.jsonc walking up from a directory.
 *
 * @param ts The TypeScript module (its JSONC parser is used).
 * @param startDir Directory to start in.
 * @param read Reads a file or gives `undefined`.
 * @returns The config, or `undefined` when there is none up to the root.
 */
export async function findProjectConfig(
  ts: TypeScript,
  startDir: string,
  read: TryRead,
): Promise<ProjectConfig | undefined> {
  const found = await findConfigFile(ts, startDir, read);
  if (found === undefined) return undefined;
  const imports = [await importMapOf(found.dir, found.json, read)];
  const lockSetting = found.json.lock;
  if (lockSetting === false) return { dir: found.dir, imports, lock: EMPTY_LOCK };
  const lockPath = typeof lockSetting === "string"
    ? resolve(found.dir, lockSetting)
    : isRecord(lockSetting) && typeof lockSetting.path === "string"
    ? resolve(found.dir, lockSetting.path)
    : undefined;
  if (lockPath !== undefined) {
    return { dir: found.dir, imports, lock: parseLock(await read(lockPath)) };
  }
  // deno.lock sits next to the config, or next to the workspace root's config.
  for (let dir = found.dir;; dir = dirname(dir)) {
    const text = await read(join(dir, "deno.lock"));
    if (text !== undefined) {
      if (dir !== found.dir) {
        const root = await readConfigIn(ts, dir, read);
        if (root !== undefined) imports.push(await importMapOf(dir, root.json, read));
      }
      return { dir: found.dir, imports, lock: parseLock(text) };
    }
    if (dirname(dir) === dir) return { dir: found.dir, imports, lock: EMPTY_LOCK };
  }
}

/**
 * What a non-local specifier resolves to: "builtin" for Node and Deno
 * built-ins, "local-library" for a bare name mapped to a local path, the
 * version from deno.lock for npm: and jsr: packages, the lock hash for remote
 * URLs, else the (mapped) specifier text.
 *
 * @param specifier Import specifier as written.
 * @param config Config of the importing file, if any.
 * @returns The dependency's version text.
 */
export function dependencyVersion(specifier: string, config: ProjectConfig | undefined): string {
  if (isBuiltin(specifier)) return "builtin";
  let target = specifier;
  const mapped = config === undefined ? undefined : mapSpecifier(specifier, config.imports);
  if (mapped !== undefined) {
    if (isLocalTarget(mapped)) return "local-library";
    target = mapped;
  } else if (builtinModules.includes(specifier)) {
    return "builtin";
  }
  if (isBuiltin(target)) return "builtin";
  const lock = config?.lock ?? EMPTY_LOCK;
  if (/^(npm|jsr):/.test(target)) {
    return lockedVersion(target, lock) ?? target;
  }
  if (target.startsWith("http:") || target.startsWith("https:")) {
    return lock.remote[target] ?? target;
  }
  return target;
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || specifier.startsWith("ext:");
}

function isLocalTarget(target: string): boolean {
  return target.startsWith("./") || target.startsWith("../") || isAbsolute(target) ||
    target.startsWith("file:");
}

function mapSpecifier(
  specifier: string,
  maps: readonly Readonly<Record<string, string>>[],
): string | undefined {
  for (const imports of maps) {
    const exact = imports[specifier];
    if (typeof exact === "string") return exact;
    let best: string | undefined;
    for (const [key, value] of Object.entries(imports)) {
      if (typeof value !== "string") continue;
      // "pkg/": "npm:pkg@1/" maps subpaths; Deno also maps "pkg/sub" through "pkg": "npm:pkg@1".
      const prefix = key.endsWith("/") ? key : /^(npm|jsr):/.test(value) ? `${key}/` : undefined;
      if (prefix === undefined || !specifier.startsWith(prefix)) continue;
      if (best === undefined || key.length > best.length) best = key;
    }
    if (best !== undefined) {
      const value = imports[best];
      const base = best.endsWith("/") ? value : `${value}/`;
      return base + specifier.slice(best.endsWith("/") ? best.length : best.length + 1);
    }
  }
  return undefined;
}

function lockedVersion(target: string, lock: Lock): string | undefined {
  const match = /^(npm:|jsr:)(@[^/@]+\/[^/@]+|[^/@]+)(?:@([^/]*))?/.exec(target);
  if (match === null) return undefined;
  const [, scheme, name, range] = match;
  const keys = range !== undefined && range !== ""
    ? [`${scheme}${name}@${range}`]
    : [`${scheme}${name}`, `${scheme}${name}@*`];
  const linked = lock.links?.[`${scheme}${name}`];
  if (linked !== undefined) return linked;
  for (const key of keys) {
    const version = lock.specifiers[key];
    if (typeof version === "string") {
      // Lock v3 wrote "npm:zod@3.25.76"; v4 and later write "3.25.76".
      return version.startsWith(`${scheme}${name}@`)
        ? version.slice(`${scheme}${name}@`.length)
        : version;
    }
  }
  return undefined;
}

function parseLock(text: string | undefined): Lock {
  if (text === undefined) return EMPTY_LOCK;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return EMPTY_LOCK;
  }
  if (!isRecord(json)) return EMPTY_LOCK;
  const packages = isRecord(json.packages) ? json.packages : {};
  const specifiers = isRecord(json.specifiers)
    ? json.specifiers
    : isRecord(packages.specifiers)
    ? packages.specifiers
    : {};
  const links: Record<string, string> = {};
  const workspace = isRecord(json.workspace) ? json.workspace : {};
  for (const id of Object.keys(isRecord(workspace.links) ? workspace.links : {})) {
    // "jsr:@drover/drover@0.1.0": the package a "links" entry of deno.json stands for.
    const match = /^((?:npm|jsr):(?:@[^/@]+\/)?[^/@]+)@([^/]+)$/.exec(id);
    if (match) links[match[1]] = match[2];
  }
  return {
    specifiers: stringEntries(specifiers),
    remote: isRecord(json.remote) ? stringEntries(json.remote) : {},
    links,
  };
}

async function findConfigFile(
  ts: TypeScript,
  startDir: string,
  read: TryRead,
): Promise<{ dir: string; json: Record<string, unknown> } | undefined> {
  for (let dir = startDir;; dir = dirname(dir)) {
    const config = await readConfigIn(ts, dir, read);
    if (config !== undefined) return config;
    if (dirname(dir) === dir) return undefined;
  }
}

async function readConfigIn(
  ts: TypeScript,
  dir: string,
  read: TryRead,
): Promise<{ dir: string; json: Record<string, unknown> } | undefined> {
  for (const name of CONFIG_NAMES) {
    const path = join(dir, name);
    const text = await read(path);
    if (text === undefined) continue;
    const { config } = ts.parseConfigFileTextToJson(path, text);
    return { dir, json: isRecord(config) ? config : {} };
  }
  return undefined;
}

async function importMapOf(
  dir: string,
  json: Record<string, unknown>,
  read: TryRead,
): Promise<Readonly<Record<string, string>>> {
  if (isRecord(json.imports)) return resolveLocalTargets(dir, stringEntries(json.imports));
  if (typeof json.importMap !== "string") return {};
  const path = resolve(dir, json.importMap);
  const text = await read(path);
  if (text === undefined) return {};
  try {
    const map: unknown = JSON.parse(text);
    return isRecord(map) && isRecord(map.imports)
      ? resolveLocalTargets(dirname(path), stringEntries(map.imports))
      : {};
  } catch {
    return {};
  }
}

/** Makes relative targets absolute, so that maps read from other directories still work. */
function resolveLocalTargets(
  dir: string,
  imports: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(imports)) {
    const local = value.startsWith("./") || value.startsWith("../");
    out[key] = local ? resolve(dir, value) + (value.endsWith("/") ? "/" : "") : value;
  }
  return out;
}

function stringEntries(record: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === "string") out[key] = value;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
