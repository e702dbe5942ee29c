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
function parseSums(out: string): HashedPath[] {
  const found: HashedPath[] = [];
  for (const line of out.split("\0")) {
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
  for (const { path, sha256 } of parseSums(decoder.decode(r.stdout))) sums.set(path, sha256);
  return sums;
}

/** One calcjob directory to list: where, and its download globs. */
export interface OutputQuery {
  /** The calcjob's directory (absolute). */
  readonly dir: string;
  /** Download globs, checked at add time to hold no shell syntax but globbing. */
  readonly globs: readonly string[];
}

/** What {@linkcode listOutputsMany} found in one directory. */
export type OutputListing =
  | { readonly ok: true; readonly files: readonly HashedPath[] }
  | { readonly ok: false; readonly problem: string };

/**
 * Lists the regular files the download globs match in many calcjob directories, with their
 * sha256, in ONE command (`bash -s` with `globstar` and `nullglob`, the script on standard
 * input; the job script itself is never listed: it is stored already). Paths are normalised
 * and each listed once per directory.
 *
 * @param transport How to reach the system.
 * @param queries The directories and their globs.
 * @param options The job script's name to leave out (default `job.sh`), abort signal.
 * @returns One listing per query, in order (files sorted by path), or why not.
 * @throws {RemoteHashError} When the command itself fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LocalTransport } from "../transport/mod.ts";
 * import { listOutputsMany } from "./remote_hashes.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/out.txt`, "test");
 * await using t = new LocalTransport();
 * const [here, gone] = await listOutputsMany(t, [
 *   { dir, globs: ["*.txt"] },
 *   { dir: `${dir}/gone`, globs: ["*"] },
 * ]);
 * assert.deepEqual(here, { ok: true, files: [{ path: "out.txt",
 *   sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }] });
 * assert.equal(gone.ok, false);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listOutputsMany(
  transport: Transport,
  queries: readonly OutputQuery[],
  options: { readonly script?: string; readonly signal?: AbortSignal } = {},
): Promise<OutputListing[]> {
  const found = queries.map(() => new Map<string, string>());
  const problems = new Map<number, string>();
  const script = shellQuote(options.script ?? "job.sh");
  const parts = queries.flatMap((q, i) =>
    q.globs.length === 0 ? [] : [
      `if cd -- ${shellQuote(q.dir)} 2>/dev/null; then printf '#%s\\0' ${i}; ` +
      `for f in ${q.globs.join(" ")}; do [ -f "$f" ] && [ "$f" != ${script} ] && ` +
      `printf '%s\\0' "$f"; done | xargs -0 -r sha256sum -z -- 2>/dev/null; ` +
      `else printf '!%s\\0' ${i}; fi`,
    ]
  );
  if (parts.length > 0) {
    const r = await transport.exec(shellJoin(["bash", "-O", "globstar", "-O", "nullglob", "-s"]), {
      stdin: `${parts.join("\n")}\nexit 0\n`,
      signal: options.signal,
    });
    if (r.code !== 0) {
      throw new RemoteHashError(
        `Cannot list the outputs of ${queries.length} calcjobs: ${
          r.stderr.trim() || `exit ${r.code}`
        }`,
        r.code,
        r.stderr,
      );
    }
    let current = -1;
    for (const record of decoder.decode(r.stdout).split("\0")) {
      if (/^#\d+$/.test(record)) current = Number(record.slice(1));
      else if (/^!\d+$/.test(record)) {
        const i = Number(record.slice(1));
        problems.set(i, `cannot enter ${queries[i].dir}`);
      } else if (current >= 0) {
        for (const { path, sha256 } of parseSums(record)) {
          found[current].set(posix.normalize(path), sha256);
        }
      }
    }
  }
  return found.map((byPath, i): OutputListing => {
    const problem = problems.get(i);
    if (problem !== undefined) return { ok: false, problem };
    const files = [...byPath].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
      .map(([path, sha256]) => ({ path, sha256 }));
    return { ok: true, files };
  });
}

/**
 * Lists the regular files a calcjob's download globs match in its directory, with their
 * sha256, in one command: {@linkcode listOutputsMany} for one directory.
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
  const [one] = await listOutputsMany(transport, [{ dir, globs }], options);
  if (!one.ok) {
    throw new RemoteHashError(`Cannot list the outputs in ${dir}: ${one.problem}`, 1, "");
  }
  return [...one.files];
}
