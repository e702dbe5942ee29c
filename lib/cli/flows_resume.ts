/**
 * `drover flows resume ID`: continues a flow run after a crash, a reboot or kill -9 (and
 * starts a submitted one: the detached worker runs this). Every finished call is reused
 * from the cache; calls a dead process held are taken over.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import type { FlowRunRecord } from "../store/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import { executeRun, loadFlow, requireRun, runInputs } from "./_flow_exec.ts";
import { parseRunId } from "./runs_show.ts";

/**
 * Imports the flow of a recorded run.
 *
 * @param run The run.
 * @param verb What is to be done, for messages.
 * @returns The flow.
 * @throws {CommandError} when the run has no module or its flow cannot be found.
 */
export async function flowOfRun(
  run: FlowRunRecord,
  verb: string,
): Promise<Awaited<ReturnType<typeof loadFlow>>> {
  if (run.script === null) {
    throw new CommandError(
      `Cannot ${verb} flow run ${run.id}: its module was not recorded (it ran from code with flow.run()); run it with drover flows run script.ts#export`,
    );
  }
  return await loadFlow({ script: run.script, exportName: run.exportName }, run.flow);
}

/**
 * Builds the `flows resume` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function flowsResumeCommand(ctx: Context): CommandUnknownOpts {
  return new Command("resume")
    .description("continue a flow run after a crash (reuses every cached call)")
    .argument("<id>", "the flow run id (see drover flows ls)", parseRunId)
    .option("--detach", "continue it in a background process")
    .option("--allow-failed", "exit 0 even when elements or steps failed")
    .action(async (id, options) => {
      const storeDir = ctx.storeDir();
      let run: FlowRunRecord;
      let inputs: Record<string, unknown>;
      let loaded: Awaited<ReturnType<typeof loadFlow>>;
      {
        using store = ctx.openStore();
        run = requireRun(store, id, "resume");
        inputs = runInputs(store, run);
        if (run.state === "succeeded") {
          ctx.out(`flow run ${id} already succeeded; nothing to resume\n`);
          return;
        }
        if (run.state === "running") {
          throw new CommandError(
            `Cannot resume flow run ${id}: it is running (process ${run.pid} on ${run.host})`,
          );
        }
        try {
          loaded = await flowOfRun(run, "resume");
        } catch (e) {
          // A submitted run whose flow cannot be loaded must not stay pending.
          if (run.state === "pending") {
            store.flowRuns.finish(id, "failed", { error: (e as Error).message });
          }
          throw e;
        }
        if (run.exportName === null) store.flowRuns.setExport(id, loaded.exportName);
      }
      await executeRun(ctx, storeDir, id, loaded.flow, inputs, {
        detach: options.detach === true,
        allowFailed: options.allowFailed === true,
        retryFailed: run.origin === "retry",
      });
    });
}
