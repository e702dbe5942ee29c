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
 * file) is unchanged (same size and mtime, else same content); else undefined.
 */
export async function recallGraph(
  cacheDir: string,
  salt: GraphSalt,
): Promise<GraphKey | undefined> {
  let memo: { key?: unknown; files?: unknown; config?: unknown; at?: unknown };
  try {
    memo = JSON.parse(await Deno.readTextFile(graphMemoPath(cacheDir, salt)));
  } catch {
    return undefined;
  }
  if (
    typeof memo.key !== "string" || !Array.isArray(memo.files) || !Array.isArray(memo.config) ||
    typeof memo.at !== "number"
  ) {
    return undefined;
  }
  const at = memo.at;
  const rows = [...memo.files, ...memo.config] as FileStamp[];
  const same = await Promise.all(rows.map((row) => sameFile(row, at)));
  if (same.some((ok) => !ok)) return undefined;
  return { key: memo.key, files: new Map(memo.files.map((r: FileStamp) => [r[0], r[1]!])) };
}

/** A file as remembered: path, content hash (null: absent), size and mtime (ms). */
type FileStamp = [string, string | null, number, number];

/**
 * Whether a file is as remembered: same size and mtime, the mtime well before the memo was
 * written (an edit in the same millisecond could keep both), else the same content.
 */
async function sameFile([path, hash, size, mtime]: FileStamp, at: number): Promise<boolean> {
  let stat: Deno.FileInfo | undefined;
  try {
    stat = await Deno.stat(path);
  } catch {
    return hash === null;
  }
  if (hash === null) return false;
  const m = stat.mtime?.getTime();
  if (stat.size === size && m === mtime && m !== undefined && m < at - 2000) return true;
  return (await hashFile(path)) === hash;
}

/**
 * A file's stamp now; one that changes while it is read (or whose content is not
 * `expected`) gets a stamp that never matches.
 */
async function stampOf(path: string, expected?: string): Promise<FileStamp> {
  try {
    const before = await Deno.stat(path);
    const hash = await hashFile(path);
    const after = await Deno.stat(path);
    const m = after.mtime?.getTime() ?? 0;
    if (
      hash === undefined || before.size !== after.size || before.mtime?.getTime() !== m ||
      (expected !== undefined && hash !== expected)
    ) {
      return [path, "changed", -1, -1];
    }
    return [path, hash, after.size, m];
  } catch {
    return [path, null, 0, 0];
  }
}

/** Remembers the graph of a bundle made from `salt` (best effort). */
export async function rememberGraph(
  cacheDir: string,
  salt: GraphSalt,
  graph: GraphKey,
): Promise<void> {
  const at = Date.now();
  const files = await Promise.all([...graph.files].map(([path, hash]) => stampOf(path, hash)));
  const config = await Promise.all(configFiles(salt).map((path) => stampOf(path)));
  const text = JSON.stringify({ key: graph.key, at, files, config });
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
