/**
 * Bundling a step's module for jobs: one JavaScript file holding the module, everything it
 * imports (drover included) and the element runner, so a compute node needs no network
 * and no install, only `deno`.
 *
 * @module
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sha256Hex } from "../codec/mod.ts";
import {
  graphKey,
  readCached,
  recallGraph,
  rememberGraph,
  unchanged,
  writeAtomically,
} from "./_bundle_cache.ts";
import { writeBundleConfig } from "./_bundle_stubs.ts";
import { WARM_ONLY_VARIABLE } from "./job_layout.ts";

/** Options of {@linkcode bundleStepModule}. */
export interface BundleOptions {
  /**
   * The project's `deno.json` (its import map resolves `"drover"` and the npm packages).
   * Default: the first `deno.json` or `deno.jsonc` found walking up from the module; none
   * found bundles with `--no-config`.
   */
  readonly config?: string;
  /**
   * Directory of bundles kept across processes, keyed by a hash over everything the bundle
   * is made from; `false` keeps none. Default: `$XDG_CACHE_HOME/drover/bundles`, else
   * `~/.cache/drover/bundles`, else none.
   */
  readonly cacheDir?: string | false;
  /** Stops waiting (the `deno bundle` started for other callers may still finish). */
  readonly signal?: AbortSignal;
}

/** A bundle: the bytes of the JavaScript file and their sha256 hex. */
export interface StepBundle {
  /** The bundle, a self-contained ES module. */
  readonly bytes: Uint8Array;
  /** sha256 hex of `bytes`, the name of the bundle object. */
  readonly hash: string;
}

/**
 * `deno bundle` failed: the module has a syntax error, imports a missing file, or its
 * project's config cannot be read. The message has deno's first error line.
 *
 * @example
 * ```ts
 * import { BundleError } from "./bundle.ts";
 * import assert from "node:assert/strict";
 * const e = new BundleError({
 *   module: "/p/flow.ts",
 *   command: ["deno", "bundle", "entry.ts"],
 *   stderr: 'error: Module not found "file:///p/nope.ts".\n    at file:///p/flow.ts:1:8\n',
 *   exitCode: 1,
 * });
 * assert.equal(e.message, 'Cannot bundle "/p/flow.ts" for jobs: Module not found "file:///p/nope.ts".');
 * ```
 */
export class BundleError extends Error {
  /** The module that was bundled, absolute. */
  readonly module: string;
  /** The command that failed, program first. */
  readonly command: readonly string[];
  /** What deno printed on stderr. */
  readonly stderr: string;
  /** Its exit code. */
  readonly exitCode: number;

  /**
   * Creates an instance.
   *
   * @param init The module, command, stderr and exit code.
   * @param options The underlying error, if any.
   */
  constructor(
    init: {
      readonly module: string;
      readonly command: readonly string[];
      readonly stderr: string;
      readonly exitCode: number;
    },
    options?: ErrorOptions,
  ) {
    const detail = init.stderr.split("\n").find((l) => l.startsWith("error:"))?.slice(7).trim();
    super(
      `Cannot bundle "${init.module}" for jobs: ${
        detail ?? `deno bundle exited with code ${init.exitCode}`
      }`,
      options,
    );
    this.name = "BundleError";
    this.module = init.module;
    this.command = init.command;
    this.stderr = init.stderr;
    this.exitCode = init.exitCode;
  }
}

/**
 * Left out of every bundle: loaded lazily, and only where they exist (code identity, SSH).
 * drover loads them by `npm:` specifier (any version: `*` is a wildcard of `deno bundle`);
 * a project's own modules may use the bare names of its import map.
 */
const EXTERNALS = ["typescript", "ssh2", "npm:typescript@*", "npm:ssh2@*"];
/** Bumped when the entry or the flags change in a way the cache key would not see. */
const FORMAT = "drover-bundle/4";
const RUNNER_URL = new URL("../worker/element_runner.ts", import.meta.url).href;
const LIB_URL = new URL("../", import.meta.url).href;

const bundles = new Map<string, Promise<StepBundle>>();

/**
 * Bundles a step's module for jobs with `deno bundle`. The bundle's entry imports the
 * module dynamically and runs {@linkcode runJobElement}, then exits with its exit code.
 * `typescript` and `ssh2` stay external. `deno bundle` turns the module's
 * `import.meta.main` into `false`, so a workflow's main block does not run in jobs.
 *
 * Bundles are cached in this process by module and config, and across processes in
 * `cacheDir` under a hash of the entry, the config, the Deno version, the content of every
 * local file of the module graph and the resolved version of every npm package (listed by
 * `deno info --json`, which costs a fifth of bundling again).
 *
 * @param moduleFile Path (or `file:` URL) of the module that defines the step.
 * @param options Config file, cache directory, abort signal.
 * @returns The bundle's bytes and hash.
 * @throws {BundleError} when `deno bundle` fails; the message has deno's error line.
 *
 * @example
 * ```ts
 * import { bundleStepModule } from "./bundle.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/flow.ts`, "export const answer = 42;\n");
 * const config = new URL("../../deno.json", import.meta.url).pathname; // the project's
 * const bundle = await bundleStepModule(`${dir}/flow.ts`, { config, cacheDir: false });
 * assert.match(bundle.hash, /^[0-9a-f]{64}$/);
 * // Stage it as R/objects/<hash[0:2]>/<hash>; a job element runs it with
 * // DROVER_RUNDIR, DROVER_JOB_DIR and DROVER_ARRAY_INDEX set: `deno run -A <that file>`.
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function bundleStepModule(
  moduleFile: string,
  options: BundleOptions = {},
): Promise<StepBundle> {
  options.signal?.throwIfAborted();
  const module = moduleFile.startsWith("file:") ? fileURLToPath(moduleFile) : resolve(moduleFile);
  const config = options.config === undefined
    ? findDenoConfig(dirname(module))
    : resolve(options.config);
  const cacheDir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
  const memo = JSON.stringify([module, config ?? null, cacheDir]);
  let bundle = bundles.get(memo);
  if (!bundle) {
    bundle = build(module, config, cacheDir);
    bundles.set(memo, bundle);
    bundle.catch(() => bundles.delete(memo));
  }
  return await abortable(bundle, options.signal);
}

/**
 * The entry module of a bundle: runs the element, reports the runner's own problems on
 * stderr and exits (user code may leave timers or handles behind).
 */
function entrySource(module: string): string {
  const moduleUrl = pathToFileURL(module).href;
  return [
    "// The entry of a drover job bundle (generated by lib/runtime/bundle.ts).",
    `import { runJobElement } from ${JSON.stringify(RUNNER_URL)};`,
    "// A warm-up (job_layout.ts warmUpCommand): the bundle is loaded, its code cache written.",
    `if (Deno.env.get(${JSON.stringify(WARM_ONLY_VARIABLE)}) === "1") Deno.exit(0);`,
    `const report = await runJobElement({ load: () => import(${JSON.stringify(moduleUrl)}) });`,
    "for (const problem of report.problems) console.error(`drover job: ${problem}`);",
    "Deno.exit(report.exitCode);",
    "",
  ].join("\n");
}

async function build(
  module: string,
  config: string | undefined,
  cacheDir: string | false,
): Promise<StepBundle> {
  const entry = entrySource(module);
  const configFlag = config === undefined ? "--no-config" : `--config=${config}`;
  const salt = { format: FORMAT, externals: EXTERNALS, entry, configFlag, config };
  const cachePath = (key: string) => join(cacheDir as string, `${key}.js`);
  if (cacheDir !== false) {
    // The same graph as last time, every local file unchanged: no `deno info` needed.
    const recalled = await recallGraph(cacheDir, salt);
    const cached = recalled && await readCached(cachePath(recalled.key));
    if (cached) return cached;
  }
  const dir = await Deno.makeTempDir({ prefix: "drover-bundle-" });
  const bundling = new AbortController();
  let made: ReturnType<typeof deno> | undefined;
  try {
    await Deno.writeTextFile(join(dir, "entry.ts"), entry);
    // The project's import map, with drover's driver-only packages stubbed out.
    const derived = await writeBundleConfig(config, dir, LIB_URL).catch(() => undefined);
    const bundleConfigFlag = derived === undefined ? configFlag : `--config=${derived}`;
    const args = [
      "bundle",
      "--quiet",
      bundleConfigFlag,
      ...EXTERNALS.map((name) => `--external=${name}`),
      "--output=bundle.js",
      "--sourcemap=external",
      "entry.ts",
    ];
    // Listing the graph (for the cache key) and bundling run at once; a cache hit stops
    // the bundler.
    made = deno(args, dir, bundling.signal);
    made.catch(() => {});
    const graph = cacheDir === false ? undefined : await graphKey(deno, dir, salt);
    if (graph) {
      await rememberGraph(cacheDir as string, salt, graph);
      const cached = await readCached(cachePath(graph.key));
      if (cached) return cached;
    }
    const out = await made;
    // Errors name the project's config (the derived one is gone with the temp directory).
    const command = [Deno.execPath(), ...args.map((a) => a === bundleConfigFlag ? configFlag : a)];
    if (out.code !== 0) {
      throw new BundleError({
        module,
        command,
        stderr: out.stderr,
        exitCode: out.code,
      });
    }
    const bytes = await Deno.readFile(join(dir, "bundle.js"));
    const eager = staticExternal(new TextDecoder().decode(bytes));
    if (eager !== undefined) {
      throw new BundleError({
        module,
        command,
        stderr: `error: the bundle imports "${eager}" statically, so it could not start on a ` +
          `node without it; drover and the module must load "${eager}" with import()\n`,
        exitCode: out.code,
      });
    }
    const bundle = { bytes, hash: sha256Hex(bytes) };
    if (cacheDir !== false) await keepSourceMap(dir, bundle, cacheDir).catch(() => {});
    if (graph && await unchanged(graph.files)) {
      await writeAtomically(cachePath(graph.key), bytes).catch(() => {});
    }
    return bundle;
  } finally {
    bundling.abort();
    await made?.catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Where the source map of the bundle with this hash is kept (written when the bundle is
 * built with a cache directory), so a stack thrown in a job can be mapped back to the
 * user's files. The bundle itself is kept beside it, with `.js` for `.map`: the map of
 * `deno bundle` is off by a few lines in TypeScript modules, and the bundle's text at a
 * frame puts it right.
 *
 * @param hash The bundle's sha256 hex.
 * @param cacheDir The bundle cache directory. Default: `$XDG_CACHE_HOME/drover/bundles`.
 * @returns The map file's path, or undefined without a cache directory.
 *
 * @example
 * ```ts
 * import { bundleSourceMapFile } from "./bundle.ts";
 * import assert from "node:assert/strict";
 * assert.equal(bundleSourceMapFile("ab".repeat(32), "/c"), `/c/maps/${"ab".repeat(32)}.map`);
 * ```
 */
export function bundleSourceMapFile(
  hash: string,
  cacheDir: string | false = defaultCacheDir(),
): string | undefined {
  return cacheDir === false ? undefined : join(cacheDir, "maps", `${hash}.map`);
}

/** Keeps `bundle.js.map` of a build and the bundle under its hash, sources as absolute URLs. */
async function keepSourceMap(dir: string, bundle: StepBundle, cacheDir: string): Promise<void> {
  const file = bundleSourceMapFile(bundle.hash, cacheDir)!;
  const mapPath = join(dir, "bundle.js.map");
  const map = JSON.parse(await Deno.readTextFile(mapPath)) as {
    sources?: string[];
    sourcesContent?: unknown;
  };
  const base = pathToFileURL(mapPath);
  map.sources = (map.sources ?? []).map((s) => new URL(s, base).href);
  delete map.sourcesContent;
  await writeAtomically(file.replace(/\.map$/, ".js"), bundle.bytes);
  await writeAtomically(file, new TextEncoder().encode(JSON.stringify(map)));
}

/** The first external a bundle imports at its top level (such a bundle fails to start). */
function staticExternal(source: string): string | undefined {
  for (const name of EXTERNALS) {
    const quoted = JSON.stringify(name).replace(/[.^$+?()[\]{}|\\]/g, "\\$&")
      .replaceAll("*", '[^"]*');
    const line = new RegExp(`^import\\s(?:[^;]*?\\sfrom\\s*)?(${quoted})\\s*;?\\s*$`, "m");
    const found = line.exec(source);
    if (found) return JSON.parse(found[1]) as string;
  }
  return undefined;
}

async function deno(
  args: readonly string[],
  cwd: string,
  signal?: AbortSignal,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...args],
    cwd,
    ...(signal ? { signal } : {}),
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/**
 * The first `deno.json` or `deno.jsonc` found walking up from a directory.
 *
 * @param start The directory to start in.
 * @returns Its path, or undefined.
 *
 * @example
 * ```ts
 * import { findDenoConfig } from "./bundle.ts";
 * import assert from "node:assert/strict";
 * assert.match(findDenoConfig(new URL(".", import.meta.url).pathname) ?? "", /deno\.jsonc?$/);
 * ```
 */
export function findDenoConfig(start: string): string | undefined {
  let dir = start;
  while (true) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      const path = join(dir, name);
      try {
        if (Deno.statSync(path).isFile) return path;
      } catch {
        // not here
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function defaultCacheDir(): string | false {
  try {
    const base = Deno.env.get("XDG_CACHE_HOME") ||
      (Deno.env.get("HOME") ? join(Deno.env.get("HOME")!, ".cache") : undefined);
    return base && isAbsolute(base) ? join(base, "drover", "bundles") : false;
  } catch {
    return false;
  }
}

async function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return await promise;
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort!);
  }
}
