/**
 * The element runner: what one element of a job array runs on the compute node, inside
 * the step module's bundle (see {@linkcode bundleStepModule}). It follows the file contract
 * of `lib/runtime/job_files.ts` and `element_files.ts`: reads the manifest and the element's
 * inputs pack, runs each call of its element through the registered step's function, one
 * after another, and appends each outcome to the element's call log as the call ends (a
 * write, no sync), with one durable commit (one sync) per slice of calls. Small results
 * travel inline in the log; larger result objects are synced before they are recorded. It
 * is safe to run again: calls with an `ok` record whose result is in place are skipped; a
 * killed process loses nothing it recorded, a crashed node at most the last slice, which
 * runs again.
 *
 * @module
 */
import { openSession, type Session, useSession } from "../step/mod.ts";
import type { StoredError } from "../store/mod.ts";
import { ARRAY_INDEX_VARIABLE } from "../scheduler/mod.ts";
import { describeIssue } from "../systems/mod.ts";
import { REMOTE_INFO_VAR } from "../routing/mod.ts";
import {
  type Clock,
  JOB_DIR_VARIABLE,
  jobDirLayout,
  jobStoreDir,
  manifestPath,
  objectPath,
  outcomesByKey,
  parseManifest,
  RUNDIR_VARIABLE,
  RUNNER_FAILED_EXIT_CODE,
  type StartedMarker,
  startedMarkerPath,
} from "../runtime/mod.ts";
import { CallLogWriter, type SliceLimits } from "./_call_log_writer.ts";
import { lazySession } from "./_lazy_session.ts";
import { elementInputs, sizeOf, writeAtomic } from "./_element_io.ts";
import { envSchema, sliceLimits } from "./_element_env.ts";
import { loadStep } from "./_load_step.ts";
import { runCall } from "./_run_call.ts";
import { seedBundleIdentities } from "./_bundle_identities.ts";

export type { SliceLimits } from "./_call_log_writer.ts";
export { SLICE_CALLS_VARIABLE, SLICE_MS_VARIABLE } from "./_element_env.ts";

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
  /**
   * When the call log commits a slice of outcomes (one sync). Default: from
   * {@linkcode SLICE_MS_VARIABLE} and {@linkcode SLICE_CALLS_VARIABLE}, else 500 ms, 10000
   * calls, 8 MiB.
   */
  readonly slice?: Partial<SliceLimits>;
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

const encoder = new TextEncoder();

/**
 * Runs one element of a job: writes `el/<i>.started`, reads `manifest.json` and the inputs
 * pack `in/<i>.bin`, then for each call of `elements[i]` not done before, decodes its
 * inputs, calls the registered step's function with them and records its outcome in the
 * call log `out/<i>.log` (committed per slice of calls, see `slice`). An
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
  let log: CallLogWriter | undefined;
  try {
    // Not synced: the started marker is a hint; the call log is what counts.
    await writeAtomic(startedMarkerPath(dir, index), encoder.encode(JSON.stringify(started)), {
      sync: false,
    });
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
    const opened = await CallLogWriter.open(
      jobDirLayout(dir).callLog(index),
      sliceLimits(rawEnv, options.slice),
      clock.now,
    );
    log = opened.writer;
    const before = outcomesByKey(opened.records);
    const status = new Map<string, JobCallStatus>();
    for (const call of calls) {
      const record = before.get(call.key);
      const done = record?.ok && (record.inline !== undefined ||
        await sizeOf(objectPath(runDir, record.result)) === record.size);
      status.set(call.key, done ? "skipped" : "not-run");
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
        await log!.add({ key: call.key, ok: false, error, startedAt: now, endedAt: now });
        status.set(call.key, "failed");
      }
      await log!.commit();
      return { ...report(), exitCode: RUNNER_FAILED_EXIT_CODE };
    };
    const entry = await loadStep(manifest.step, options.load);
    if ("error" in entry) return await failAll(entry.error);
    const inputs = await elementInputs(runDir, dir, index, manifest);

    // The element's store is opened only if a step calls other steps.
    const lazy = lazySession(() => {
      const session = openSession({ dir: jobStoreDir(runDir), recordRun: false });
      seedBundleIdentities(session.store);
      return session;
    });
    const previous = useSession(lazy.session);
    try {
      for (const call of pending) {
        try {
          const record = await runCall(entry.step, call, inputs, {
            runDir,
            clock,
            step: manifest.step,
          });
          await log.add(record);
          status.set(call.key, record.ok ? "done" : "failed");
        } catch (e) {
          problems.push(`Cannot run call ${call.key}: ${message(e)}`);
        }
      }
      await log.commit();
    } finally {
      useSession(previous);
      const opened = lazy.opened();
      if (opened) await closeQuietly(opened, problems);
    }
    return report();
  } catch (e) {
    return failed(`Cannot run element ${index} of job "${dir}": ${message(e)}`);
  } finally {
    log?.close();
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
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
