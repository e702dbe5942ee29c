/**
 * The files a route stages next to every job (`inputFiles` in remote info): plain paths of
 * files or directories, or paths whose last part has `*` / `?` wildcards, relative to the
 * working directory. A directory is staged with everything in it, keeping its layout
 * (ExPyRe's `input_files: ["POTCARs"]`).
 *
 * @module
 */
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";

/** One file to stage: where it is here, its path inside the job directory, its mode. */
export interface InputFile {
  /** Absolute path on this machine. */
  readonly source: string;
  /** Relative path inside the job directory (the job's working directory), with `/`. */
  readonly target: string;
  /** Permission bits of the file here (`0o755` for a script); undefined where unknown. */
  readonly mode?: number;
}

/**
 * Expands `inputFiles` patterns into files. A directory (named, or matched by a glob) stands
 * for every file under it, recursively, each at the same relative path in the job
 * directory; symbolic links are followed (a link back into a directory already being read
 * is skipped). A pattern with no match, a plain path that does not exist, or a directory
 * with no files is an error: a job missing its inputs would fail later and further away.
 *
 * @param patterns Paths of files or directories, or last-part globs (`data/*.xyz`).
 * @param cwd What relative patterns are relative to.
 * @returns The files, each once, in pattern order (a directory's files sorted by path).
 * @throws {TypeError} For a pattern that matches nothing or leaves the working directory.
 *
 * @example
 * ```ts
 * import { expandInputFiles } from "./input_files.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/data`);
 * await Deno.mkdir(`${dir}/POTCARs/Si`, { recursive: true });
 * await Deno.writeTextFile(`${dir}/data/a.xyz`, "1");
 * await Deno.writeTextFile(`${dir}/data/b.xyz`, "2");
 * await Deno.writeTextFile(`${dir}/params.json`, "{}");
 * await Deno.writeTextFile(`${dir}/POTCARs/Si/POTCAR`, "PAW_PBE Si");
 * const files = expandInputFiles(["params.json", "data/*.xyz", "POTCARs"], dir);
 * assert.deepEqual(files.map((f) => f.target), [
 *   "params.json",
 *   "data/a.xyz",
 *   "data/b.xyz",
 *   "POTCARs/Si/POTCAR",
 * ]);
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
          .filter((e) => re.test(e.name))
          .map((e) => join(dirname(abs), e.name))
          .filter((path) => kindOf(path) !== undefined)
          .sort();
      } catch {
        matches = [];
      }
    } else {
      matches = kindOf(abs) === undefined ? [] : [abs];
    }
    if (matches.length === 0) {
      throw new TypeError(
        `Cannot stage input file ${
          JSON.stringify(pattern)
        }: no file or directory matches it in ${cwd}`,
      );
    }
    for (const match of matches) {
      const files = kindOf(match) === "directory" ? filesUnder(match) : [match];
      if (files.length === 0) {
        throw new TypeError(
          `Cannot stage input file ${JSON.stringify(pattern)}: the directory ${
            JSON.stringify(relative(cwd, match))
          } holds no files`,
        );
      }
      for (const source of files) {
        if (out.has(source)) continue;
        const mode = Deno.statSync(source).mode;
        out.set(source, {
          source,
          target: relative(cwd, source).replaceAll("\\", "/"),
          ...(mode === null ? {} : { mode: mode & 0o777 }),
        });
      }
    }
  }
  return [...out.values()];
}

/** Every file under `dir`, sorted by path, following links once. */
function filesUnder(dir: string): string[] {
  const files: string[] = [];
  const seen = new Set<string>();
  const walk = (path: string): void => {
    const real = Deno.realPathSync(path);
    if (seen.has(real)) return;
    seen.add(real);
    const entries = [...Deno.readDirSync(path)].map((e) => e.name).sort();
    for (const entry of entries) {
      const child = join(path, entry);
      const kind = kindOf(child);
      if (kind === "file") files.push(child);
      else if (kind === "directory") walk(child);
    }
  };
  walk(dir);
  return files;
}

/** A file, a directory (links followed), or neither (missing, dangling, a device...). */
function kindOf(path: string): "file" | "directory" | undefined {
  try {
    const info = Deno.statSync(path);
    return info.isFile ? "file" : info.isDirectory ? "directory" : undefined;
  } catch {
    return undefined;
  }
}
