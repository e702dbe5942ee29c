/**
 * Text of the progress display: the live block, per-step lines, one-line job events and
 * the closing summary. Pure functions of {@linkcode ProgressState}; user-provided text is
 * escaped.
 *
 * @module
 */
import type { ProgressEvent } from "./events.ts";
import type { ProgressState, RunSummary, StepProgress } from "./progress_state.ts";
import { count, escapeLine, fitLine, formatDuration } from "./_text.ts";

/** Options of {@linkcode renderBlock}. */
export interface BlockOptions {
  /** Terminal width; lines are cut to one less. Default 80. */
  readonly columns?: number;
  /** Most step lines shown. Default 8. */
  readonly maxSteps?: number;
  /** Most job lines shown. Default 4. */
  readonly maxJobs?: number;
}

/**
 * The counts of one step as a phrase: "12 ran, 30 cached, 4 running, 20 queued in jobs,
 * 1 failed, ETA 1m30s"; zero counts are left out.
 *
 * @param s The step's counts.
 * @returns The phrase ("nothing yet" when all are zero).
 *
 * @example
 * ```ts
 * import { stepPhrase } from "./progress_render.ts";
 * import assert from "node:assert/strict";
 * const s = { step: "relax", ran: 2, cached: 0, failed: 1, running: 0, queued: 3, etaMs: 90_000 };
 * assert.equal(stepPhrase(s), "2 ran, 3 queued in jobs, 1 failed, ETA 1m30s");
 * ```
 */
export function stepPhrase(s: StepProgress): string {
  const parts: string[] = [];
  if (s.ran) parts.push(`${s.ran} ran`);
  if (s.cached) parts.push(`${s.cached} cached`);
  if (s.running) parts.push(`${s.running} running`);
  if (s.queued) parts.push(`${s.queued} queued in jobs`);
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.etaMs !== undefined) parts.push(`ETA ${formatDuration(s.etaMs)}`);
  return parts.length ? parts.join(", ") : "nothing yet";
}

/**
 * The live block shown on a terminal: a header with the run id and elapsed time, one line
 * per step, the live jobs and the systems' problems.
 *
 * @param state The folded events.
 * @param now The time (ms).
 * @param options Width and how many lines of each kind.
 * @returns The lines, without newlines.
 *
 * @example
 * ```ts
 * import { ProgressState } from "./progress_state.ts";
 * import { renderBlock } from "./progress_render.ts";
 * import assert from "node:assert/strict";
 * const s = new ProgressState(0);
 * s.apply({ type: "call-start", step: "relax", key: "k", location: "local" }, 0);
 * assert.deepEqual(renderBlock(s, 3000), ["drover  3s", "  relax  1 running"]);
 * ```
 */
export function renderBlock(
  state: ProgressState,
  now: number,
  options: BlockOptions = {},
): string[] {
  const width = Math.max(20, (options.columns ?? 80) - 1);
  const maxSteps = options.maxSteps ?? 8;
  const maxJobs = options.maxJobs ?? 4;
  const lines: string[] = [];
  const run = state.runId === undefined ? "" : `  run ${escapeLine(state.runId)}`;
  lines.push(`drover${run}  ${formatDuration(now - state.startedAt)}`);
  const steps = state.steps();
  const names = steps.slice(0, maxSteps).map((s) => escapeLine(s.step));
  const pad = Math.min(24, Math.max(0, ...names.map((n) => n.length)));
  steps.slice(0, maxSteps).forEach((s, i) => {
    lines.push(`  ${names[i].padEnd(pad)}  ${stepPhrase(s)}`);
  });
  if (steps.length > maxSteps) lines.push(`  … ${count(steps.length - maxSteps, "more step")}`);
  const jobs = state.liveJobs();
  const summary = state.summary(now);
  const jobCounts = [
    summary.jobs ? `${summary.jobs} submitted` : "",
    summary.reattached ? `${summary.reattached} re-attached` : "",
    summary.restarted ? `${summary.restarted} restarted` : "",
  ].filter(Boolean);
  if (jobCounts.length) lines.push(`  jobs: ${jobCounts.join(", ")}`);
  const shown = jobs.slice(-maxJobs);
  for (const j of shown) {
    const id = escapeLine(j.schedulerId ?? j.job);
    const elements = j.elements === undefined ? "" : `  ${count(j.elements, "element")}`;
    const steps = j.steps.length ? `  ${j.steps.map(escapeLine).join(", ")}` : "";
    const attempt = j.attempt > 1 ? `  attempt ${j.attempt}` : "";
    const reason = j.reason ? ` (${escapeLine(j.reason)})` : "";
    lines.push(
      `    ${escapeLine(j.system)} ${id}${elements}${steps}  ${j.state}${reason}${attempt}`,
    );
  }
  if (jobs.length > shown.length) {
    lines.push(`    … ${count(jobs.length - shown.length, "more live job")}`);
  }
  for (const n of state.notices()) {
    lines.push(`  ! ${escapeLine(n.system)}: ${escapeLine(n.message)}`);
  }
  return lines.map((l) => fitLine(l, width));
}

/**
 * The closing line of a run.
 *
 * @param s The totals.
 * @param options `interrupted` when the run was stopped by Ctrl-C.
 * @returns One line, without a newline.
 *
 * @example
 * ```ts
 * import { renderSummary } from "./progress_render.ts";
 * import assert from "node:assert/strict";
 * const s = {
 *   runId: "r1", ran: 3, cached: 5, failed: 1, jobs: 2, reattached: 1, restarted: 0,
 *   wallMs: 65_000,
 * };
 * assert.equal(
 *   renderSummary(s),
 *   "drover: run r1 done in 1m05s: 3 ran, 5 cached, 1 failed, 2 jobs (1 re-attached)",
 * );
 * ```
 */
export function renderSummary(
  s: RunSummary,
  options: { readonly interrupted?: boolean } = {},
): string {
  const run = s.runId === undefined ? "" : ` run ${escapeLine(s.runId)}`;
  const how = options.interrupted ? "interrupted after" : "done in";
  const extra = [
    s.reattached ? `${s.reattached} re-attached` : "",
    s.restarted ? `${s.restarted} restarted` : "",
  ].filter(Boolean);
  const jobs = `${count(s.jobs, "job")}${extra.length ? ` (${extra.join(", ")})` : ""}`;
  return `drover:${run} ${how} ${
    formatDuration(s.wallMs)
  }: ${s.ran} ran, ${s.cached} cached, ${s.failed} failed, ${jobs}`;
}

/**
 * One line for a job-level event, for the plain (non-terminal) display; `undefined` for
 * events it does not print (call events, polls, object events).
 *
 * @param event The event.
 * @returns The line, without a newline.
 *
 * @example
 * ```ts
 * import { describeEvent } from "./progress_render.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeEvent({
 *     type: "job-submitted", system: "hpc", job: "j-1", schedulerId: "4242",
 *     elements: 20, calls: 20, attempt: 1,
 *   }),
 *   "drover: hpc: submitted job 4242 (20 elements, 20 calls)",
 * );
 * assert.equal(describeEvent({ type: "call-cached", step: "s", key: "k" }), undefined);
 * ```
 */
export function describeEvent(event: ProgressEvent): string | undefined {
  const e = event;
  switch (e.type) {
    case "job-submitted": {
      const attempt = e.attempt > 1 ? `, attempt ${e.attempt}` : "";
      return `drover: ${escapeLine(e.system)}: submitted job ${escapeLine(e.schedulerId)} (${
        count(e.elements, "element")
      }, ${count(e.calls, "call")}${attempt})`;
    }
    case "job-recovered":
      return e.how === "resubmitted"
        ? `drover: ${escapeLine(e.system)}: resubmitted job ${
          escapeLine(e.job)
        } (never reached the scheduler)`
        : `drover: ${escapeLine(e.system)}: re-attached job ${
          escapeLine(e.schedulerId ?? e.job)
        } (${e.how === "found-by-name" ? "found by name" : "found by its files"})`;
    case "job-attached":
      return `drover: ${escapeLine(e.system)}: re-attached ${count(e.keys.length, "call")} to job ${
        escapeLine(e.schedulerId ?? e.job)
      }`;
    case "job-restart":
      return `drover: ${escapeLine(e.system)}: restarting ${count(e.calls, "call")} of job ${
        escapeLine(e.schedulerId ?? e.job)
      } after ${e.reason} (attempt ${e.attempt})`;
    case "job-state":
      return `drover: ${escapeLine(e.system)}: job ${
        escapeLine(e.schedulerId ?? e.job)
      } ${e.state}${e.reason ? ` (${escapeLine(e.reason)})` : ""}`;
    case "remote-error":
      return `drover: ${escapeLine(e.system)}: ${escapeLine(e.message)}`;
    case "waiting-for-host":
      return `drover: ${escapeLine(e.system)}: waiting for ${
        escapeLine(e.host)
      } (attempt ${e.attempt}, next in ${formatDuration(e.retryInMs)}): ${escapeLine(e.message)}`;
    case "scheduler-unreachable":
      return `drover: ${escapeLine(e.system)}: scheduler unreachable (next try in ${
        formatDuration(e.retryInMs)
      }): ${escapeLine(e.message)}`;
    default:
      return undefined;
  }
}
