/**
 * `drover sync`: poll every system that has live jobs once, outside any script, and record
 * what the jobs decided. Results stay on the systems (`drover fetch` downloads them).
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { pollSystem } from "../runtime/mod.ts";
import type { Store } from "../store/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import { LIVE_JOB_STATES } from "./_jobs.ts";
import { plural, toJson } from "./_output.ts";
import { configuredSystems, linkTo, remoteProblem, withConnections } from "./_remote.ts";

/** How long an element may be missing from its scheduler before it counts as lost, ms. */
export const SYNC_GRACE_MS = 60_000;

/** One decided call, as `sync` reports it. */
export interface SyncedCall {
  /** The call key. */
  readonly key: string;
  /** The job that decided it. */
  readonly job: string;
  /** Its outcome in that job. */
  readonly state: "done" | "failed" | "pending";
  /** Why it failed, if it did. */
  readonly reason: string | null;
  /** Whether the call is still running in the store (a transient failure its script restarts). */
  readonly restarts: boolean;
}

/** What one system's poll found. */
export interface SystemSync {
  /** The system. */
  readonly system: string;
  /** Live jobs looked at. */
  readonly jobs: number;
  /** Calls decided now. */
  readonly decided: readonly SyncedCall[];
  /** Jobs found again after their submitter crashed. */
  readonly recovered: readonly { job: string; how: string }[];
  /** Staged jobs that never reached the scheduler and whose run is gone. */
  readonly orphans: readonly string[];
  /** Set when another process polled the system within its poll interval. */
  readonly skipped?: string;
  /** Set when the system could not be polled. */
  readonly error?: string;
}

/**
 * Builds the `sync` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function syncCommand(ctx: Context): CommandUnknownOpts {
  return new Command("sync")
    .description("poll systems with live jobs once and record the outcomes")
    .option("--system <name>", "only this system")
    .option("--json", "print what was found as JSON")
    .action(async (options) => {
      using store = ctx.openStore();
      const live = store.jobs.listJobs({ system: options.system, states: LIVE_JOB_STATES });
      const names = [...new Set(live.map((j) => j.system))].sort();
      const results = await withConnections(async () => {
        const out: SystemSync[] = [];
        for (const name of names) out.push(await syncSystem(ctx, store, name));
        return out;
      });
      if (options.json) ctx.out(toJson(results));
      else ctx.out(render(results, options.system));
      const failed = results.filter((r) => r.error !== undefined);
      if (failed.length > 0) {
        throw new CommandError(
          `Cannot sync ${failed.map((r) => `${r.system} (${r.error})`).join("; ")}`,
        );
      }
    });
}

async function syncSystem(ctx: Context, store: Store, name: string): Promise<SystemSync> {
  const empty = { system: name, jobs: 0, decided: [], recovered: [], orphans: [] };
  const system = configuredSystems(ctx)[name];
  if (!system) return { ...empty, error: "it is not configured" };
  const now = ctx.io.now();
  const owner = `${Deno.hostname()}:${Deno.pid}:sync`;
  if (!store.jobs.takePollTurn(name, owner, now, system.pollMs)) {
    return {
      ...empty,
      skipped:
        `another process polled it within the last ${system.pollMs} ms; the store is current`,
    };
  }
  try {
    store.runs.markInterrupted();
    // Element state (missing since when) is persisted: an element missing across two
    // syncs further apart than the grace period is declared lost.
    const report = await pollSystem(store, linkTo(ctx, system), {
      now,
      graceMs: SYNC_GRACE_MS,
      submitting: new Set(),
      runAlive: (id) => id !== null && store.runs.get(id)?.status === "running",
      submitGraceMs: SYNC_GRACE_MS,
    });
    return {
      system: name,
      jobs: report.jobs,
      decided: report.decided.map((key) => {
        const latest = store.jobs.latestCallOf(key);
        return {
          key,
          job: latest?.job.name ?? "?",
          state: latest?.call.state ?? "pending",
          reason: latest?.call.reason ?? null,
          restarts: latest?.call.state === "failed" && store.getCall(key)?.state === "running",
        };
      }),
      recovered: report.recovered.map((r) => ({ job: r.job.name, how: r.how })),
      orphans: report.orphans.map((j) => j.name),
    };
  } catch (e) {
    const reason = remoteProblem(e, name);
    if (reason === undefined) throw e;
    return { ...empty, error: reason };
  }
}

function render(results: readonly SystemSync[], only: string | undefined): string {
  if (results.length === 0) {
    return only === undefined ? "No live jobs\n" : `No live jobs on ${only}\n`;
  }
  const lines: string[] = [];
  for (const r of results) {
    if (r.error !== undefined) {
      lines.push(`${r.system}: not polled: ${r.error}`);
      continue;
    }
    if (r.skipped !== undefined) {
      lines.push(`${r.system}: skipped: ${r.skipped}`);
      continue;
    }
    const done = r.decided.filter((c) => c.state === "done").length;
    const failed = r.decided.length - done;
    lines.push(
      `${r.system}: ${plural(r.jobs, "live job")} polled; ${
        plural(r.decided.length, "call")
      } decided (${done} done, ${failed} failed)`,
    );
    const byJob = new Map<string, SyncedCall[]>();
    for (const c of r.decided) byJob.set(c.job, [...(byJob.get(c.job) ?? []), c]);
    for (const [job, calls] of byJob) {
      const reasons = new Map<string, number>();
      for (const c of calls) {
        const what = c.state === "failed" ? `failed (${c.reason ?? "?"})` : c.state;
        reasons.set(what, (reasons.get(what) ?? 0) + 1);
      }
      lines.push(`  ${job}: ${[...reasons].map(([what, n]) => `${n} ${what}`).join(", ")}`);
    }
    for (const x of r.recovered) {
      lines.push(
        `  ${x.job}: recovered (${
          x.how === "found-by-name" ? "found in the scheduler by name" : "found by its markers"
        })`,
      );
    }
    for (const o of r.orphans) {
      lines.push(
        `  ${o}: staged but never submitted, and its run is gone; run its script again to submit it`,
      );
    }
  }
  if (results.some((r) => r.decided.some((c) => c.restarts))) {
    lines.push(
      "Calls that failed transiently stay running in the store; their script restarts them when it runs again",
    );
  }
  if (results.some((r) => r.decided.some((c) => c.state === "done"))) {
    lines.push('Results stay on the systems; "drover fetch" downloads them');
  }
  return lines.join("\n") + "\n";
}
