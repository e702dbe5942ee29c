/**
 * `drover jobs cancel`: cancel live jobs at their scheduler and mark them cancelled. Their
 * unfinished calls stay running in the store, so the next run of their script restarts
 * them.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import type { JobRecord, Store } from "../store/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError, UsageError } from "./_errors.ts";
import { isLive, LIVE_JOB_STATES, resolveJob } from "./_jobs.ts";
import { plural, toJson } from "./_output.ts";
import { configuredSystems, linkTo, remoteProblem, withConnections } from "./_remote.ts";

/** The error recorded on jobs cancelled by hand. */
export const CANCELLED_BY_HAND = "cancelled with drover jobs cancel";

/** What happened to the jobs of one system. */
export interface CancelOutcome {
  /** The system. */
  readonly system: string;
  /** Jobs marked cancelled. */
  readonly cancelled: readonly { id: number; name: string; schedulerId: string | null }[];
  /** Why the system's jobs were left alone, when they were. */
  readonly error?: string;
}

/**
 * Cancels live jobs, system by system: the scheduler is asked to cancel them (staged jobs
 * are first looked up by name, in case their submission got through unrecorded), then the
 * store marks them cancelled. A system that cannot be reached keeps its jobs as they were.
 *
 * @param ctx The invocation's context.
 * @param store The store.
 * @param jobs Live jobs.
 * @param now The time recorded as their end.
 * @returns One outcome per system.
 */
export async function cancelJobs(
  ctx: Context,
  store: Store,
  jobs: readonly JobRecord[],
  now: number,
): Promise<CancelOutcome[]> {
  const bySystem = new Map<string, JobRecord[]>();
  for (const job of jobs) bySystem.set(job.system, [...(bySystem.get(job.system) ?? []), job]);
  const systems = configuredSystems(ctx);
  const outcomes: CancelOutcome[] = [];
  for (const [name, group] of [...bySystem].sort(([a], [b]) => a.localeCompare(b))) {
    const system = systems[name];
    if (!system) {
      outcomes.push({ system: name, cancelled: [], error: "it is not configured" });
      continue;
    }
    try {
      const link = linkTo(ctx, system);
      const ids = new Map(group.map((j) => [j.id, j.schedulerId]));
      if (group.some((j) => j.schedulerId === null)) {
        const listed = await link.driver.status(link.transport);
        for (const j of group) ids.set(j.id, j.schedulerId ?? listed.get(j.name)?.id ?? null);
      }
      const toCancel = [...ids.values()].filter((id): id is string => id !== null);
      if (toCancel.length > 0) await link.driver.cancel(link.transport, toCancel);
      store.transaction(() => {
        for (const j of group) store.jobs.markEnded(j.id, "cancelled", now, CANCELLED_BY_HAND);
      });
      outcomes.push({
        system: name,
        cancelled: group.map((j) => ({ id: j.id, name: j.name, schedulerId: ids.get(j.id)! })),
      });
    } catch (e) {
      const reason = remoteProblem(e, name);
      if (reason === undefined) throw e;
      outcomes.push({ system: name, cancelled: [], error: reason });
    }
  }
  return outcomes;
}

/**
 * Builds the `jobs cancel` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function jobsCancelCommand(ctx: Context): CommandUnknownOpts {
  return new Command("cancel")
    .description("cancel live jobs at their scheduler")
    .argument("[jobs...]", "job ids or names")
    .option("--system <name>", "cancel every live job on this system")
    .option("--all", "cancel every live job on every system")
    .option("--json", "print the result as JSON")
    .action(async (refs, options) => {
      const named = refs.length > 0;
      if (named && (options.system !== undefined || options.all)) {
        throw new UsageError("Cannot cancel jobs: name jobs, or use --system or --all, not both");
      }
      if (!named && options.system === undefined && !options.all) {
        throw new UsageError(
          "Cannot cancel jobs: none given; name jobs, or use --system NAME or --all for every live job",
        );
      }
      using store = ctx.openStore();
      let jobs: JobRecord[];
      const skipped: JobRecord[] = [];
      if (named) {
        jobs = [];
        for (const ref of refs) {
          const job = resolveJob(store, ref);
          if (jobs.some((j) => j.id === job.id)) continue;
          (isLive(job) ? jobs : skipped).push(job);
        }
      } else {
        jobs = store.jobs.listJobs({ system: options.system, states: LIVE_JOB_STATES });
      }
      const outcomes = await withConnections(() => cancelJobs(ctx, store, jobs, ctx.io.now()));
      const cancelled = outcomes.flatMap((o) => o.cancelled);
      const failed = outcomes.filter((o) => o.error !== undefined);
      if (options.json) {
        ctx.out(toJson({
          cancelled,
          skipped: skipped.map((j) => ({ id: j.id, name: j.name, state: j.state })),
          errors: failed.map((o) => ({ system: o.system, error: o.error })),
        }));
      } else {
        const lines: string[] = [];
        for (const j of skipped) {
          lines.push(`Job ${j.id} ${j.name} is already ${j.state}; left as it is`);
        }
        for (const o of outcomes) {
          for (const j of o.cancelled) {
            lines.push(
              `Cancelled job ${j.id} ${j.name} on ${o.system}${
                j.schedulerId === null ? " (never reached the scheduler)" : ` (${j.schedulerId})`
              }`,
            );
          }
        }
        if (jobs.length === 0 && skipped.length === 0) lines.push("No live jobs to cancel");
        if (cancelled.length > 0) {
          lines.push(
            `${
              plural(cancelled.length, "job")
            } cancelled; their unfinished calls stay running in the store and are restarted when their script runs again`,
          );
        }
        if (lines.length) ctx.out(lines.join("\n") + "\n");
      }
      if (failed.length > 0) {
        throw new CommandError(
          failed.map((o) => `Cannot cancel the jobs on ${o.system}: ${o.error}`).join("\n"),
        );
      }
    });
}
