/**
 * The bundle cache (folder private): a bundle is kept under the hash of everything it is
 * made from (the module graph `deno info` lists, each local file by its content, the
 * config, Deno's version); the graph itself is remembered too, so a later process whose
 * local files hash the same skips `deno info` (about 0.1–0.2 s) and reads the bundle.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sha256Hex } from "../codec/mod.ts";

/** A bundle: the bytes of the JavaScript file and their sha256 hex. */
export interface CachedBundle {
  readonly bytes: Uint8Array;
  readonly hash: string;
}

/** The cache key of a bundle and the local files it was made from. */
export interface GraphKey {
  readonly key: string;
  /** Local files read -> sha256 hex of their content. */
  readonly files: ReadonlyMap<string, string>;
}

/** Runs deno with these arguments in a directory. */
export type RunDeno = (
  args: readonly string[],
  cwd: string,
) => Promise<{ code: number; stdout: string; stderr: string }>;

interface InfoModule {
  readonly specifier: string;
  readonly kind?: string;
  readonly local?: string;
  readonly npmPackage?: string;
  readonly error?: string;
}

/** What a bundle is made from besides its graph (entry text, flags, format). */
export interface GraphSalt {
  readonly format: string;
  readonly externals: readonly string[];
  readonly entry: string;
  readonly configFlag: string;
  readonly config: string | undefined;
}

/**
 * The cache key of a bundle from `deno info`, or undefined when the graph cannot be listed
 * (then: no cache).
 */
export async function graphKey(
  runDeno: RunDeno,
  dir: string,
  salt: GraphSalt,
): Promise<GraphKey | undefined> {
  const out = await runDeno(["info", "--json", salt.configFlag, "entry.ts"], dir);
  if (out.code !== 0) return undefined;
  let info: { modules?: InfoModule[]; redirects?: unknown; npmPackages?: object };
  try {
    info = JSON.parse(out.stdout);
  } catch {
    return undefined;
  }
  const files = new Map<string, string>();
  const modules: string[] = [];
  const entryUrl = pathToFileURL(join(dir, "entry.ts")).href;
  for (const m of info.modules ?? []) {
    if (m.error !== undefined) return undefined;
    if (m.specifier === entryUrl) continue; // a temporary file; its text is in the key
    if (m.specifier.startsWith("file:") || m.local !== undefined) {
      const path = m.specifier.startsWith("file:") ? fileURLToPath(m.specifier) : m.local!;
      const hash = await hashFile(path);
      if (hash === undefined) return undefined;
      files.set(path, hash);
      modules.push(`${m.specifier} ${hash}`);
    } else {
      modules.push(`${m.specifier} ${m.npmPackage ?? m.kind ?? ""}`);
    }
  }
  const configText = salt.config === undefined
    ? null
    : await Deno.readTextFile(salt.config).catch(() => null);
  const key = sha256Hex(new TextEncoder().encode(JSON.stringify({
    format: salt.format,
    deno: Deno.version.deno,
    externals: salt.externals,
    entry: salt.entry,
    config: configText,
    modules: modules.sort(),
    redirects: info.redirects ?? null,
    npm: Object.keys(info.npmPackages ?? {}).sort(),
  })));
  return { key, files };
}

/** Where the graph of a bundle made from `salt` is remembered. */
export function graphMemoPath(cacheDir: string, salt: GraphSalt): string {
  const id = sha256Hex(new TextEncoder().encode(JSON.stringify({
    ...salt,
    deno: Deno.version.deno,
  })));
  return join(cacheDir, "graphs", `${id}.json`);
}

/** The files besides the graph's whose change may change the graph: config and lock. */
function configFiles(salt: GraphSalt): string[] {
  return salt.config === undefined ? [] : [salt.config, join(dirname(salt.config), "deno.lock")];
}

/**
 * The graph remembered for `salt`, when every local file of it (and the config and lock
 * file) still has the same content; else undefined.
 */
export async function recallGraph(
  cacheDir: string,
  salt: GraphSalt,
): Promise<GraphKey | undefined> {
  let memo: { key?: unknown; files?: unknown; config?: unknown };
  try {
    memo = JSON.parse(await Deno.readTextFile(graphMemoPath(cacheDir, salt)));
  } catch {
    return undefined;
  }
  if (typeof memo.key !== "string" || !Array.isArray(memo.files) || !Array.isArray(memo.config)) {
    return undefined;
  }
  const files = new Map<string, string>(memo.files as [string, string][]);
  const config = new Map<string, string | null>(memo.config as [string, string | null][]);
  const all = [...files, ...config];
  const now = await Promise.all(all.map(([path]) => hashFile(path)));
  if (all.some(([, hash], i) => (now[i] ?? null) !== hash)) return undefined;
  return { key: memo.key, files };
}

/** Remembers the graph of a bundle made from `salt` (best effort). */
export async function rememberGraph(
  cacheDir: string,
  salt: GraphSalt,
  graph: GraphKey,
): Promise<void> {
  const config = await Promise.all(
    configFiles(salt).map(async (path) => [path, (await hashFile(path)) ?? null]),
  );
  const text = JSON.stringify({ key: graph.key, files: [...graph.files], config });
  await writeAtomically(graphMemoPath(cacheDir, salt), new TextEncoder().encode(text))
    .catch(() => {});
}

/** sha256 hex of a file's content, or undefined when it cannot be read. */
export async function hashFile(path: string): Promise<string | undefined> {
  try {
    return sha256Hex(await Deno.readFile(path));
  } catch {
    return undefined;
  }
}

/** Whether no local file changed while bundling (else the bundle is not cached). */
export async function unchanged(files: ReadonlyMap<string, string>): Promise<boolean> {
  const paths = [...files.keys()];
  const now = await Promise.all(paths.map(hashFile));
  return paths.every((p, i) => now[i] === files.get(p));
}

/** A cached bundle, or undefined. */
export async function readCached(path: string): Promise<CachedBundle | undefined> {
  try {
    const bytes = await Deno.readFile(path);
    return { bytes, hash: sha256Hex(bytes) };
  } catch {
    return undefined;
  }
}

/** Writes a file through a temporary file and a rename. */
export async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
