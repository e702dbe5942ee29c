/**
 * The files a route stages next to every job (`inputFiles` in remote info): plain paths,
 * or paths whose last part has `*` / `?` wildcards, relative to the working directory.
 *
 * @module
 */
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";

/** One file to stage: where it is here, and its path inside the job directory. */
export interface InputFile {
  /** Absolute path on this machine. */
  readonly source: string;
  /** Relative path inside the job directory (the job's working directory). */
  readonly target: string;
}

/**
 * Expands `inputFiles` patterns into files. A pattern with no match, or a plain path
 * that is not a file, is an error: a job missing its inputs would fail later and further away.
 *
 * @param patterns Paths or last-part globs (`data/*.xyz`).
 * @param cwd What relative patterns are relative to.
 * @returns The files, each once, in pattern order.
 * @throws {TypeError} For a pattern that matches nothing or leaves the working directory.
 *
 * @example
 * ```ts
 * import { expandInputFiles } from "./input_files.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/data`);
 * await Deno.writeTextFile(`${dir}/data/a.xyz`, "1");
 * await Deno.writeTextFile(`${dir}/data/b.xyz`, "2");
 * await Deno.writeTextFile(`${dir}/params.json`, "{}");
 * const files = expandInputFiles(["params.json", "data/*.xyz"], dir);
 * assert.deepEqual(files.map((f) => f.target), ["params.json", "data/a.xyz", "data/b.xyz"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function expandInputFiles(patterns: readonly string[], cwd: string): InputFile[] {
  const out = new Map<string, InputFile>();
  for (const pattern of patterns) {
    const abs = resolve(cwd, pattern);
    const rel = relative(cwd, abs);
    if (rel.startsWith("..") || isAbsolute(rel)) {
      throw new TypeError(
        `Cannot stage input file ${JSON.stringify(pattern)}: it is outside ${cwd}`,
      );
    }
    const name = basename(abs);
    let matches: string[];
    if (/[*?]/.test(name)) {
      const re = new RegExp(
        `^${name.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".")}$`,
      );
      try {
        matches = [...Deno.readDirSync(dirname(abs))]
          .filter((e) => e.isFile && re.test(e.name))
          .map((e) => join(dirname(abs), e.name))
          .sort();
      } catch {
        matches = [];
      }
    } else {
      matches = isFile(abs) ? [abs] : [];
    }
    if (matches.length === 0) {
      throw new TypeError(
        `Cannot stage input file ${JSON.stringify(pattern)}: no file matches it in ${cwd}`,
      );
    }
    for (const source of matches) out.set(source, { source, target: relative(cwd, source) });
  }
  return [...out.values()];
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
