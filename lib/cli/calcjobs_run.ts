/**
 * `drover calcjobs run [--number N] [--system S]`: upload, submit, poll and download the
 * added calcjobs until none is left waiting or in flight; a run killed at any point is
 * resumed by running it again.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { type CalcJobRunEvent, DEFAULT_RETRIES, runCalcJobs } from "../calcjob/mod.ts";
import { systemClock, type SystemLink } from "../runtime/mod.ts";
import { parseCount } from "./_args.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import { toJson } from "./_output.ts";
import {
  configuredSystems,
  linkTo,
  remoteProblem,
  systemNamed,
  withConnections,
} from "./_remote.ts";

/**
 * One progress line for a lifecycle event.
 *
 * @param event The event.
 * @returns The line, with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeRunEvent({ type: "batched", batch: "cj-1", system: "hpc", size: 12, retry: false }),
 *   "cj-1: 12 calcjobs in one array on hpc\n",
 * );
 * assert.equal(
 *   describeRunEvent({ type: "uploaded", batch: "cj-1", files: 13, skipped: 13 }),
 *   "cj-1: uploaded 0 of 13 files (13 already there)\n",
 * );
 * ```
 */
export function describeRunEvent(event: CalcJobRunEvent): string {
  switch (event.type) {
    case "batched":
      return `${event.batch}: ${event.size} calcjob${event.size === 1 ? "" : "s"} in one ${
        event.retry ? "retry " : ""
      }array on ${event.system}\n`;
    case "uploaded":
      return `${event.batch}: uploaded ${event.files - event.skipped} of ${event.files} files${
        event.skipped > 0 ? ` (${event.skipped} already there)` : ""
      }\n`;
    case "retrying":
      return `${event.calcjob.seq} ${event.calcjob.label || event.calcjob.id}: ${event.reason}, ` +
        `retrying (${event.detail})\n`;
    case "submitted":
      return `${event.batch}: ${
        event.adopted ? "found submitted" : "submitted"
      } as ${event.schedulerId}\n`;
    case "unreachable":
      return `${event.system}: not reachable, trying again at the next interval (${event.detail})\n`;
    case "finished":
      return `${event.calcjob.seq} ${
        event.calcjob.label || event.calcjob.id
      }: ${event.state} (${event.detail})\n`;
  }
}

/**
 * Builds the `calcjobs run` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function calcjobsRunCommand(ctx: Context): CommandUnknownOpts {
  return new Command("run")
    .description("upload, submit, poll and download calcjobs until all have ended")
    .option("-n, --number <n>", "keep at most N calcjobs in flight (default: all)", parseCount)
    .option("--system <name>", "only this system's calcjobs")
    .option("--poll <ms>", "poll interval in ms (default: each system's pollMs)", parseCount)
    .option(
      "--retries <n>",
      `retries after a transient failure (node failure, preempted, lost) for calcjobs whose jobs file sets none (default: ${DEFAULT_RETRIES})`,
      parseCount,
    )
    .option("--json", "print the final counts as JSON")
    .action(async (options) => {
      using store = ctx.openStore();
      const systems = configuredSystems(ctx);
      if (options.system !== undefined) systemNamed(systems, options.system, "run calcjobs");
      const links = new Map<string, SystemLink>();
      const linkFor = (name: string): SystemLink => {
        let link = links.get(name);
        if (!link) links.set(name, link = linkTo(ctx, systemNamed(systems, name, "run calcjobs")));
        return link;
      };
      const summary = await withConnections(async () => {
        try {
          return await runCalcJobs(store, {
            linkFor,
            clock: systemClock,
            number: options.number === 0 ? undefined : options.number,
            system: options.system,
            pollMs: options.poll,
            retries: options.retries,
            onEvent: options.json ? undefined : (e) => ctx.out(describeRunEvent(e)),
          });
        } catch (e) {
          const problem = remoteProblem(e, options.system ?? "the system");
          if (problem !== undefined) throw new CommandError(problem, { cause: e });
          throw e;
        }
      });
      ctx.out(
        options.json
          ? toJson(summary)
          : `${
            Object.entries(summary.counts).map(([s, n]) => `${n} ${s}`).join(", ") || "no calcjobs"
          }; ${summary.submissions} submitted, ${summary.statusQueries} status queries\n`,
      );
    });
}
