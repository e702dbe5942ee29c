/**
 * The element runner: what one element of a job array runs on the compute node, inside
 * the step module's bundle (see {@linkcode bundleStepModule}). It follows the file contract
 * of {@link ./job_files.ts}: reads the manifest and the inputs, runs each call of its
 * element through the registered step's function, one after another, and leaves a result
 * object and an outcome marker per call. It is safe to run again: calls with an `ok`
 * outcome whose result object is in place are skipped.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "npm:zod@^3.25.0";
import { decode, sha256Hex } from "../codec/mod.ts";
import {
  guardStepCalls,
  listSteps,
  lookupStep,
  openSession,
  runStepFn,
  type Session,
  toStoredError,
  useSession,
} from "../step/mod.ts";
import type { Store, StoredError } from "../store/mod.ts";
import { ARRAY_INDEX_VARIABLE } from "../scheduler/mod.ts";
import { describeIssue } from "../systems/mod.ts";
import { REMOTE_INFO_VAR } from "../routing/mod.ts";
import {
  type CallOutcomeMarker,
  type Clock,
  JOB_DIR_VARIABLE,
  type JobCall,
  jobDirLayout,
  jobStoreDir,
  manifestPath,
  objectPath,
  outcomeMarkerPath,
  parseManifest,
  RUNDIR_VARIABLE,
  RUNNER_FAILED_EXIT_CODE,
  safeParseOutcomeMarker,
  type StartedMarker,
  startedMarkerPath,
} from "../runtime/mod.ts";
import { resolveJobRefs } from "./resolve_refs.ts";

/** Options of {@linkcode runJobElement}. */
export interface RunJobElementOptions {
  /**
   * Loads the module that defines the step (a bundle's entry passes `() => import(...)`).
   * Default: none, the step is registered already.
   */
  readonly load?: () => Promise<unknown>;
  /**
   * Where `DROVER_RUNDIR`, `DROVER_JOB_DIR` and `DROVER_ARRAY_INDEX` are read.
   * Default: `Deno.env.toObject()`.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Time source of the markers. Default: `Date.now`. */
  readonly clock?: Pick<Clock, "now">;
  /** Host name written to the started marker. Default: `Deno.hostname()`. */
  readonly host?: string;
}

/**
 * What became of one call: `done` or `failed` (an error outcome) ran now, `skipped` was done
 * before, `not-run` has no outcome (the runner could not read or write a file).
 */
export type JobCallStatus = "done" | "failed" | "skipped" | "not-run";

/** What {@linkcode runJobElement} did. */
export interface JobElementReport {
  /**
   * Exit code for the element's process: 0 when every call has an outcome and the runner
   * had no problem with the module or step, else {@linkcode RUNNER_FAILED_EXIT_CODE}.
   */
  readonly exitCode: number;
  /** The element's calls in manifest order (empty when the manifest could not be read). */
  readonly calls: readonly { readonly key: string; readonly status: JobCallStatus }[];
  /** What went wrong in the runner itself (not in user code), one line per problem. */
  readonly problems: readonly string[];
}

/** The job's environment. */
function envSchema(): z.ZodType<Record<string, string>, z.ZodTypeDef, unknown> {
  const absolute = { message: "an absolute path" };
  const index = { message: "a whole number, 0 or more" };
  return z.object({
    [RUNDIR_VARIABLE]: z.string(absolute).regex(/^\//, absolute),
    [JOB_DIR_VARIABLE]: z.string(absolute).regex(/^\//, absolute),
    [ARRAY_INDEX_VARIABLE]: z.string(index).regex(/^\d{1,9}$/, index),
  });
}

const encoder = new TextEncoder();

/**
 * Runs one element of a job: writes `el/<i>.started`, reads `manifest.json`, then for each
 * call of `elements[i]` not done before, decodes its inputs object, calls the registered
 * step's function with them and writes the result object and `out/<key>.json`. An
 * exception in user code (or a result that cannot be encoded) is an outcome, not a
 * failure of the runner. Nested step calls go through a session on `R/store/.drover`
 * (no run record). `DROVER_REMOTE_INFO` is removed from the environment first, so nested
 * calls run right here.
 *
 * When the module cannot be loaded or does not define the step, every pending call gets
 * an error outcome (`StepNotFoundError` for the latter) and the exit code is
 * {@linkcode RUNNER_FAILED_EXIT_CODE}; so it is when the environment or manifest is
 * unusable or a file cannot be read or written.
 *
 * Steps defined in the main module (the bundle) get a code identity that is the hash of
 * the bundle and of the step's source: a compute node has no TypeScript parser (bundles
 * leave `typescript` out) and a bundle has no project sources to analyse.
 *
 * @param options Module loader, environment, clock, host name.
 * @returns The exit code and the status of each call; it does not exit.
 *
 * @example
 * ```ts
 * import { runJobElement } from "./element_runner.ts";
 * import assert from "node:assert/strict";
 * const report = await runJobElement({ env: {} });
 * assert.equal(report.exitCode, 3);
 * assert.match(report.problems[0], /DROVER_RUNDIR is required/);
 * ```
 */
export async function runJobElement(
  options: RunJobElementOptions = {},
): Promise<JobElementReport> {
  const report = await runElement(options);
  if (report.exitCode !== RUNNER_FAILED_EXIT_CODE) return report;
  // Tell the driver it was drover's runner, not the user's code (whose own exit code may
  // be the same): `el/<i>.runner` holds the problems.
  const env = options.env ?? Deno.env.toObject();
  const dir = env[JOB_DIR_VARIABLE];
  const index = env[ARRAY_INDEX_VARIABLE];
  if (dir?.startsWith("/") && /^\d{1,9}$/.test(index ?? "")) {
    await writeAtomic(
      jobDirLayout(dir).runner(Number(index)),
      encoder.encode(report.problems.join("\n") + "\n"),
    ).catch(() => {});
  }
  return report;
}

async function runElement(options: RunJobElementOptions): Promise<JobElementReport> {
  const problems: string[] = [];
  const failed = (problem: string, calls: JobElementReport["calls"] = []): JobElementReport => ({
    exitCode: RUNNER_FAILED_EXIT_CODE,
    calls,
    problems: [...problems, problem],
  });
  const rawEnv = options.env ?? Deno.env.toObject();
  const env = envSchema().safeParse(rawEnv);
  if (!env.success) {
    return failed(
      `Cannot start the job element: ${describeIssue(env.error.issues[0], rawEnv).message}`,
    );
  }
  const runDir = env.data[RUNDIR_VARIABLE];
  const dir = env.data[JOB_DIR_VARIABLE];
  const index = Number(env.data[ARRAY_INDEX_VARIABLE]);
  const clock = options.clock ?? { now: Date.now };
  unsetRemoteInfo();

  const started: StartedMarker = {
    host: options.host ?? Deno.hostname(),
    pid: Deno.pid,
    at: clock.now(),
  };
  try {
    await writeAtomic(startedMarkerPath(dir, index), encoder.encode(JSON.stringify(started)));
    const file = manifestPath(dir);
    const manifest = parseManifest(await Deno.readTextFile(file), file);
    if (index >= manifest.elements.length) {
      return failed(
        `Cannot run element ${index} of job "${dir}": the manifest has ${
          count(manifest.elements.length, "element")
        }`,
      );
    }
    const calls = manifest.elements[index];
    const status = new Map<string, JobCallStatus>();
    for (const call of calls) {
      status.set(call.key, await isDone(runDir, dir, call.key) ? "skipped" : "not-run");
    }
    const report = (): JobElementReport => {
      const list = calls.map((c) => ({ key: c.key, status: status.get(c.key)! }));
      const complete = list.every((c) => c.status !== "not-run");
      return { exitCode: complete ? 0 : RUNNER_FAILED_EXIT_CODE, calls: list, problems };
    };
    const pending = calls.filter((c) => status.get(c.key) === "not-run");
    if (pending.length === 0) return report();

    const failAll = async (error: StoredError): Promise<JobElementReport> => {
      problems.push(`${error.name}: ${error.message}`);
      for (const call of pending) {
        const now = clock.now();
        const marker = { ok: false as const, error, startedAt: now, endedAt: now };
        await writeAtomic(outcomeMarkerPath(dir, call.key), encoder.encode(JSON.stringify(marker)));
        status.set(call.key, "failed");
      }
      return { ...report(), exitCode: RUNNER_FAILED_EXIT_CODE };
    };
    const entry = await loadStep(manifest.step, options.load);
    if ("error" in entry) return await failAll(entry.error);

    const session = openSession({ dir: jobStoreDir(runDir), recordRun: false });
    const previous = useSession(session);
    try {
      seedBundleIdentities(session.store);
      for (const call of pending) {
        try {
          status.set(
            call.key,
            await runCall(entry.step, call, { runDir, dir, clock, step: manifest.step }),
          );
        } catch (e) {
          problems.push(`Cannot run call ${call.key}: ${message(e)}`);
        }
      }
    } finally {
      useSession(previous);
      await closeQuietly(session, problems);
    }
    return report();
  } catch (e) {
    return failed(`Cannot run element ${index} of job "${dir}": ${message(e)}`);
  }
}

/** Loads the module and finds the step, or says why not as the calls' error outcome. */
async function loadStep(
  name: string,
  load: (() => Promise<unknown>) | undefined,
): Promise<{ step: { readonly fn: (inputs: unknown) => unknown } } | { error: StoredError }> {
  try {
    // A step called while the module loads is the workflow running in the job.
    const message =
      `step calls ran while the workflow module was loaded in the job: put the script's own work inside "if (import.meta.main) { ... }" (step "${name}")`;
    guardStepCalls(message);
    let tripped = 0;
    try {
      await load?.();
    } finally {
      tripped = guardStepCalls(undefined);
    }
    if (tripped > 0) return { error: { name: "UnguardedMainError", message } };
  } catch (cause) {
    const error = toStoredError(cause);
    return {
      error: {
        ...error,
        message: `Cannot load the module of step "${name}" in the job: ${error.message}`,
      },
    };
  }
  const step = lookupStep(name);
  if (step) return { step };
  const known = listSteps().map((s) => s.name).sort();
  const defines = known.length === 0
    ? "it defines no steps"
    : `it defines ${known.slice(0, 10).join(", ")}${known.length > 10 ? ", ..." : ""}`;
  return {
    error: {
      name: "StepNotFoundError",
      message: `Cannot run step "${name}": the job's bundle does not define it (${defines})`,
    },
  };
}

/** Runs one call and writes its outcome; throws only when a file cannot be read or written. */
async function runCall(
  entry: { readonly fn: (inputs: unknown) => unknown },
  call: JobCall,
  ctx: {
    readonly runDir: string;
    readonly dir: string;
    readonly clock: Pick<Clock, "now">;
    readonly step: string;
  },
): Promise<JobCallStatus> {
  const inputsFile = objectPath(ctx.runDir, call.inputs);
  const bytes = await Deno.readFile(inputsFile);
  if (sha256Hex(bytes) !== call.inputs) {
    throw new Error(`the inputs object "${inputsFile}" does not match its hash`);
  }
  const inputs = await resolveJobRefs(decode(bytes), ctx.runDir);
  const startedAt = ctx.clock.now();
  const outcome = await runStepFn(entry.fn, inputs, ctx.step);
  const endedAt = ctx.clock.now();
  let marker: CallOutcomeMarker;
  if (outcome.ok) {
    const result = sha256Hex(outcome.bytes);
    await writeObject(objectPath(ctx.runDir, result), outcome.bytes);
    marker = { ok: true, result, size: outcome.bytes.length, startedAt, endedAt };
  } else {
    marker = { ok: false, error: outcome.error, startedAt, endedAt };
  }
  await writeAtomic(outcomeMarkerPath(ctx.dir, call.key), encoder.encode(JSON.stringify(marker)));
  return marker.ok ? "done" : "failed";
}

/** A call is done when its marker says ok and its result object is there with that size. */
async function isDone(runDir: string, dir: string, key: string): Promise<boolean> {
  const file = outcomeMarkerPath(dir, key);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch {
    return false;
  }
  const marker = safeParseOutcomeMarker(text, file);
  if (!marker.success || !marker.data.ok) return false;
  return await sizeOf(objectPath(runDir, marker.data.result)) === marker.data.size;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Writes an object unless an intact copy is there (the name is its hash). */
async function writeObject(path: string, bytes: Uint8Array): Promise<void> {
  // A copy already there is kept only when it is intact (a damaged one is replaced).
  if (await sizeOf(path) === bytes.length) {
    const there = await Deno.readFile(path).catch(() => undefined);
    if (there && sha256Hex(there) === basename(path)) return;
  }
  await writeAtomic(path, bytes);
}

/**
 * Writes a file so that readers see all of it or nothing: to `.<name>.<pid>.<random>.tmp`
 * in the same directory (hidden from the driver's globs), synced, then renamed.
 */
async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${dir}/.${basename(path)}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true });
    try {
      for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
      await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Records, for each step defined in the main module, a code identity valid while the main
 * module's bytes are unchanged, so that nested calls never need the TypeScript parser.
 */
function seedBundleIdentities(store: Store): void {
  if (!Deno.mainModule.startsWith("file:")) return;
  const main = realPath(fileURLToPath(Deno.mainModule));
  const defined = listSteps().filter((s) => s.site && realPath(s.site.file) === main)
    .map((s) => [s.name, s] as const);
  if (defined.length === 0) return;
  const bundle = sha256Hex(Deno.readFileSync(main));
  store.transaction(() => {
    for (const [name, s] of defined) {
      const file = s.site!.file;
      const source = String(s.fn).replace(/\s+/g, " ").trim();
      const parts = { bundle, "step:source": sha256Hex(encoder.encode(source)) };
      const hash = sha256Hex(encoder.encode(JSON.stringify(parts)));
      const cached = store.getCodeCache(name, file);
      if (cached?.codeHash === hash && cached.files[file] === bundle) continue;
      store.putCode({ hash, step: name, parts });
      store.putCodeCache(name, file, { codeHash: hash, files: { [file]: bundle } });
    }
  });
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function realPath(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

function unsetRemoteInfo(): void {
  try {
    Deno.env.delete(REMOTE_INFO_VAR);
  } catch {
    // Without env permission nothing can read it either.
  }
}

async function closeQuietly(session: Session, problems: string[]): Promise<void> {
  try {
    await session.close();
  } catch (e) {
    problems.push(`Cannot close the store of nested calls: ${message(e)}`);
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
