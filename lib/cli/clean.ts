/**
 * `drover clean`: delete scratch of work that ended longer ago than a given age. Scratch is
 * what can be made again or is no longer read: job directories on systems (scripts, logs,
 * markers), the rows of those jobs, and objects staged on systems that no job names and
 * this store holds. Cached results are kept unless `--results` asks to forget calls too.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Option } from "npm:@commander-js/extra-typings@^14.0.0";
import {
  type CallRecord,
  type CallState,
  forgetStaged,
  objectsSize,
  stagedScratch,
  type Store,
} from "../store/mod.ts";
import { shellQuote } from "../scheduler/mod.ts";
import { parseStates } from "./_args.ts";
import { confirm } from "./_confirm.ts";
import type { Context } from "./_context.ts";
import { CommandError, UsageError } from "./_errors.ts";
import { durationArg } from "./_duration.ts";
import { formatBytes, formatTime, plural, toJson } from "./_output.ts";
import { stepStateLines } from "./_plan.ts";
import { configuredSystems, linkTo, remoteProblem, withConnections } from "./_remote.ts";
import { escapeLine } from "./_terminal_text.ts";
import { describeJobRemoval, type JobRemoval, removeJobs } from "./jobs_rm.ts";

/** The call states `clean --results` forgets unless told otherwise. */
export const DEFAULT_CLEAN_STATES: readonly CallState[] = ["done", "failed"];

/** What `clean` did (or would do). */
export interface CleanSummary {
  /** Whether nothing was changed. */
  readonly dryRun: boolean;
  /** Work that ended before this time (ms since the epoch) was cleaned. */
  readonly before: number;
  /** The ended jobs forgotten and their directories deleted. */
  readonly jobs: JobRemoval;
  /** Staged objects deleted on systems, by system. */
  readonly staged: Readonly<Record<string, { objects: number; bytes: number }>>;
  /** Calls forgotten, by step (only with `--results`). */
  readonly calls: Readonly<Record<string, number>>;
  /** What could not be cleaned, and why. */
  readonly kept: readonly string[];
}

/**
 * Says what `clean` did (or would do).
 *
 * @param s The outcome.
 * @param now The current time.
 * @param results Whether `--results` was given.
 * @returns Lines, ending with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const jobs = { dryRun: true, removed: [], cleaned: [], cancelled: [], kept: [] };
 * assert.equal(
 *   describeClean({ dryRun: true, before: 0, jobs, staged: {}, calls: {}, kept: [] }, 0, false),
 *   "Would remove 0 jobs\nCached results are kept (--results forgets calls that ended before 1970-01-01T00:00:00.000Z (just now) too)\n",
 * );
 * ```
 */
export function describeClean(s: CleanSummary, now: number, results: boolean): string {
  let out = describeJobRemoval(s.jobs);
  const staged = Object.entries(s.staged).filter(([, v]) => v.objects > 0);
  if (staged.length > 0) {
    const verb = s.dryRun ? "Would delete" : "Deleted";
    out += `${verb} staged files: ${
      staged.map(([name, v]) =>
        `${escapeLine(name)} ${plural(v.objects, "object")} (${formatBytes(v.bytes)})`
      ).join(", ")
    }\n`;
  }
  const when = formatTime(s.before, now);
  if (results) {
    const n = Object.values(s.calls).reduce((a, b) => a + b, 0);
    const steps = Object.entries(s.calls).map(([step, c]) => `${escapeLine(step)} ${c}`);
    out += `${s.dryRun ? "Would forget" : "Forgot"} ${plural(n, "call")}${
      steps.length ? ` (${steps.join(", ")})` : ""
    } that ended before ${when}; their objects stay until "drover gc"\n`;
  } else {
    out += `Cached results are kept (--results forgets calls that ended before ${when} too)\n`;
  }
  return out;
}

/**
 * Builds the `clean` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function cleanCommand(ctx: Context): CommandUnknownOpts {
  return new Command("clean")
    .description(
      "delete job directories, logs and staged files of work that ended before --older-than",
    )
    .addOption(
      new Option("--older-than <age>", "required: clean what ended longer ago, e.g. 7d, 12h, 30m")
        .argParser(durationArg),
    )
    .option("--results", "also forget the calls (cached results) that ended then")
    .addOption(
      new Option(
        "--state <states>",
        "with --results: only calls in these states (default: done,failed)",
      )
        .argParser(parseStates),
    )
    .option("-y, --yes", "do not ask; needed when standard input is not a terminal")
    .option("--dry-run", "only say what would be deleted")
    .option("--json", "print the result as JSON")
    .action(async (options) => {
      const age = options.olderThan;
      if (age === undefined) {
        throw new UsageError(
          "Cannot clean: --older-than is required (e.g. --older-than 7d), so recent work is never removed by accident",
        );
      }
      if (options.state !== undefined && !options.results) {
        throw new UsageError(
          "Cannot clean: --state goes with --results (calls are kept without it)",
        );
      }
      using store = ctx.openStore();
      const dryRun = options.dryRun ?? false;
      const results = options.results ?? false;
      const now = ctx.io.now();
      const before = now - age;
      const jobs = store.jobs.listJobs({ states: ["finished", "cancelled"] })
        .filter((j) => j.endedAt !== null && j.endedAt < before);
      const calls: CallRecord[] = results
        ? store.listCalls({
          states: options.state ?? DEFAULT_CLEAN_STATES,
          where: `ended_at IS NOT NULL AND ended_at < ${Math.floor(before)}`,
        })
        : [];
      const jobIds = jobs.map((j) => j.id);
      const systems = configuredSystems(ctx);
      const scratch = Object.keys(systems).sort()
        .map((name) => ({ name, objects: stagedScratch(store, name, jobIds) }))
        .filter((s) => s.objects.length > 0);
      const summary = await withConnections(async (): Promise<CleanSummary> => {
        const preview = await removeJobs(ctx, store, jobs, { clean: true, dryRun: true });
        const stagedPlan = Object.fromEntries(scratch.map((s) => [s.name, sizeOf(s.objects)]));
        const plan: CleanSummary = {
          dryRun: true,
          before,
          jobs: preview,
          staged: stagedPlan,
          calls: bySteps(calls),
          kept: [],
        };
        const nothing = jobs.length === 0 && scratch.length === 0 && calls.length === 0;
        if (dryRun || nothing) return { ...plan, dryRun };
        const size = objectsSize(store, calls.flatMap((c) => [c.inputsRef, c.resultRef]));
        await confirm(ctx, {
          action: `clean what ended before ${new Date(before).toISOString()}`,
          details: describeClean(plan, now, results).replaceAll("Would ", "Will ") +
            (calls.length > 0
              ? stepStateLines(calls) +
                `  their inputs and results: ${plural(size.objects, "object")}, ${
                  formatBytes(size.bytes)
                }\n`
              : ""),
        }, options.yes);
        const done = await removeJobs(ctx, store, jobs, { clean: true, dryRun: false });
        const kept = done.kept.map((k) => `job ${k.id} ${k.name}: ${k.reason}`);
        const staged: Record<string, { objects: number; bytes: number }> = {};
        for (const s of scratch) {
          const problem = await deleteStaged(ctx, store, s.name, s.objects, systems);
          if (problem === undefined) staged[s.name] = sizeOf(s.objects);
          else kept.push(`staged files on ${s.name}: ${problem}`);
        }
        const removed = new Set(
          store.removeSelectedCalls(calls.map((c) => ({ key: c.key, state: c.state }))),
        );
        return {
          dryRun: false,
          before,
          jobs: done,
          staged,
          calls: bySteps(calls.filter((c) => removed.has(c.key))),
          kept,
        };
      });
      ctx.out(options.json ? toJson(summary) : describeClean(summary, now, results));
      if (summary.kept.length > 0) {
        throw new CommandError(summary.kept.map((k) => `Cannot clean ${k}`).join("\n"));
      }
    });
}

async function deleteStaged(
  ctx: Context,
  store: Store,
  name: string,
  objects: readonly { hash: string }[],
  systems: ReturnType<typeof configuredSystems>,
): Promise<string | undefined> {
  try {
    const link = linkTo(ctx, systems[name]);
    const paths = await Promise.all(objects.map((o) => link.objectPath(o.hash)));
    for (let i = 0; i < paths.length; i += 500) {
      const batch = paths.slice(i, i + 500);
      const r = await link.transport.exec(`rm -f -- ${batch.map(shellQuote).join(" ")}`);
      if (r.code !== 0) return `deleting failed (exit ${r.code}: ${r.stderr.trim()})`;
      forgetStaged(store, name, objects.slice(i, i + 500).map((o) => o.hash));
    }
    return undefined;
  } catch (e) {
    const reason = remoteProblem(e, name);
    if (reason === undefined) throw e;
    return reason;
  }
}

function sizeOf(objects: readonly { size: number }[]): { objects: number; bytes: number } {
  return { objects: objects.length, bytes: objects.reduce((n, o) => n + o.size, 0) };
}

function bySteps(calls: readonly CallRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of [...calls].sort((a, b) => a.step < b.step ? -1 : a.step > b.step ? 1 : 0)) {
    out[c.step] = (out[c.step] ?? 0) + 1;
  }
  return out;
}
