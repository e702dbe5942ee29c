/**
 * `drover jobs rm`: forget jobs (their rows and call rows), and with `--clean` delete their
 * directories on the system too.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { posix } from "node:path";
import type { JobRecord, Store } from "../store/mod.ts";
import { shellQuote } from "../scheduler/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import { isLive, resolveJob } from "./_jobs.ts";
import { plural, toJson } from "./_output.ts";
import { configuredSystems, linkTo, remoteProblem, withConnections } from "./_remote.ts";
import { cancelJobs } from "./jobs_cancel.ts";
import { confirm } from "./_confirm.ts";
import { escapeLine } from "./_terminal_text.ts";

/**
 * Whether a job directory may be deleted: a normalized absolute path strictly inside
 * `<rundir>/jobs/`.
 *
 * @param dir The job's directory as recorded.
 * @param rundir The system's run directory, absolute.
 * @returns True when `rm -rf` on it cannot reach outside the jobs folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isJobDirUnder("/scratch/r/jobs/dr-a-1", "/scratch/r"), true);
 * assert.equal(isJobDirUnder("/scratch/r/jobs/../objects", "/scratch/r"), false);
 * assert.equal(isJobDirUnder("/scratch/r/jobs", "/scratch/r/"), false);
 * assert.equal(isJobDirUnder("/home/me", "/scratch/r"), false);
 * ```
 */
export function isJobDirUnder(dir: string, rundir: string): boolean {
  if (!dir.startsWith("/") || !rundir.startsWith("/")) return false;
  if (dir.split("/").some((part) => part === ".." || part === ".")) return false;
  const root = posix.join(posix.normalize(rundir), "jobs");
  const rel = posix.relative(root, posix.normalize(dir));
  return rel !== "" && !rel.startsWith("..") && !posix.isAbsolute(rel);
}

/** What `jobs rm` did (or would do). */
export interface JobRemoval {
  /** Whether nothing was changed. */
  readonly dryRun: boolean;
  /** Jobs removed from the store (or that would be). */
  readonly removed: readonly { id: number; name: string; system: string }[];
  /** Job directories deleted on their systems (or that would be). */
  readonly cleaned: readonly string[];
  /** Jobs cancelled first (`--force`). */
  readonly cancelled: readonly string[];
  /** Jobs kept, and why. */
  readonly kept: readonly { id: number; name: string; reason: string }[];
}

/**
 * Builds the `jobs rm` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function jobsRmCommand(ctx: Context): CommandUnknownOpts {
  return new Command("rm")
    .description("forget ended jobs; --clean also deletes their directories")
    .argument("<jobs...>", "job ids or names")
    .option("-c, --clean", "also delete each job's directory (<rundir>/jobs/NAME) on its system")
    .option("--force", "cancel live jobs first instead of refusing them")
    .option("-y, --yes", "do not ask (with --clean or --force); needed without a terminal")
    .option("--dry-run", "only say what would be done")
    .option("--json", "print the result as JSON")
    .action(async (refs, options) => {
      using store = ctx.openStore();
      const jobs: JobRecord[] = [];
      for (const ref of refs) {
        const job = resolveJob(store, ref);
        if (!jobs.some((j) => j.id === job.id)) jobs.push(job);
      }
      const live = jobs.filter(isLive);
      if (live.length > 0 && !options.force) {
        throw new CommandError(
          `Cannot remove ${live.map((j) => `job ${j.id} ${j.name}`).join(", ")}: ${
            live.length === 1 ? "it is" : "they are"
          } still ${
            live.length === 1 ? live[0].state : "live"
          }; cancel first ("drover jobs cancel") or pass --force`,
        );
      }
      const clean = options.clean ?? false;
      const dryRun = options.dryRun ?? false;
      const result = await withConnections(async () => {
        if ((clean || options.force) && !dryRun && !options.yes) {
          // Deleting directories and cancelling jobs cannot be undone: show, then ask.
          const preview = await removeJobs(ctx, store, jobs, { clean, dryRun: true });
          const live = jobs.filter(isLive).map((j) => `${j.id} ${j.name}`);
          await confirm(ctx, {
            action: `remove ${plural(preview.removed.length, "job")}${
              clean ? ` and delete ${plural(preview.cleaned.length, "job directory")}` : ""
            }`.replace("directorys", "directories"),
            details: (live.length > 0 ? `Will cancel ${live.join(", ")}\n` : "") +
              describeJobRemoval(preview).replaceAll("Would ", "Will "),
          }, false);
        }
        return await removeJobs(ctx, store, jobs, { clean, dryRun });
      });
      ctx.out(options.json ? toJson(result) : describeJobRemoval(result));
      if (result.kept.length > 0) {
        throw new CommandError(
          result.kept.map((k) => `Cannot remove job ${k.id} ${k.name}: ${k.reason}`).join("\n"),
        );
      }
    });
}

/**
 * Forgets jobs, first cancelling live ones and, with `clean`, deleting their directories on
 * their systems (only directories strictly inside `<rundir>/jobs/`). A job whose directory
 * cannot be deleted, or that cannot be cancelled, is kept and listed with the reason.
 *
 * @param ctx The invocation's context (systems config, clock).
 * @param store The store.
 * @param jobs The jobs.
 * @param options Whether to delete directories; whether to change nothing.
 * @returns What was (or would be) done.
 */
export async function removeJobs(
  ctx: Context,
  store: Store,
  jobs: readonly JobRecord[],
  options: { clean: boolean; dryRun: boolean },
): Promise<JobRemoval> {
  const kept: { id: number; name: string; reason: string }[] = [];
  const cancelled: string[] = [];
  let ready = [...jobs];
  const live = jobs.filter(isLive);
  if (live.length > 0 && !options.dryRun) {
    for (const o of await cancelJobs(ctx, store, live, ctx.io.now())) {
      cancelled.push(...o.cancelled.map((j) => j.name));
      if (o.error === undefined) continue;
      for (const j of live.filter((j) => j.system === o.system)) {
        kept.push({ id: j.id, name: j.name, reason: `cannot cancel it: ${o.error}` });
      }
    }
    ready = ready.filter((j) => !kept.some((k) => k.id === j.id));
  }
  const cleaned: string[] = [];
  if (options.clean) {
    const systems = configuredSystems(ctx);
    for (const name of [...new Set(ready.map((j) => j.system))].sort()) {
      const group = ready.filter((j) => j.system === name);
      const keep = (reason: string): void => {
        for (const j of group) kept.push({ id: j.id, name: j.name, reason });
      };
      const system = systems[name];
      if (!system) {
        keep(`its directory cannot be deleted: system "${name}" is not configured`);
        continue;
      }
      try {
        const link = linkTo(ctx, system);
        const rundir = await link.rundir();
        const bad = group.filter((j) => !isJobDirUnder(j.dir, rundir));
        for (const j of bad) {
          kept.push({
            id: j.id,
            name: j.name,
            reason: `its directory "${j.dir}" is not under "${rundir}/jobs/"; not deleting it`,
          });
        }
        const dirs = group.filter((j) => !bad.includes(j)).map((j) => j.dir);
        if (dirs.length > 0 && !options.dryRun) {
          const r = await link.transport.exec(`rm -rf -- ${dirs.map(shellQuote).join(" ")}`);
          if (r.code !== 0) {
            keep(`deleting its directory failed (exit ${r.code}: ${r.stderr.trim()})`);
            continue;
          }
        }
        cleaned.push(...dirs.map((d) => `${name}:${d}`));
      } catch (e) {
        const reason = remoteProblem(e, name);
        if (reason === undefined) throw e;
        keep(`its directory cannot be deleted: ${reason}`);
      }
    }
    ready = ready.filter((j) => !kept.some((k) => k.id === j.id));
  }
  if (!options.dryRun) store.transaction(() => store.jobs.removeJobs(ready.map((j) => j.id)));
  return {
    dryRun: options.dryRun,
    removed: ready.map((j) => ({ id: j.id, name: j.name, system: j.system })),
    cleaned,
    cancelled,
    kept,
  };
}

/**
 * Says what `jobs rm` did (or would do).
 *
 * @param r The outcome.
 * @returns Lines, ending with a newline.
 */
export function describeJobRemoval(r: JobRemoval): string {
  const lines: string[] = [];
  if (r.cancelled.length > 0) lines.push(`Cancelled ${r.cancelled.join(", ")}`);
  const verb = r.dryRun ? "Would remove" : "Removed";
  lines.push(
    `${verb} ${plural(r.removed.length, "job")}${
      r.removed.length
        ? `: ${r.removed.map((j) => `${j.id} ${escapeLine(j.name)}`).join(", ")}`
        : ""
    }`,
  );
  if (r.cleaned.length > 0) {
    const n = r.cleaned.length;
    lines.push(
      `${r.dryRun ? "Would delete" : "Deleted"} ${n} job ${n === 1 ? "directory" : "directories"}:`,
    );
    for (const d of r.cleaned) lines.push(`  ${escapeLine(d)}`);
  }
  return lines.join("\n") + "\n";
}
