/**
 * `drover flows progress ID`: per step of a flow run, its state, elements by state and
 * time; live while the run goes on (from any shell).
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { loadFlowRun, type ProgressRow, progressRows } from "../flow/mod.ts";
import type { Context } from "./_context.ts";
import { requireRun } from "./_flow_exec.ts";
import { formatDuration, formatRelative, renderTable, type Style, toJson } from "./_output.ts";
import { parseRunId } from "./runs_show.ts";

/**
 * Renders progress rows as a table.
 *
 * @param ctx The invocation's context (styling).
 * @param rows The rows.
 * @returns The table text.
 */
export function progressTable(ctx: Context, rows: readonly ProgressRow[]): string {
  return renderTable(
    ["STEP", "STATE", "OK", "FAILED", "SKIPPED", "TOTAL", "RESTARTS", "TIME"],
    rows.map((r) => [
      r.step,
      colorFlowState(ctx.style, r.state),
      String(r.ok),
      r.failed ? ctx.style.red(String(r.failed)) : "0",
      String(r.skipped),
      String(r.total),
      String(r.restarts),
      r.state === "pending" ? "-" : formatDuration(r.ms),
    ]),
    { right: [2, 3, 4, 5, 6, 7], style: ctx.style },
  );
}

/**
 * Colors a flow run or step state: succeeded green, failed red, partial, skipped,
 * running and interrupted yellow.
 *
 * @param style The styling.
 * @param state The state.
 * @returns The colored text.
 */
export function colorFlowState(style: Style, state: string): string {
  if (state === "succeeded") return style.green(state);
  if (state === "failed") return style.red(state);
  if (state === "pending") return state;
  return style.yellow(state);
}

/**
 * Builds the `flows progress` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function flowsProgressCommand(ctx: Context): CommandUnknownOpts {
  return new Command("progress")
    .description("show a flow run's steps: state, elements ok/failed/skipped/total, time")
    .argument("<id>", "the flow run id (see drover flows ls)", parseRunId)
    .option("--json", "print the run and its steps as JSON")
    .action((id, options) => {
      using store = ctx.openStore();
      const run = requireRun(store, id, "show");
      const now = ctx.io.now();
      const rows = progressRows(loadFlowRun(store, id), { now });
      if (options.json) {
        ctx.out(toJson({ run, steps: rows }));
        return;
      }
      const took = formatDuration((run.endedAt ?? now) - run.startedAt);
      ctx.out(
        `flow run ${id} (${run.flow}): ${colorFlowState(ctx.style, run.state)}, started ${
          formatRelative(run.startedAt, now)
        }, ${took}${run.error ? `: ${run.error}` : ""}\n`,
      );
      ctx.out(progressTable(ctx, rows));
    });
}
