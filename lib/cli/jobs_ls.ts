/**
 * `drover jobs ls`: list recorded jobs (scheduler job arrays), newest first.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Option } from "npm:@commander-js/extra-typings@^14.0.0";
import type { JobRecord, JobState, Store } from "../store/mod.ts";
import { parseCount } from "./_args.ts";
import type { Context } from "./_context.ts";
import { countJobCalls, jobSummary, parseJobStates, selectJobIds } from "./_jobs.ts";
import { formatRelative, plural, renderTable, type Style, toJson } from "./_output.ts";

/** How many jobs `jobs ls` shows unless told otherwise. */
export const DEFAULT_JOB_LIMIT = 50;

/**
 * Colors a job state: finished green, cancelled red, staged/submitted yellow.
 *
 * @param style The styling.
 * @param state The state.
 * @returns The colored text.
 */
export function colorJobState(style: Style, state: JobState): string {
  switch (state) {
    case "finished":
      return style.green(state);
    case "cancelled":
      return style.red(state);
    default:
      return style.yellow(state);
  }
}

/**
 * Builds the `jobs ls` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function jobsLsCommand(ctx: Context): CommandUnknownOpts {
  return new Command("ls")
    .description("list recorded jobs, newest first")
    .option("--system <name>", "only jobs on this system")
    .addOption(
      new Option(
        "--state <states>",
        "only jobs in these states: staged, submitted, finished, cancelled",
      ).argParser(parseJobStates),
    )
    .option("--where <sql>", `SQL condition on the jobs columns, e.g. "attempt > 1"`)
    .addOption(
      new Option("--limit <n>", "show at most N jobs; 0 shows all")
        .argParser(parseCount)
        .default(DEFAULT_JOB_LIMIT),
    )
    .option("--json", "print the jobs as JSON")
    .action((options) => {
      using store = ctx.openStore();
      const filter = { system: options.system, states: options.state };
      const jobs = list(store, { ...filter, where: options.where, limit: options.limit });
      const counts = countJobCalls(store, jobs.map((j) => j.id));
      if (options.json) {
        ctx.out(toJson(jobs.map((j) => jobSummary(j, counts.get(j.id)!))));
        return;
      }
      if (jobs.length === 0) {
        ctx.out("No jobs match\n");
        return;
      }
      const now = ctx.io.now();
      const rows = jobs.map((j) => {
        const c = counts.get(j.id)!;
        return [
          String(j.id),
          j.name,
          j.system,
          j.schedulerId ?? "-",
          colorJobState(ctx.style, j.state) + (j.pendingReason ? ` (${j.pendingReason})` : ""),
          String(j.size),
          String(c.done),
          c.failed ? ctx.style.red(String(c.failed)) : "0",
          String(c.pending),
          String(j.attempt),
          formatRelative(j.createdAt, now),
        ];
      });
      ctx.out(renderTable(
        [
          "ID",
          "NAME",
          "SYSTEM",
          "SCHED ID",
          "STATE",
          "ELEMENTS",
          "DONE",
          "FAILED",
          "PENDING",
          "ATTEMPT",
          "AGE",
        ],
        rows,
        { right: [0, 5, 6, 7, 8, 9], style: ctx.style },
      ));
      if (options.limit > 0 && jobs.length === options.limit) {
        const total = list(store, { ...filter, where: options.where, limit: 0 }).length;
        if (total > jobs.length) {
          ctx.out(
            ctx.style.dim(`${jobs.length} of ${plural(total, "job")} shown; --limit 0 shows all`) +
              "\n",
          );
        }
      }
    });
}

function list(
  store: Store,
  filter: { system?: string; states?: JobState[]; where?: string; limit: number },
): JobRecord[] {
  if (filter.where === undefined) return store.jobs.listJobs(filter);
  const ids = selectJobIds(store, { ...filter, where: filter.where });
  return ids.length === 0 ? [] : store.jobs.listJobs({ ids });
}
