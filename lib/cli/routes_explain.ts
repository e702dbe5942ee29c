/**
 * `drover routes explain`: which key of `DROVER_REMOTE_INFO` routes a call, and why the
 * others do not.
 *
 * The calls come from `--stack`, or with `--script FILE` from the routed step calls the
 * script's newest run recorded in the store; both go through {@linkcode explainCalls}.
 *
 * @module
 */
import {
  Command,
  type CommandUnknownOpts,
  InvalidArgumentError,
} from "npm:@commander-js/extra-typings@^14.0.0";
import {
  displayFile,
  explainRoutes,
  loadRemoteInfo,
  parseStackText,
  REMOTE_INFO_VAR,
  type RemoteInfo,
  RemoteInfoError,
  type RouteExplanation,
  type StackFrame,
} from "../routing/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError, UsageError } from "./_errors.ts";
import { formatTime, plural, toJson } from "./_output.ts";
import { asPath, newestRunOf, type ScriptRun } from "./_script_runs.ts";

/** One step call to explain: the stack that led to it and the step itself. */
export interface RecordedCall {
  /** Frames before the step call, outermost first. */
  readonly stack: readonly StackFrame[];
  /** The step's name. */
  readonly stepName: string;
  /** The file in which the step was defined. */
  readonly stepFile?: string;
  /** The label set in code, if any. */
  readonly label?: string;
}

/** The explanation of one call, as `routes explain --json` prints it. */
export interface CallExplanation extends RouteExplanation {
  /** The step's name. */
  readonly step: string;
  /** The file in which the step was defined, relative to the working directory if inside. */
  readonly stepFile: string | null;
  /** The call's label, or null. */
  readonly label: string | null;
}

/**
 * Explains how remote info routes each of a list of calls.
 *
 * @param info The remote info.
 * @param calls The calls (from `--stack`, later from the store).
 * @param cwd Files are shown relative to this directory.
 * @returns One explanation per call, in order.
 *
 * @example
 * ```ts
 * import { parseRemoteInfo } from "../routing/mod.ts";
 * import assert from "node:assert/strict";
 * const info = parseRemoteInfo({ "*::relax": { system: "cluster" } });
 * const [call] = explainCalls(info, [{ stack: [], stepName: "relax" }], "/p");
 * assert.equal(call.system, "cluster");
 * ```
 */
export function explainCalls(
  info: RemoteInfo,
  calls: readonly RecordedCall[],
  cwd: string,
): CallExplanation[] {
  return calls.map((call) => ({
    step: call.stepName,
    stepFile: call.stepFile === undefined ? null : displayFile(call.stepFile, cwd),
    label: call.label ?? null,
    ...explainRoutes(info, call.stack, { ...call, cwd }),
  }));
}

/**
 * Turns one `--stack` value into a call: the last element is the step call
 * (`<file defining the step>::<step name>`), the others the frames before it.
 *
 * @param text `relax_all.ts::main,lib/relax.ts::relax`.
 * @param cwd Relative files are resolved against it.
 * @param label The call's label, if any.
 * @returns The call.
 * @throws {RangeError} When an element is not `file::function`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(callFromStackText("a.ts::main,lib/r.ts::relax", "/p"), {
 *   stack: [{ file: "/p/a.ts", function: "main" }],
 *   stepName: "relax",
 *   stepFile: "/p/lib/r.ts",
 * });
 * ```
 */
export function callFromStackText(text: string, cwd: string, label?: string): RecordedCall {
  const frames = parseStackText(text, cwd);
  const step = frames[frames.length - 1];
  return {
    stack: frames.slice(0, -1),
    stepName: step.function,
    stepFile: step.file,
    ...(label === undefined ? {} : { label }),
  };
}

/**
 * Builds the `routes explain` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function routesExplainCommand(ctx: Context): CommandUnknownOpts {
  return new Command("explain")
    .summary("show which remote info key routes a call and why")
    .description(
      `Show which key of ${REMOTE_INFO_VAR} (JSON, or the path of a JSON file) routes each ` +
        "given call, and why the other keys do not. A call is given as its stack: the frames " +
        "that led to it, outermost first, then the step call itself as " +
        "<file defining the step>::<step name>.",
    )
    .option(
      "--stack <frames>",
      'a call as "file.ts::function,...,step-file.ts::step" (outermost first, the step ' +
        "call last); repeat for several calls",
      (value: string, previous: string[] | undefined) => {
        try {
          parseStackText(value, ctx.io.cwd);
        } catch (e) {
          throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
        }
        return [...(previous ?? []), value];
      },
    )
    .option("--label <label>", "the label the calls carry (a step option or remote())")
    .option(
      "--script <file>",
      "explain the routed step calls recorded by the newest run of this script",
    )
    .option("--json", "print the explanations as JSON")
    .action((options) => {
      const { calls, run } = callsToExplain(ctx, options);
      let info: RemoteInfo | undefined;
      try {
        info = loadRemoteInfo(ctx.io.env, { cwd: ctx.io.cwd });
      } catch (e) {
        if (e instanceof RemoteInfoError) throw new CommandError(e.message, { cause: e });
        throw e;
      }
      if (info === undefined) {
        throw new CommandError(
          `Cannot explain routes: ${REMOTE_INFO_VAR} is not set, so every call runs locally`,
        );
      }
      const explained = explainCalls(info, calls, ctx.io.cwd);
      if (options.json) {
        ctx.out(toJson({ source: info.source, ...(run ? { run } : {}), calls: explained }));
        return;
      }
      if (run) {
        ctx.out(
          `Step calls recorded by run ${run.id} of ${
            displayFile(asPath(run.script), ctx.io.cwd)
          } (started ${formatTime(run.startedAt, ctx.io.now())})\n`,
        );
      }
      ctx.out(render(ctx, info, explained));
    });
}

function callsToExplain(
  ctx: Context,
  options: { stack?: string[]; label?: string; script?: string },
): { calls: RecordedCall[]; run?: ScriptRun } {
  if (options.script !== undefined && options.stack !== undefined) {
    throw new UsageError("Cannot explain routes: give --stack or --script, not both");
  }
  if (options.script !== undefined && options.label !== undefined) {
    throw new UsageError(
      "Cannot explain routes: --label goes with --stack; with --script the recorded labels are used",
    );
  }
  if (options.script !== undefined) return callsOfScript(ctx, options.script);
  if (options.stack === undefined) {
    throw new UsageError(
      'Cannot explain routes: no call given; pass --stack "file.ts::function,...,step-file.ts::step"',
    );
  }
  return { calls: options.stack.map((text) => callFromStackText(text, ctx.io.cwd, options.label)) };
}

function callsOfScript(ctx: Context, file: string): { calls: RecordedCall[]; run: ScriptRun } {
  using store = ctx.openStore();
  const run = newestRunOf(store, file, ctx.io.cwd);
  if (run === undefined) {
    throw new CommandError(
      `Cannot explain the routes of "${file}": no run of it is recorded in this store`,
    );
  }
  const sites = store.jobs.callSitesOf(run.id);
  if (sites.length === 0) {
    throw new CommandError(
      `Cannot explain the routes of "${file}": its newest run (run ${run.id}) recorded no routed step calls (it ran without remote info, or called no steps)`,
    );
  }
  const calls = sites.map((site) => ({
    stack: site.frames,
    stepName: site.step,
    ...(site.stepFile === undefined ? {} : { stepFile: site.stepFile }),
    ...(site.label === undefined ? {} : { label: site.label }),
  }));
  return { calls, run };
}

function render(ctx: Context, info: RemoteInfo, calls: readonly CallExplanation[]): string {
  const { bold, dim, green, red } = ctx.style;
  const out = [`Remote info ${info.source}: ${plural(info.rules.length, "key")}`];
  calls.forEach((call, i) => {
    const where = call.stepFile === null ? "" : ` (defined in ${call.stepFile})`;
    const label = call.label === null ? "no label" : `label "${call.label}"`;
    out.push("", bold(`Call ${i + 1}: step "${call.step}"${where}, ${label}`));
    const width = String(call.frames.length).length;
    call.frames.forEach((frame, j) => {
      const last = j === call.frames.length - 1 ? "  (the step call)" : "";
      out.push(`  frame ${String(j + 1).padStart(width)}  ${frame}${last}`);
    });
    if (call.conflict.length > 0) {
      out.push(red(
        `  not routed: keys ${
          call.conflict.map((k) => JSON.stringify(k)).join(" and ")
        } match equally well (the workflow stops with an error)`,
      ));
    } else if (call.chosen === undefined) {
      out.push("  runs locally: no key matches");
    } else {
      out.push(green(`  runs on system "${call.system}" by key ${JSON.stringify(call.chosen)}`));
    }
    out.push("");
    for (const key of call.keys) {
      const mark = key.chosen
        ? green("chosen  ")
        : call.conflict.includes(key.key)
        ? red("tied    ")
        : key.matched
        ? "matched "
        : dim("no match");
      out.push(`  ${mark}  ${key.key}`, `            ${key.reason}`);
    }
  });
  return out.join("\n") + "\n";
}
