/**
 * `drover flows run script.ts#exportName --inputs inputs.yaml [--detach]`: records a run
 * of an exported flow and runs it here, or in a detached process that outlives the
 * terminal.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { recordFlowRun } from "../flow/mod.ts";
import type { Context } from "./_context.ts";
import { executeRun, loadFlow, parseTarget, readInputs } from "./_flow_exec.ts";

/**
 * Builds the `flows run` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function flowsRunCommand(ctx: Context): CommandUnknownOpts {
  return new Command("run")
    .description("run an exported flow with inputs from a YAML or JSON file")
    .argument("<target>", "the module and export: script.ts#exportName")
    .option("--inputs <file>", "the flow's inputs: a YAML or JSON mapping")
    .option("--detach", "run it in a background process and print its id")
    .option("--allow-failed", "exit 0 even when elements or steps failed")
    .action(async (targetText, options) => {
      const target = parseTarget(targetText, ctx.io.cwd);
      const inputs = options.inputs === undefined ? {} : readInputs(options.inputs, ctx.io.cwd);
      const { flow, exportName } = await loadFlow(target);
      const storeDir = ctx.storeDir();
      let id: number;
      {
        using store = ctx.openStore();
        id = recordFlowRun(store, flow, inputs, {
          origin: "run",
          script: target.script,
          exportName,
          cwd: ctx.io.cwd,
        });
      }
      await executeRun(ctx, storeDir, id, flow, inputs, {
        detach: options.detach === true,
        allowFailed: options.allowFailed === true,
      });
    });
}
