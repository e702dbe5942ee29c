/**
 * Finding and merging the systems config files: the project's `drover.yaml` over the
 * user's `~/.config/drover/systems.yaml`.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { findProjectDir } from "../store/mod.ts";
import { ConfigError } from "./config_error.ts";
import { parseSystemsConfig } from "./parse_systems.ts";
import type { System, SystemsConfig } from "./system.ts";

/** The name of the project's config file, in the project directory. */
export const PROJECT_CONFIG_NAME = "drover.yaml";

/** Options of {@linkcode loadSystems} and {@linkcode systemsConfigFiles}. */
export interface LoadSystemsOptions {
  /** Where to look for the project. Default: `Deno.cwd()`. */
  readonly cwd?: string;
  /**
   * Environment: `DROVER_PROJECT` (the project), `XDG_CONFIG_HOME` and `HOME` (the user's
   * config). Default: `Deno.env.toObject()`.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The project directory. Default: the directory holding the `.drover` store found from
   * `cwd` (or `DROVER_PROJECT`), else `cwd`.
   */
  readonly projectDir?: string;
}

/** The config files drover reads, whether or not they exist. */
export interface SystemsConfigFiles {
  /** `<user config>/drover/systems.yaml`; undefined when neither `XDG_CONFIG_HOME` nor `HOME` is set. */
  readonly user: string | undefined;
  /** `<project>/drover.yaml`. */
  readonly project: string;
}

/** The merged systems and where each came from. */
export interface LoadedSystems extends SystemsConfig {
  /** The file each system was read from, by system name. */
  readonly sources: Readonly<Record<string, string>>;
  /** The files that exist and were read, user's first. */
  readonly files: readonly string[];
}

/**
 * Tells which files {@linkcode loadSystems} reads: the user's
 * `$XDG_CONFIG_HOME/drover/systems.yaml` (default `~/.config/drover/systems.yaml`) and the
 * project's `drover.yaml`.
 *
 * @param options Working directory, environment, project directory.
 * @returns Both paths.
 *
 * @example
 * ```ts
 * import { systemsConfigFiles } from "./load_systems.ts";
 * import assert from "node:assert/strict";
 * const files = systemsConfigFiles({ projectDir: "/p", env: { HOME: "/home/me" } });
 * assert.deepEqual(files, {
 *   user: "/home/me/.config/drover/systems.yaml",
 *   project: "/p/drover.yaml",
 * });
 * ```
 */
export function systemsConfigFiles(options: LoadSystemsOptions = {}): SystemsConfigFiles {
  const env = options.env ?? Deno.env.toObject();
  const cwd = resolve(options.cwd ?? Deno.cwd());
  const projectDir = options.projectDir !== undefined
    ? resolve(cwd, options.projectDir)
    : dirname(findProjectDir({ cwd, env: env.DROVER_PROJECT }));
  const configHome = env.XDG_CONFIG_HOME
    ? env.XDG_CONFIG_HOME
    : env.HOME
    ? join(env.HOME, ".config")
    : undefined;
  return {
    user: configHome === undefined ? undefined : join(configHome, "drover", "systems.yaml"),
    project: join(projectDir, PROJECT_CONFIG_NAME),
  };
}

/**
 * Reads the systems config: the project's `drover.yaml` merged over the user's
 * `~/.config/drover/systems.yaml`. Either file may be missing. The merge is per system: a
 * system defined in both files is taken whole from the project's file (its settings are
 * not mixed with the user's), so each file is valid on its own and every error points at
 * one file.
 *
 * @param options Working directory, environment, project directory.
 * @returns The systems by name, the file each came from, and the files read.
 * @throws {ConfigError} When a file exists but cannot be read or is not valid.
 *
 * @example
 * ```ts
 * import { loadSystems } from "./load_systems.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/drover.yaml`, "systems:\n  laptop: { scheduler: local }\n");
 * const loaded = loadSystems({ projectDir: dir, env: {} });
 * assert.deepEqual(Object.keys(loaded.systems), ["laptop"]);
 * assert.equal(loaded.sources.laptop, `${dir}/drover.yaml`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function loadSystems(options: LoadSystemsOptions = {}): LoadedSystems {
  const { user, project } = systemsConfigFiles(options);
  const systems: Record<string, System> = {};
  const sources: Record<string, string> = {};
  const files: string[] = [];
  for (const file of [user, project]) {
    if (file === undefined) continue;
    const text = readIfExists(file);
    if (text === undefined) continue;
    files.push(file);
    for (const [name, system] of Object.entries(parseSystemsConfig(text, file).systems)) {
      systems[name] = system;
      sources[name] = file;
    }
  }
  return { systems, sources, files };
}

function readIfExists(file: string): string | undefined {
  try {
    return Deno.readTextFileSync(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConfigError(file, {
      path: "",
      expected: "a readable file",
      message: `the file cannot be read (${reason})`,
    }, { cause: e });
  }
}
