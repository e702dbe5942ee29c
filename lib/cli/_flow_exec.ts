/**
 * Private to lib/cli: running recorded flow runs for `drover flows run | resume | restart |
 * retry`. Finds the flow in its module, reads inputs files and `--set` values, runs the
 * run in this process (or in a detached worker) and turns the outcome into an exit code.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "npm:yaml@^2.8.0";
import { z } from "npm:zod@^3.25.0";
import { decode } from "../codec/mod.ts";
import {
  Flow,
  FlowRunStateError,
  FlowStepError,
  FlowWiringError,
  MapSpecError,
  progressRows,
  runRecorded,
  spawnFlowWorker,
} from "../flow/mod.ts";
import { openSession, StepFailedError, useSession } from "../step/mod.ts";
import type { FlowRunRecord, Store } from "../store/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError, UsageError } from "./_errors.ts";
import { progressTable } from "./flows_progress.ts";

/** Where a flow is: its module (a URL) and export. */
export interface FlowTarget {
  /** The module's URL. */
  readonly script: string;
  /** The export, or null to find the one flow (by name, if given). */
  readonly exportName: string | null;
}

/**
 * Parses `script.ts#exportName` (the export may be left out) against the working directory.
 *
 * @param value The argument.
 * @param cwd The working directory.
 * @returns The module URL and export.
 * @throws {UsageError} for an empty script.
 */
export function parseTarget(value: string, cwd: string): FlowTarget {
  const hash = value.lastIndexOf("#");
  const path = hash < 0 ? value : value.slice(0, hash);
  const exportName = hash < 0 ? null : value.slice(hash + 1) || null;
  if (path === "") throw new UsageError(`Cannot run "${value}": expected script.ts#exportName`);
  const script = /^[a-z][a-z0-9+.-]+:/i.test(path)
    ? path
    : pathToFileURL(isAbsolute(path) ? path : resolve(cwd, path)).href;
  return { script, exportName };
}

function isFlow(x: unknown): x is Flow {
  return x instanceof Flow ||
    (x !== null && typeof x === "object" && Array.isArray((x as Flow).order) &&
      typeof (x as Flow).name === "string" && typeof (x as Flow).run === "function");
}

/**
 * Imports a flow's module and picks the flow: the named export, else the export whose flow
 * has `flowName`, else the only exported flow.
 *
 * @param target Module and export.
 * @param flowName The flow's name, when known.
 * @returns The flow and the export holding it.
 * @throws {CommandError} when the module cannot be imported or holds no such flow.
 */
export async function loadFlow(
  target: FlowTarget,
  flowName?: string,
): Promise<{ flow: Flow; exportName: string }> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(target.script);
  } catch (e) {
    throw new CommandError(
      `Cannot load flow module "${target.script}": ${(e as Error).message.split("\n")[0]}`,
    );
  }
  const flows = Object.entries(mod).filter(([, v]) => isFlow(v)) as [string, Flow][];
  const chosen = target.exportName !== null
    ? flows.find(([k]) => k === target.exportName)
    : flows.find(([, f]) => f.name === flowName) ?? (flows.length === 1 ? flows[0] : undefined);
  if (!chosen) {
    const what = target.exportName !== null
      ? `no exported flow "${target.exportName}"`
      : flowName !== undefined
      ? `no exported flow named "${flowName}"`
      : `${flows.length} exported flows, name one with #exportName`;
    throw new CommandError(
      `Cannot find the flow in "${target.script}": ${what} (flows: ${
        flows.map(([k]) => k).join(", ") || "none"
      })`,
    );
  }
  return { flow: chosen[1], exportName: chosen[0] };
}

const InputsSchema = z.record(z.string(), z.unknown());

/**
 * Reads a flow's inputs from a YAML or JSON file: a mapping of parameter names to values.
 *
 * @param path The file (relative to `cwd`).
 * @param cwd The working directory.
 * @returns The inputs.
 * @throws {CommandError} when it cannot be read or is not a mapping.
 */
export function readInputs(path: string, cwd: string): Record<string, unknown> {
  let text: string;
  try {
    text = Deno.readTextFileSync(resolve(cwd, path));
  } catch (e) {
    throw new CommandError(`Cannot read inputs "${path}": ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new CommandError(`Cannot read inputs "${path}": ${(e as Error).message.split("\n")[0]}`);
  }
  const r = InputsSchema.safeParse(data);
  if (!r.success || Array.isArray(data)) {
    throw new CommandError(
      `Cannot read inputs "${path}": the top level must be a mapping of parameter names to values (got ${
        Array.isArray(data) ? "a list" : data === null ? "nothing" : typeof data
      })`,
    );
  }
  return r.data;
}

/**
 * Parses `--set name=value` (the value as YAML: `false`, `3`, `[1, 2]`, text).
 *
 * @param value The option's value.
 * @param previous Earlier ones.
 * @returns All of them.
 * @throws {UsageError} without `=`.
 */
export function collectSet(
  value: string,
  previous: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new UsageError(`Cannot use --set "${value}": expected name=value`);
  let v: unknown;
  try {
    v = parseYaml(value.slice(eq + 1));
  } catch {
    v = value.slice(eq + 1);
  }
  return { ...previous, [value.slice(0, eq)]: v };
}

/**
 * The inputs of a recorded run.
 *
 * @param store The store.
 * @param run The run.
 * @returns Its inputs.
 * @throws {CommandError} when the inputs object is missing.
 */
export function runInputs(store: Store, run: FlowRunRecord): Record<string, unknown> {
  const bytes = store.objects.get(run.inputsRef);
  if (!bytes) {
    throw new CommandError(`Cannot read the inputs of flow run ${run.id}: their object is missing`);
  }
  return decode(bytes) as Record<string, unknown>;
}

/**
 * A recorded run, or a CommandError naming the id.
 *
 * @param store The store.
 * @param id The run id.
 * @param verb What was to be done ("show", "resume").
 * @returns The run.
 */
export function requireRun(store: Store, id: number, verb: string): FlowRunRecord {
  const run = store.flowRuns.get(id);
  if (!run) {
    throw new CommandError(
      `Cannot ${verb} flow run ${id}: no flow run has this id (see drover flows ls)`,
    );
  }
  return run;
}

/** Options of {@linkcode executeRun}. */
export interface ExecuteOptions {
  /** Rerun calls that failed before. */
  readonly retryFailed?: boolean;
  /** Exit 0 even when something failed. */
  readonly allowFailed?: boolean;
  /** Start it in a detached worker and return at once. */
  readonly detach?: boolean;
}

/**
 * Runs recorded run `id` of `flow` in this process (or detached) and prints its progress.
 *
 * @param ctx The invocation's context.
 * @param storeDir The `.drover` directory.
 * @param id The run (pending or resumable).
 * @param flow The flow.
 * @param inputs Its inputs.
 * @param options Retry, allow failures, detach.
 * @throws {CommandError} when it cannot start, raised, or (without allowFailed) did not succeed.
 */
export async function executeRun(
  ctx: Context,
  storeDir: string,
  id: number,
  flow: Flow,
  inputs: Readonly<Record<string, unknown>>,
  options: ExecuteOptions = {},
): Promise<void> {
  if (options.detach) {
    const pid = await spawnFlowWorker(storeDir, id, { cwd: ctx.io.cwd });
    ctx.out(`flow run ${id} started in process ${pid}; see drover flows progress ${id}\n`);
    return;
  }
  const env = Object.fromEntries(
    Object.entries(ctx.io.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  await using session = openSession({
    dir: storeDir,
    cwd: ctx.io.cwd,
    env,
    ...(options.retryFailed ? { retryFailed: true } : {}),
  });
  const previous = useSession(session);
  ctx.io.stderr(`flow run ${id} (${flow.name}) running\n`);
  let state = "failed";
  try {
    const run = await runRecorded(flow, inputs, { session, runId: id });
    state = run.state;
    session.endRun("done");
  } catch (e) {
    session.endRun("failed", (e as Error).message);
    if (
      e instanceof FlowRunStateError || e instanceof FlowWiringError ||
      e instanceof FlowStepError || e instanceof MapSpecError || e instanceof StepFailedError
    ) {
      throw new CommandError(e.message.split("\n")[0]);
    }
    throw e;
  } finally {
    useSession(previous);
  }
  ctx.out(progressTable(ctx, progressRows(id, { store: session.store, now: ctx.io.now() })));
  if (state !== "succeeded" && !options.allowFailed) {
    throw new CommandError(
      `Cannot complete flow run ${id}: it ended ${state} (see drover flows log ${id}); pass --allow-failed to exit 0`,
    );
  }
}
