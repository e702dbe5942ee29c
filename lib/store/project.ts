/**
 * Finding the project store directory (`.drover/`).
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";

/** The name of the store directory inside a project. */
export const STORE_DIR_NAME = ".drover";

/** Options for {@linkcode findProjectDir}. */
export interface FindProjectOptions {
  /** Directory to start from. Default: `Deno.cwd()`. */
  readonly cwd?: string;
  /** Value of `DROVER_PROJECT` (a project directory or its `.drover`). Default: read from the environment. */
  readonly env?: string | undefined;
}

/**
 * Locates the store directory: `DROVER_PROJECT` if set (either the project directory or
 * its `.drover`), else the first `.drover/` found walking up from `cwd`, else
 * `<cwd>/.drover` (created on first use by {@linkcode openStore}).
 *
 * @param options Start directory and environment override.
 * @returns The absolute path of the `.drover` directory (it may not exist yet).
 *
 * @example
 * ```ts
 * import { findProjectDir } from "./project.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * assert.equal(findProjectDir({ cwd: dir, env: "" }), `${dir}/.drover`);
 * assert.equal(findProjectDir({ cwd: "/", env: dir }), `${dir}/.drover`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function findProjectDir(options: FindProjectOptions = {}): string {
  const cwd = resolve(options.cwd ?? Deno.cwd());
  const env = "env" in options ? options.env : readEnv("DROVER_PROJECT");
  if (env) {
    const abs = resolve(cwd, env);
    return abs.endsWith(`/${STORE_DIR_NAME}`) ? abs : join(abs, STORE_DIR_NAME);
  }
  let dir = cwd;
  while (true) {
    const candidate = join(dir, STORE_DIR_NAME);
    if (isDir(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) return join(cwd, STORE_DIR_NAME);
    dir = up;
  }
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
