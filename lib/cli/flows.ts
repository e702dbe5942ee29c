/**
 * `drover flows ...`: list, inspect, draw, run, resume, restart and retry flow runs.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import type { Context } from "./_context.ts";
import { flowsGraphCommand } from "./flows_graph.ts";
import { flowsLogCommand } from "./flows_log.ts";
import { flowsLsCommand } from "./flows_ls.ts";
import { flowsProgressCommand } from "./flows_progress.ts";
import { flowsRestartCommand, flowsRetryCommand } from "./flows_rerun.ts";
import { flowsResumeCommand } from "./flows_resume.ts";
import { flowsRunCommand } from "./flows_run.ts";
import { flowsSamplesCommand } from "./flows_samples.ts";

/**
 * Builds the `flows` command group.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function flowsCommand(ctx: Context): CommandUnknownOpts {
  return new Command("flows")
    .description("run flows, and list, inspect, draw and resume their runs")
    .helpCommand(false)
    .addCommand(flowsLsCommand(ctx))
    .addCommand(flowsProgressCommand(ctx))
    .addCommand(flowsLogCommand(ctx))
    .addCommand(flowsGraphCommand(ctx))
    .addCommand(flowsSamplesCommand(ctx))
    .addCommand(flowsRunCommand(ctx))
    .addCommand(flowsResumeCommand(ctx))
    .addCommand(flowsRestartCommand(ctx))
    .addCommand(flowsRetryCommand(ctx));
}
