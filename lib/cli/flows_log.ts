/**
 * `drover flows log ID`: what happened in a flow run, in order.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { loadFlowRun, logLines } from "../flow/mod.ts";
import type { Context } from "./_context.ts";
import { requireRun } from "./_flow_exec.ts";
import { toJson } from "./_output.ts";
import { parseRunId } from "./runs_show.ts";

/**
 * Builds the `flows log` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function flowsLogCommand(ctx: Context): CommandUnknownOpts {
  return new Command("log")
    .description("show a flow run's log: steps started, elements failed, steps skipped")
    .argument("<id>", "the flow run id (see drover flows ls)", parseRunId)
    .option("--json", "print the entries as JSON")
    .action((id, options) => {
      using store = ctx.openStore();
      requireRun(store, id, "show the log of");
      if (options.json) {
        ctx.out(toJson(store.flowRuns.log(id)));
        return;
      }
      const lines = logLines(loadFlowRun(store, id));
      ctx.out(lines.length ? lines.join("\n") + "\n" : `flow run ${id} has no log entries yet\n`);
    });
}
