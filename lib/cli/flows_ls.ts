/**
 * `drover flows ls`: recent flow runs.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Option } from "npm:@commander-js/extra-typings@^14.0.0";
import type { FlowRunRecord } from "../store/mod.ts";
import { parseDays } from "./_args.ts";
import type { Context } from "./_context.ts";
import { formatDuration, formatRelative, plural, renderTable, toJson } from "./_output.ts";
import { colorFlowState } from "./flows_progress.ts";
import { DEFAULT_DAYS, displayScript } from "./runs_ls.ts";

const DAY_MS = 86_400_000;

/**
 * Builds the `flows ls` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function flowsLsCommand(ctx: Context): CommandUnknownOpts {
  return new Command("ls")
    .description("list flow runs, newest first")
    .addOption(
      new Option("--days <n>", "only runs started in the last N days")
        .argParser(parseDays)
        .default(DEFAULT_DAYS),
    )
    .option("--json", "print the runs as JSON")
    .action((options) => {
      using store = ctx.openStore();
      const now = ctx.io.now();
      const runs = store.flowRuns.list(now - options.days * DAY_MS);
      if (options.json) {
        ctx.out(toJson(runs));
        return;
      }
      if (runs.length === 0) {
        ctx.out(`No flow runs in the last ${plural(options.days, "day")}\n`);
        return;
      }
      ctx.out(renderTable(
        ["ID", "STATE", "FLOW", "STARTED", "DURATION", "OK", "FAILED", "SKIPPED", "FROM", "SCRIPT"],
        runs.map((r) => row(ctx, r, now)),
        { right: [0, 4, 5, 6, 7], style: ctx.style },
      ));
    });
}

function row(ctx: Context, r: FlowRunRecord, now: number): string[] {
  return [
    String(r.id),
    colorFlowState(ctx.style, r.state),
    r.flow,
    formatRelative(r.startedAt, now),
    r.state === "pending" ? "-" : formatDuration((r.endedAt ?? now) - r.startedAt),
    String(r.counts.ok),
    r.counts.failed ? ctx.style.red(String(r.counts.failed)) : "0",
    String(r.counts.skipped),
    r.parent === null ? r.origin : `${r.origin} ${r.parent}`,
    r.script === null
      ? "-"
      : `${displayScript(r.script, ctx.io.cwd)}${r.exportName ? `#${r.exportName}` : ""}`,
  ];
}
