/**
 * `drover flows restart ID --set name=value` (a new run with changed inputs) and `drover
 * flows retry ID --failed` (a new run that reruns only the calls that failed): both reuse
 * every cached call.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { recordFlowRun } from "../flow/mod.ts";
import type { FlowRunOrigin } from "../store/mod.ts";
import type { Context } from "./_context.ts";
import { UsageError } from "./_errors.ts";
import { collectSet, executeRun, requireRun, runInputs } from "./_flow_exec.ts";
import { flowOfRun } from "./flows_resume.ts";
import { parseRunId } from "./runs_show.ts";

async function rerun(
  ctx: Context,
  id: number,
  origin: FlowRunOrigin,
  changes: Readonly<Record<string, unknown>>,
  options: { detach?: boolean; allowFailed?: boolean },
): Promise<void> {
  const storeDir = ctx.storeDir();
  using store = ctx.openStore();
  const old = requireRun(store, id, origin);
  const inputs = { ...runInputs(store, old), ...changes };
  const { flow, exportName } = await flowOfRun(old, origin);
  const next = recordFlowRun(store, flow, inputs, {
    origin,
    parent: id,
    script: old.script,
    exportName,
    cwd: ctx.io.cwd,
  });
  ctx.io.stderr(`flow run ${next}: ${origin} of flow run ${id}\n`);
  await executeRun(ctx, storeDir, next, flow, inputs, {
    ...options,
    retryFailed: origin === "retry",
  });
}

/**
 * Builds the `flows restart` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function flowsRestartCommand(ctx: Context): CommandUnknownOpts {
  return new Command("restart")
    .description("run a flow run again with changed inputs, reusing every cached call")
    .argument("<id>", "the flow run id (see drover flows ls)", parseRunId)
    .option("--set <name=value>", "change an input (value as YAML); repeatable", collectSet)
    .option("--detach", "run it in a background process")
    .option("--allow-failed", "exit 0 even when elements or steps failed")
    .action(async (id, options) => {
      await rerun(ctx, id, "restart", options.set ?? {}, {
        detach: options.detach === true,
        allowFailed: options.allowFailed === true,
      });
    });
}

/**
 * Builds the `flows retry` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function flowsRetryCommand(ctx: Context): CommandUnknownOpts {
  return new Command("retry")
    .description("run a flow run again, rerunning only the calls that failed")
    .argument("<id>", "the flow run id (see drover flows ls)", parseRunId)
    .option("--failed", "rerun the failed calls (required)")
    .option("--detach", "run it in a background process")
    .option("--allow-failed", "exit 0 even when elements or steps failed")
    .action(async (id, options) => {
      if (!options.failed) {
        throw new UsageError(`Cannot retry flow run ${id}: say what to retry with --failed`);
      }
      await rerun(ctx, id, "retry", {}, {
        detach: options.detach === true,
        allowFailed: options.allowFailed === true,
      });
    });
}
