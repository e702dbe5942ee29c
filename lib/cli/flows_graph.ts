/**
 * `drover flows graph ID --format dot|mermaid|svg|png`: a flow run drawn with its step
 * states (svg and png through Graphviz's `dot`).
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Option } from "npm:@commander-js/extra-typings@^14.0.0";
import { resolve } from "node:path";
import { flowGraph, loadFlowRun } from "../flow/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError, UsageError } from "./_errors.ts";
import { requireRun } from "./_flow_exec.ts";
import { renderDot } from "./_graphviz.ts";
import { parseRunId } from "./runs_show.ts";

/**
 * Builds the `flows graph` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function flowsGraphCommand(ctx: Context): CommandUnknownOpts {
  return new Command("graph")
    .description("draw a flow run: data as ellipses, steps as boxes, failed/skipped coloured")
    .argument("<id>", "the flow run id (see drover flows ls)", parseRunId)
    .addOption(
      new Option("--format <format>", "dot, mermaid, svg or png (svg/png need Graphviz)")
        .choices(["dot", "mermaid", "svg", "png"] as const)
        .default("dot" as const),
    )
    .option("-o, --output <file>", "write to this file (png needs one)")
    .action(async (id, options) => {
      if (options.format === "png" && options.output === undefined) {
        throw new UsageError("Cannot draw a png to the terminal: pass -o FILE");
      }
      using store = ctx.openStore();
      requireRun(store, id, "draw");
      const view = loadFlowRun(store, id);
      const text = flowGraph(view, { format: options.format === "mermaid" ? "mermaid" : "dot" });
      const bytes = options.format === "svg" || options.format === "png"
        ? await renderDot(text, options.format)
        : new TextEncoder().encode(text);
      if (options.output === undefined) {
        ctx.io.stdout(new TextDecoder().decode(bytes));
        return;
      }
      const path = resolve(ctx.io.cwd, options.output);
      try {
        await Deno.writeFile(`${path}.tmp`, bytes);
        await Deno.rename(`${path}.tmp`, path);
      } catch (e) {
        throw new CommandError(`Cannot write graph "${options.output}": ${(e as Error).message}`);
      }
      ctx.io.stderr(`wrote ${options.output}\n`);
    });
}
