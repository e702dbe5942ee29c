/**
 * What is already on the other side, each in ONE command over the system's transport: the
 * sha256 of many remote files (so uploads skip the files a system already holds), and the
 * outputs a calcjob's download globs match with their sha256 (so downloads skip what the
 * object store already holds). Both use GNU `sha256sum -z` (NUL-ended lines, names not
 * escaped).
 *
 * @module
 */
import { posix } from "node:path";
import { shellJoin, shellQuote } from "../scheduler/mod.ts";
import type { Transport } from "../transport/mod.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A file and its content hash. */
export interface HashedPath {
  /** The path (as given, or relative to the listed directory). */
  readonly path: string;
  /** Lowercase hex sha256 of its bytes. */
  readonly sha256: string;
}

/** A listing or hashing command that failed (the system answered with an error). */
export class RemoteHashError extends Error {
  /** The command's exit code. */
  readonly exitCode: number;
  /** Its standard error. */
  readonly stderr: string;

  /**
   * Creates an instance.
   *
   * @param message One line.
   * @param exitCode The exit code.
   * @param stderr Standard error.
   */
  constructor(message: string, exitCode: number, stderr: string) {
    super(message);
    this.name = "RemoteHashError";
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Parses `sha256sum -z` output: `<64 hex>  <path>\0` lines (binary mode `*` tolerated). */
function parseSums(out: Uint8Array): HashedPath[] {
  const found: HashedPath[] = [];
  for (const line of decoder.decode(out).split("\0")) {
    const m = /^([0-9a-f]{64}) [ *](.*)$/s.exec(line);
    if (m) found.push({ path: m[2], sha256: m[1] });
  }
  return found;
}

/**
 * The sha256 of files on a system, in one command (paths travel on standard input). A file
 * that does not exist or cannot be read is left out.
 *
 * @param transport How to reach the system.
 * @param paths Absolute paths.
 * @param options Abort signal.
 * @returns Path to sha256, for the files that exist.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LocalTransport } from "../transport/mod.ts";
 * import { remoteSha256s } from "./remote_hashes.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a b.txt`, "test");
 * await using t = new LocalTransport();
 * const sums = await remoteSha256s(t, [`${dir}/a b.txt`, `${dir}/missing`]);
 * assert.deepEqual([...sums], [[`${dir}/a b.txt`,
 *   "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function remoteSha256s(
  transport: Transport,
  paths: readonly string[],
  options: { readonly signal?: AbortSignal } = {},
): Promise<Map<string, string>> {
  const sums = new Map<string, string>();
  if (paths.length === 0) return sums;
  const r = await transport.exec("xargs -0 -r sha256sum -z -- 2>/dev/null; exit 0", {
    stdin: encoder.encode(paths.map((p) => `${p}\0`).join("")),
    signal: options.signal,
  });
  for (const { path, sha256 } of parseSums(r.stdout)) sums.set(path, sha256);
  return sums;
}

/**
 * Lists the regular files a calcjob's download globs match in its directory, with their
 * sha256, in one command (`bash` with `globstar` and `nullglob`; the job script itself is
 * never listed: it is stored already). Paths are normalised and each listed once.
 *
 * @param transport How to reach the system.
 * @param dir The calcjob's directory (absolute).
 * @param globs Download globs, checked at add time to hold no shell syntax but globbing.
 * @param options The job script's name to leave out (default `job.sh`), abort signal.
 * @returns The matched files, sorted by path.
 * @throws {RemoteHashError} When the directory cannot be entered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LocalTransport } from "../transport/mod.ts";
 * import { listOutputs } from "./remote_hashes.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/output`);
 * await Deno.writeTextFile(`${dir}/output/x.json`, "test");
 * await Deno.writeTextFile(`${dir}/job.sh`, "echo");
 * await using t = new LocalTransport();
 * const out = await listOutputs(t, dir, ["**\/*", "output/*.json"]);
 * assert.deepEqual(out, [{ path: "output/x.json",
 *   sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listOutputs(
  transport: Transport,
  dir: string,
  globs: readonly string[],
  options: { readonly script?: string; readonly signal?: AbortSignal } = {},
): Promise<HashedPath[]> {
  if (globs.length === 0) return [];
  const script = `cd -- ${shellQuote(dir)} || exit 1; for f in ${globs.join(" ")}; do ` +
    `[ -f "$f" ] && [ "$f" != ${shellQuote(options.script ?? "job.sh")} ] && ` +
    `printf '%s\\0' "$f"; done | xargs -0 -r sha256sum -z -- 2>/dev/null; exit 0`;
  const r = await transport.exec(
    shellJoin(["bash", "-O", "globstar", "-O", "nullglob", "-c", script]),
    { signal: options.signal },
  );
  if (r.code !== 0) {
    throw new RemoteHashError(
      `Cannot list the outputs in ${dir}: ${r.stderr.trim() || `exit ${r.code}`}`,
      r.code,
      r.stderr,
    );
  }
  const byPath = new Map<string, string>();
  for (const { path, sha256 } of parseSums(r.stdout)) byPath.set(posix.normalize(path), sha256);
  return [...byPath].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([path, sha256]) => ({
    path,
    sha256,
  }));
}
