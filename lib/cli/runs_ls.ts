/**
 * `drover runs ls`: recent executions of workflow scripts.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Option } from "npm:@commander-js/extra-typings@^14.0.0";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { countCallsByRun, type RunCallCounts, type RunRecord } from "../store/mod.ts";
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
      const runs = store.runs.list(now - options.days * DAY_MS);
      const counts = countCallsByRun(store, runs.map((r) => r.id));
      if (options.json) {
        ctx.out(toJson(runs.map((r) => ({ ...r, calls: runCounts(counts.get(r.id)!, r) }))));
        return;
      }
      if (runs.length === 0) {
        ctx.out(`No runs in the last ${plural(options.days, "day")}\n`);
        return;
      }
      ctx.out(
        renderTable(
          ["ID", "STATUS", "STARTED", "DURATION", "RAN", "CACHED", "FAILED", "SCRIPT", "ARGV"],
          runs.map((r) => runRow(ctx, r, now, runCounts(counts.get(r.id)!, r))),
          { right: [0, 3, 4, 5, 6], style: ctx.style },
        ),
      );
    });
}

/** The calls of one run by outcome, as `runs ls` and `runs show` print them. */
export interface RunCounts extends RunCallCounts {
  /**
   * Calls answered from the cache. null: this store does not record cache hits per run
   * (shown as `-`).
   */
  readonly cached: number | null;
}

/**
 * Adds the cache hits of a run to the counts of the calls it executed.
 *
 * @param counts As from `countCallsByRun`.
 * @param run The run (its `cached` is counted when it ends).
 * @returns The counts; `cached` is null while the run goes on, or for runs of old stores.
 */
export function runCounts(counts: RunCallCounts, run: Pick<RunRecord, "cached">): RunCounts {
  return { ...counts, cached: run.cached };
}

function runRow(ctx: Context, run: RunRecord, now: number, counts: RunCounts): string[] {
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
    String(counts.ran),
    counts.cached === null ? "-" : String(counts.cached),
    counts.failed === 0 ? "0" : ctx.style.red(String(counts.failed)),
    displayScript(run.script, ctx.io.cwd),
    run.argv.map(quoteArg).join(" "),
  ];
}

/**
 * Quotes a script argument for display as a shell would need it.
 *
 * @param arg The argument.
 * @returns It, single-quoted when it holds anything but plain characters.
 */
export function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
