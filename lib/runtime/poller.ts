/**
 * One poll of one system: {@linkcode observe} reads (one scheduler query, one marker
 * listing, the outcome markers of undecided calls; no store writes),
 * {@linkcode decideElements} turns what an element shows into decisions (pure), and
 * {@linkcode pollSystem} applies them through the ledger, one transaction per job.
 * Whoever polls (a workflow script, `drover sync`) decides everybody's jobs on the system,
 * and element state (missing since when) is persisted, so the grace period runs across
 * processes.
 *
 * @module
 */
import type { JobCallDecision, JobRecord, Store } from "../store/mod.ts";
import { decideElements } from "./element_decisions.ts";
import { type CallOutcomeMarker, parseManifest } from "./job_files.ts";
import { jobDirLayout } from "./job_layout.ts";
import { observe } from "./observe.ts";
import type { SystemLink } from "./system_link.ts";

const decoder = new TextDecoder();

/** Options of {@linkcode pollSystem}. */
export interface PollSystemOptions {
  /** The time now. */
  readonly now: number;
  /** How long an element may be missing before it is lost, ms. */
  readonly graceMs: number;
  /** Staged jobs this process is submitting right now (not orphans). */
  readonly submitting: ReadonlySet<number>;
  /** Whether a run (by id) is still alive: staged jobs of live runs are left to them. */
  readonly runAlive: (runId: number | null) => boolean;
  /**
   * How long after a submission started a staged job that the scheduler does not list may
   * still be on its way (a submit command still running when its driver died), ms.
   */
  readonly submitGraceMs: number;
}

/** What one poll found. */
export interface PollReport {
  /** Live jobs looked at. */
  readonly jobs: number;
  /** Calls decided in this poll. */
  readonly decided: readonly string[];
  /** Staged jobs the scheduler never got whose submitter is gone: submit them again. */
  readonly orphans: readonly JobRecord[];
  /** Jobs found by name or markers after their submitter crashed. */
  readonly recovered: readonly { job: JobRecord; how: "found-by-name" | "found-by-markers" }[];
  /** Jobs the scheduler keeps pending, with its reason. */
  readonly pending: readonly { job: JobRecord; reason: string }[];
}

/**
 * Polls one system once for every live job the store knows on it, and applies what it
 * decided (one ledger transaction per job).
 *
 * @param store The project store.
 * @param link The system.
 * @param options Time, grace periods, in-flight submissions, run liveness.
 * @returns What was decided.
 * @throws {TransportError} When the system cannot be reached (nothing is changed).
 * @throws {SchedulerCommandError} When the scheduler's query fails (nothing is changed).
 */
export async function pollSystem(
  store: Store,
  link: SystemLink,
  options: PollSystemOptions,
): Promise<PollReport> {
  const system = link.system.name;
  const jobs = store.jobs.listJobs({ system, states: ["staged", "submitted"] });
  if (jobs.length === 0) return { jobs: 0, decided: [], orphans: [], recovered: [], pending: [] };
  const live = jobs.map((job) => ({
    job,
    pending: store.jobs.callsOf(job.id, "pending").map((c) => c.key),
  }));
  const seen = await observe(link, live);
  // Small results came with their outcomes: kept now, so reading them needs no transfer.
  if (seen.results.size > 0) {
    store.transaction(() => {
      for (const [hash, bytes] of seen.results) store.objects.put(bytes, hash);
    });
  }
  const decided: string[] = [];
  const orphans: JobRecord[] = [];
  const recovered: { job: JobRecord; how: "found-by-name" | "found-by-markers" }[] = [];
  const pendingJobs: { job: JobRecord; reason: string }[] = [];
  const maybeOrphans: JobRecord[] = [];
  for (const { job, pending } of live) {
    const status = seen.statuses.get(job.name);
    const markers = seen.markers.get(job.name);
    if (job.state === "staged") {
      if (options.submitting.has(job.id)) continue;
      if (status) {
        if (store.ledger.markSubmitted(job.id, status.id, options.now)) {
          recovered.push({ job, how: "found-by-name" });
        }
      } else if (markers && (markers.started.size || markers.exits.size || markers.outcomes.size)) {
        if (store.ledger.markSubmitted(job.id, "", options.now)) {
          recovered.push({ job, how: "found-by-markers" });
        }
      } else {
        if (!options.runAlive(job.runId)) maybeOrphans.push(job);
        continue;
      }
    }
    const outcomes = seen.outcomes.get(job.id) ?? new Map<string, CallOutcomeMarker>();
    const decisions = new Map<string, JobCallDecision>();
    for (const [key, marker] of outcomes) {
      decisions.set(
        key,
        marker.ok
          ? {
            state: "done",
            resultRef: marker.result,
            size: marker.size,
            runMs: Math.max(0, marker.endedAt - marker.startedAt),
          }
          : {
            state: "failed",
            reason: "exception",
            detail: `${marker.error.name}: ${marker.error.message}`,
            error: marker.error,
          },
      );
    }
    const order = manifestOrder(store, job);
    const byElement = new Map<number, string[]>();
    for (const c of store.jobs.callsOf(job.id, "pending")) {
      if (outcomes.has(c.key)) continue;
      byElement.set(c.element, [...(byElement.get(c.element) ?? []), c.key]);
    }
    for (const keys of byElement.values()) {
      keys.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    }
    const elements = new Map(store.jobs.elementsOf(job.id).map((e) => [e.element, e]));
    const d = decideElements({
      pending: byElement,
      elements,
      status,
      markers,
      now: options.now,
      graceMs: options.graceMs,
    });
    for (const [key, f] of d.failures) decisions.set(key, f);
    const reasons = [...(status?.elements.values() ?? [])]
      .filter((e) => e.state === "PENDING" && e.reason && e.reason !== "None")
      .map((e) => e.reason!);
    const pendingReason = reasons.find((r) =>
      !/^(Priority|Resources|JobArrayTaskLimit)$/.test(r)
    ) ??
      null;
    if (pendingReason) pendingJobs.push({ job, reason: pendingReason });
    decided.push(
      ...store.ledger.applyPoll({
        jobId: job.id,
        system,
        decisions,
        elements: d.elements,
        pendingReason,
      }, options.now),
    );
    void pending;
  }
  orphans.push(...await notSubmitting(link, maybeOrphans, options));
  return { jobs: jobs.length, decided, orphans, recovered, pending: pendingJobs };
}

/**
 * Of staged jobs whose submitter is gone, those with no submission on its way: a job whose
 * submission started (before its driver died) and whose submit command still runs on the
 * system (found by its script path among the system's processes), or that started less
 * than `submitGraceMs` ago when processes cannot be listed, is left alone.
 */
async function notSubmitting(
  link: SystemLink,
  jobs: readonly JobRecord[],
  options: PollSystemOptions,
): Promise<JobRecord[]> {
  const started = jobs.filter((j) => j.submitStartedAt != null);
  if (started.length === 0) return [...jobs];
  const scripts = started.map((j) => jobDirLayout(j.dir).script);
  const r = await link.transport.exec(
    'command -v pgrep >/dev/null || exit 3; while read -r p; do pgrep -f -- "$p" >/dev/null && printf \'%s\\n\' "$p"; done; exit 0',
    { stdin: scripts.join("\n") + "\n" },
  ).catch(() => undefined);
  const running = r?.code === 0
    ? new Set(decoder.decode(r.stdout).split("\n").filter(Boolean))
    : undefined;
  return jobs.filter((j) => {
    if (j.submitStartedAt == null) return true;
    const young = options.now - j.submitStartedAt < options.submitGraceMs;
    if (running === undefined) return !young;
    return !running.has(jobDirLayout(j.dir).script) ||
      !young && options.now - j.submitStartedAt > 10 * options.submitGraceMs;
  });
}

/** Position of each call of a job in its manifest (calls of an element run in this order). */
function manifestOrder(store: Store, job: JobRecord): Map<string, number> {
  const order = new Map<string, number>();
  const ref = (job.spec as { manifest?: unknown }).manifest;
  const bytes = typeof ref === "string" ? store.objects.get(ref) : undefined;
  if (!bytes) return order;
  try {
    const manifest = parseManifest(decoder.decode(bytes), `manifest of ${job.name}`);
    let i = 0;
    for (const el of manifest.elements) for (const c of el) order.set(c.key, i++);
  } catch {
    // Without the manifest, calls keep the store's order.
  }
  return order;
}
