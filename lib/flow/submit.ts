/**
 * Submitting a flow: the run is recorded at once and continues in a detached `deno`
 * process (`drover flows resume ID`) that outlives the terminal; query it with
 * `drover flows progress ID` from any shell.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { callerSite, currentSession, type Session } from "../step/mod.ts";
import type { Flow } from "./flow.ts";
import { recordFlowRun } from "./flow_recorder.ts";

/** The environment variable a flow worker process runs with: the id of its run. */
export const FLOW_WORKER_ENV = "DROVER_FLOW_WORKER";

/** Options of {@linkcode submitFlow}. */
export interface SubmitOptions {
  /** The session whose store records the run. Default: the current session. */
  readonly session?: Session;
  /**
   * The module that exports the flow (path or URL). Default: the module calling `submit`.
   * The worker imports it: keep top-level work behind `if (import.meta.main)`.
   */
  readonly module?: string | URL;
  /** The export holding the flow. Default: the export whose flow has this flow's name. */
  readonly exportName?: string;
  /** The working directory of the worker. Default: `Deno.cwd()`. */
  readonly cwd?: string;
}

/**
 * Records a run of `f` and starts it in a detached worker process; returns its id at once.
 * Inside a worker (which imports the flow's module), returns the worker's own run id and
 * starts nothing.
 *
 * @param f The flow.
 * @param inputs Values of its parameters.
 * @param options Session, module, export, working directory.
 * @returns The run id.
 * @throws {TypeError} when the module is not known (no `module` and no caller file).
 *
 * @example
 * ```ts
 * import { FLOW_WORKER_ENV, first, submitFlow } from "./mod.ts";
 * import { openSession, step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * Deno.env.set(FLOW_WORKER_ENV, "12"); // as inside a worker: nothing is started
 * const half = step("doc-submit-half", ({ x }: { x: number }) => x / 2, { returns: "h" });
 * assert.equal(await submitFlow(first(half), { x: 1 }), 12);
 * Deno.env.delete(FLOW_WORKER_ENV);
 * ```
 */
export async function submitFlow(
  f: Flow,
  inputs: Readonly<Record<string, unknown>>,
  options: SubmitOptions = {},
): Promise<number> {
  const worker = Deno.env.get(FLOW_WORKER_ENV);
  if (worker && /^\d+$/.test(worker)) return Number(worker);
  const module = options.module ?? callerSite(1)?.file;
  if (module === undefined) {
    throw new TypeError(
      `Cannot submit flow "${f.name}": the module exporting it is unknown; pass { module: import.meta.url }`,
    );
  }
  const session = options.session ?? currentSession();
  const cwd = options.cwd ?? Deno.cwd();
  const script = moduleUrl(module);
  const id = recordFlowRun(session.store, f, inputs, {
    origin: "submit",
    script,
    exportName: options.exportName ?? null,
    cwd,
  });
  await spawnFlowWorker(session.store.dir, id, { cwd });
  return id;
}

function moduleUrl(module: string | URL): string {
  const s = String(module);
  return /^[a-z][a-z0-9+.-]*:/i.test(s) && !/^[A-Za-z]:\\/.test(s) ? s : pathToFileURL(s).href;
}

/**
 * Starts `drover flows resume ID` as a detached process (its own session, stdin closed,
 * output appended to `.drover/flow-runs/ID.log`) that outlives this one.
 *
 * @param storeDir The `.drover` directory.
 * @param id The run (recorded, `pending` or resumable).
 * @param options The worker's working directory.
 * @returns The worker's process id.
 */
export async function spawnFlowWorker(
  storeDir: string,
  id: number,
  options: { readonly cwd?: string } = {},
): Promise<number> {
  const cli = new URL("../../cli.ts", import.meta.url);
  const logDir = join(storeDir, "flow-runs");
  await Deno.mkdir(logDir, { recursive: true });
  const log = join(logDir, `${id}.log`);
  const entry = cli.protocol === "file:" ? fileURLToPath(cli) : cli.href;
  const child = new Deno.Command("sh", {
    args: [
      "-c",
      'exec "$0" run -A "$1" flows resume "$2" --project "$3" >>"$4" 2>&1',
      Deno.execPath(),
      entry,
      String(id),
      storeDir,
      log,
    ],
    cwd: options.cwd ?? Deno.cwd(),
    env: { [FLOW_WORKER_ENV]: String(id), NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
  child.unref();
  return child.pid;
}
