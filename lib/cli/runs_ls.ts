/**
 * `drover runs ls`: recent executions of workflow scripts.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Option } from "npm:@commander-js/extra-typings@^14.0.0";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunRecord } from "../store/mod.ts";
import { parseDays } from "./_args.ts";
import type { Context } from "./_context.ts";
import {
  colorState,
  formatDuration,
  formatRelative,
  plural,
  renderTable,
  toJson,
} from "./_output.ts";

/** How many days back `runs ls` looks unless told otherwise. */
export const DEFAULT_DAYS = 7;

const DAY_MS = 86_400_000;

/**
 * Shows a run's script: a path relative to `cwd` when inside it, else absolute; `file:`
 * URLs become paths; other URLs are kept.
 *
 * @param script As recorded (`Deno.mainModule` or a path).
 * @param cwd The working directory.
 * @returns The text to show.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(displayScript("file:///p/flows/a.ts", "/p"), "flows/a.ts");
 * assert.equal(displayScript("/q/b.ts", "/p"), "/q/b.ts");
 * ```
 */
export function displayScript(script: string, cwd: string): string {
  let path = script;
  if (script.startsWith("file:")) {
    try {
      path = fileURLToPath(script);
    } catch {
      return script;
    }
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(script)) {
    return script;
  }
  const rel = relative(cwd, path);
  return rel === "" || rel.startsWith("..") || rel.startsWith("/") ? path : rel;
}

/**
 * Builds the `runs ls` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function runsLsCommand(ctx: Context): CommandUnknownOpts {
  return new Command("ls")
    .description("list workflow runs, newest first")
    .addOption(
      new Option("--days <n>", "only runs started in the last N days")
        .argParser(parseDays)
        .default(DEFAULT_DAYS),
    )
    .option("--json", "print the runs as JSON")
    .action((options) => {
      using store = ctx.openStore();
      const now = ctx.io.now();
      const runs = store.listRuns(now - options.days * DAY_MS);
      if (options.json) {
        ctx.out(toJson(runs));
        return;
      }
      if (runs.length === 0) {
        ctx.out(`No runs in the last ${plural(options.days, "day")}\n`);
        return;
      }
      ctx.out(
        renderTable(
          ["ID", "STATUS", "STARTED", "DURATION", "SCRIPT", "ARGV"],
          runs.map((r) => runRow(ctx, r, now)),
          { right: [0, 3], style: ctx.style },
        ),
      );
    });
}

function runRow(ctx: Context, run: RunRecord, now: number): string[] {
  const duration = run.status === "running"
    ? formatDuration(now - run.startedAt)
    : run.endedAt === null
    ? "-"
    : formatDuration(run.endedAt - run.startedAt);
  return [
    String(run.id),
    colorState(ctx.style, run.status),
    formatRelative(run.startedAt, now),
    duration,
    displayScript(run.script, ctx.io.cwd),
    run.argv.map(quoteArg).join(" "),
  ];
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
