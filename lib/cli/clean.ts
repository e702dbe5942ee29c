/**
 * `drover clean`: forget calls, and jobs that are over, that ended longer ago than a given
 * age.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Option } from "npm:@commander-js/extra-typings@^14.0.0";
import type { CallState } from "../store/mod.ts";
import { parseStates } from "./_args.ts";
import type { Context } from "./_context.ts";
import { UsageError } from "./_errors.ts";
import { durationArg } from "./_duration.ts";
import { formatTime, plural, toJson } from "./_output.ts";

/** The call states `clean` removes unless told otherwise. */
export const DEFAULT_CLEAN_STATES: readonly CallState[] = ["done", "failed"];

/** What `clean` did (or would do). */
export interface CleanSummary {
  /** Whether nothing was changed. */
  readonly dryRun: boolean;
  /** Calls and jobs ending before this time (ms since the epoch) were removed. */
  readonly before: number;
  /** Calls removed, by step. */
  readonly calls: Readonly<Record<string, number>>;
  /** Jobs removed (finished or cancelled). */
  readonly jobs: number;
}

/**
 * Says what `clean` did.
 *
 * @param summary The counts.
 * @param now The current time.
 * @returns One or two lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeClean({ dryRun: true, before: 0, calls: { relax: 2 }, jobs: 1 }, 604_800_000),
 *   "Would remove 2 calls (relax 2) and 1 job that ended before 1970-01-01T00:00:00.000Z (7d ago)\n",
 * );
 * ```
 */
export function describeClean(summary: CleanSummary, now: number): string {
  const n = Object.values(summary.calls).reduce((a, b) => a + b, 0);
  const steps = Object.entries(summary.calls).map(([s, c]) => `${s} ${c}`).join(", ");
  const verb = summary.dryRun ? "Would remove" : "Removed";
  const text = `${verb} ${plural(n, "call")}${steps ? ` (${steps})` : ""} and ${
    plural(summary.jobs, "job")
  } that ended before ${formatTime(summary.before, now)}\n`;
  return summary.dryRun || n === 0
    ? text
    : `${text}Their objects stay until "drover gc"; job directories on systems stay until "drover jobs rm --clean"\n`;
}

/**
 * Builds the `clean` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function cleanCommand(ctx: Context): CommandUnknownOpts {
  return new Command("clean")
    .description("forget calls and jobs that ended before --older-than")
    .addOption(
      new Option("--older-than <age>", "required: remove what ended longer ago, e.g. 7d, 12h, 30m")
        .argParser(durationArg),
    )
    .addOption(
      new Option("--state <states>", "only calls in these states (default: done,failed)")
        .argParser(parseStates),
    )
    .option("--dry-run", "only say what would be removed")
    .option("--json", "print the result as JSON")
    .action((options) => {
      const age = options.olderThan;
      if (age === undefined) {
        throw new UsageError(
          "Cannot clean: --older-than is required (e.g. --older-than 7d), so recent work is never removed by accident",
        );
      }
      using store = ctx.openStore();
      const dryRun = options.dryRun ?? false;
      const before = ctx.io.now() - age;
      const filter = {
        states: options.state ?? DEFAULT_CLEAN_STATES,
        where: `ended_at IS NOT NULL AND ended_at < ${before}`,
      };
      const atomically = <T>(fn: () => T): T => dryRun ? fn() : store.transaction(fn);
      const summary = atomically((): CleanSummary => {
        const calls: Record<string, number> = {};
        for (const c of store.countCalls(filter)) calls[c.step] = (calls[c.step] ?? 0) + c.count;
        store.removeCalls(filter, { dryRun });
        const jobs = store.jobs.listJobs({ states: ["finished", "cancelled"] })
          .filter((j) => j.endedAt !== null && j.endedAt < before);
        if (!dryRun) store.jobs.removeJobs(jobs.map((j) => j.id));
        return { dryRun, before, calls, jobs: jobs.length };
      });
      ctx.out(options.json ? toJson(summary) : describeClean(summary, ctx.io.now()));
    });
}
