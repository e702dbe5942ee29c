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
import {
  classifyOutcome,
  type FailureReason as SchedulerFailureReason,
  type JobStatus,
} from "../scheduler/mod.ts";
import type {
  ElementObservation,
  ElementRecord,
  FailureReason,
  JobCallDecision,
  JobRecord,
  Store,
} from "../store/mod.ts";
import { TransportError } from "../transport/mod.ts";
import {
  type CallOutcomeMarker,
  outcomeMarkerPath,
  parseManifest,
  safeParseOutcomeMarker,
} from "./job_files.ts";
import { jobDirLayout, jobLayout, markerListingScript } from "./job_layout.ts";
import type { SystemLink } from "./system_link.ts";

const decoder = new TextDecoder();

/** What one job's marker files say. */
export interface JobMarkers {
  /** Exit code of each element whose wrapper finished. */
  readonly exits: ReadonlyMap<number, number>;
  /** Elements that started. */
  readonly started: ReadonlySet<number>;
  /** Calls with an outcome marker. */
  readonly outcomes: ReadonlySet<string>;
  /** Elements whose drover runner failed (they left `el/<i>.runner`). */
  readonly runnerFailed?: ReadonlySet<number>;
}

/** What one poll read from a system. */
export interface PollObservation {
  /** The scheduler's jobs by name. */
  readonly statuses: ReadonlyMap<string, JobStatus>;
  /** Markers by job name. */
  readonly markers: ReadonlyMap<string, JobMarkers>;
  /** Outcome markers of undecided calls, by job id then key. */
  readonly outcomes: ReadonlyMap<number, ReadonlyMap<string, CallOutcomeMarker>>;
}

/**
 * Reads what a system says about live jobs: one scheduler query, one marker listing, and
 * the outcome markers of calls still pending.
 *
 * @param link The system.
 * @param live The live jobs on it, with their pending call keys.
 * @returns The observation.
 * @throws {TransportError} When the system cannot be reached.
 * @throws {SchedulerCommandError} When the scheduler's query fails.
 */
export async function observe(
  link: SystemLink,
  live: readonly { job: JobRecord; pending: readonly string[] }[],
): Promise<PollObservation> {
  const statuses = await link.driver.status(link.transport);
  const markers = await readMarkers(link, live.map((l) => l.job.name));
  const wanted: { jobId: number; key: string; path: string }[] = [];
  for (const { job, pending } of live) {
    const m = markers.get(job.name);
    for (const key of pending) {
      if (m?.outcomes.has(key)) {
        wanted.push({ jobId: job.id, key, path: outcomeMarkerPath(job.dir, key) });
      }
    }
  }
  const texts = wanted.length ? await link.transport.readFiles(wanted.map((w) => w.path)) : [];
  const outcomes = new Map<number, Map<string, CallOutcomeMarker>>();
  texts.forEach((bytes, i) => {
    const w = wanted[i];
    if (!bytes) return;
    const parsed = safeParseOutcomeMarker(decoder.decode(bytes), w.path);
    // A marker that does not parse counts as absent: the element's end decides the call.
    if (!parsed.success) return;
    let m = outcomes.get(w.jobId);
    if (!m) outcomes.set(w.jobId, m = new Map());
    m.set(w.key, parsed.data);
  });
  return { statuses, markers, outcomes };
}

/** The inputs of {@linkcode decideElements} for one job. */
export interface ElementEvidence {
  /** Pending calls without an outcome marker, by element, each in manifest order. */
  readonly pending: ReadonlyMap<number, readonly string[]>;
  /** The persisted elements (state, since when). */
  readonly elements: ReadonlyMap<number, ElementRecord>;
  /** The scheduler's view of the job, if it lists it. */
  readonly status: JobStatus | undefined;
  /** The job's markers. */
  readonly markers: JobMarkers | undefined;
  /** The time now. */
  readonly now: number;
  /** How long an element may be missing before it is lost, ms. */
  readonly graceMs: number;
}

/** What {@linkcode decideElements} decided for one job. */
export interface ElementDecisions {
  /** Element states to persist. */
  readonly elements: readonly ElementObservation[];
  /** Calls decided failed. */
  readonly failures: ReadonlyMap<string, Extract<JobCallDecision, { state: "failed" }>>;
}

/**
 * Decides the pending calls of elements that ended without an outcome for them (pure).
 *
 * - An element still listed by the scheduler is pending or running.
 * - An element missing from the scheduler with no exit marker is `missing` since the first
 *   poll that saw it so (persisted); past `graceMs` its calls are `lost`.
 * - An element the scheduler still lists the array of, but no longer this element, which
 *   never started, was cancelled while pending.
 * - drover's runner failing (it leaves `el/<i>.runner` and exits with
 *   `RUNNER_FAILED_EXIT_CODE`) is `runner-failed`; the same exit code without that
 *   marker is the user's own `Deno.exit(3)`.
 * - An element whose process ended abnormally while running its calls in order blames only
 *   the first call without an outcome (it was running): `crashed` for an exit code (the
 *   user's `Deno.exit`, a segfault), the scheduler's reason (`out-of-memory`, `killed`) for
 *   a signal. The calls after it never started: `not-started`, run again without blame.
 * - Otherwise the scheduler's and the markers' evidence decide (`classifyOutcome`).
 *
 * @param evidence What is known of the job's elements.
 * @returns Element states and failed calls.
 *
 * @example
 * ```ts
 * import { decideElements } from "./poller.ts";
 * import assert from "node:assert/strict";
 * const d = decideElements({
 *   pending: new Map([[0, ["k1", "k2"]]]),
 *   elements: new Map([[0, { jobId: 1, element: 0, state: "running", since: 0 }]]),
 *   status: undefined,
 *   markers: { exits: new Map([[0, 7]]), started: new Set([0]), outcomes: new Set() },
 *   now: 10,
 *   graceMs: 1000,
 * });
 * assert.equal(d.failures.get("k1")?.reason, "crashed");
 * assert.equal(d.failures.get("k2")?.reason, "not-started");
 * ```
 */
export function decideElements(evidence: ElementEvidence): ElementDecisions {
  const { status, markers, now } = evidence;
  const elements: ElementObservation[] = [];
  const failures = new Map<string, Extract<JobCallDecision, { state: "failed" }>>();
  for (const [element, keys] of evidence.pending) {
    const listed = status?.elements.get(element);
    const exitCode = markers?.exits.get(element);
    const started = markers?.started.has(element) ?? false;
    const before = evidence.elements.get(element);
    if (listed === undefined && exitCode === undefined) {
      const since = before?.state === "missing" ? before.since : now;
      const vanished = status !== undefined && !started;
      if (vanished) {
        for (const key of keys) {
          failures.set(key, {
            state: "failed",
            reason: "cancelled-by-user",
            detail: "the element left the queue before it started (cancelled while pending)",
          });
        }
        elements.push({ element, state: "decided" });
        continue;
      }
      const outcome = classifyOutcome({
        squeueSeen: false,
        missingForMs: now - since,
        graceMs: evidence.graceMs,
      });
      if (outcome === null || outcome.state === "done") {
        elements.push({ element, state: "missing" });
        continue;
      }
      for (const key of keys) {
        failures.set(key, { state: "failed", reason: "lost", detail: outcome.detail });
      }
      elements.push({ element, state: "decided" });
      continue;
    }
    if (exitCode === undefined) {
      const native = listed?.state ?? "";
      const outcome = classifyOutcome({
        sacctState: native,
        squeueSeen: true,
        missingForMs: 0,
        graceMs: evidence.graceMs,
      });
      if (outcome === null || outcome.state === "done") {
        elements.push({
          element,
          state: started || native === "RUNNING" ? "running" : "pending",
          native,
          ...(listed?.reason ? { reason: listed.reason } : {}),
        });
        continue;
      }
      for (const key of keys) {
        failures.set(key, {
          state: "failed",
          reason: refine(outcome.reason, outcome.detail),
          detail: outcome.detail,
        });
      }
      elements.push({ element, state: "decided", native });
      continue;
    }
    // The wrapper recorded an exit code.
    if (markers?.runnerFailed?.has(element)) {
      for (const key of keys) {
        failures.set(key, {
          state: "failed",
          reason: "runner-failed",
          detail:
            `drover's job runner failed (exit ${exitCode}) before recording these calls; see the element's stderr`,
        });
      }
      elements.push({ element, state: "decided", exitCode });
      continue;
    }
    const outcome = classifyOutcome({
      marker: { exitCode, hasResult: false },
      sacctState: listed?.state,
      squeueSeen: listed !== undefined,
      missingForMs: 0,
      graceMs: evidence.graceMs,
    });
    if (outcome === null) {
      elements.push({ element, state: "exited", exitCode });
      continue;
    }
    if (outcome.state === "done") {
      // Exit 0 with calls left without outcomes: the runner stopped early; run them again.
      for (const key of keys) {
        failures.set(key, {
          state: "failed",
          reason: "lost",
          detail: "the element exited with code 0 without recording an outcome for this call",
        });
      }
      elements.push({ element, state: "decided", exitCode });
      continue;
    }
    const reason = refine(outcome.reason, outcome.detail);
    const perElement = reason === "timeout" || reason === "node-failure" ||
      reason === "preempted" || reason === "cancelled-by-user";
    if (perElement || keys.length === 0) {
      for (const key of keys) {
        failures.set(key, { state: "failed", reason, detail: outcome.detail });
      }
    } else {
      const [culprit, ...rest] = keys;
      const crashed: FailureReason = reason === "exception" ? "crashed" : reason;
      failures.set(culprit, {
        state: "failed",
        reason: crashed,
        detail: crashed === "crashed"
          ? `the call ended its element's process (exit ${exitCode}) without returning or throwing`
          : outcome.detail,
      });
      for (const key of rest) {
        failures.set(key, {
          state: "failed",
          reason: "not-started",
          detail:
            `not started: an earlier call of its element ended the process (exit ${exitCode})`,
        });
      }
    }
    elements.push({ element, state: "decided", exitCode });
  }
  return { elements, failures };
}

/** The scheduler's `cancelled` split into a kill by signal and a cancellation by a person. */
function refine(reason: SchedulerFailureReason, detail: string): FailureReason {
  if (reason !== "cancelled") return reason;
  return /killed by/.test(detail) ? "killed" : "cancelled-by-user";
}

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
        marker.ok ? { state: "done", resultRef: marker.result, size: marker.size } : {
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

/**
 * Lists the marker files of jobs in one command (see `markerListingScript`).
 *
 * @param link The system.
 * @param names Job names.
 * @returns Markers by job name.
 * @throws {TransportError} When the listing fails.
 */
export async function readMarkers(
  link: SystemLink,
  names: readonly string[],
): Promise<Map<string, JobMarkers>> {
  const layout = jobLayout(await link.rundir());
  const r = await link.transport.exec(markerListingScript(layout), {
    stdin: names.join("\n") + "\n",
  });
  if (r.code !== 0) {
    throw new TransportError(
      link.transport.label,
      "io",
      `could not list job markers in ${layout.jobs} (exit ${r.code}: ${r.stderr.trim()})`,
    );
  }
  const out = new Map<
    string,
    {
      exits: Map<number, number>;
      started: Set<number>;
      outcomes: Set<string>;
      runnerFailed: Set<number>;
    }
  >();
  for (const line of decoder.decode(r.stdout).split("\n")) {
    const [kind, job, what, value] = line.split(" ");
    if (!job || !what) continue;
    let m = out.get(job);
    if (!m) {
      out.set(
        job,
        m = { exits: new Map(), started: new Set(), outcomes: new Set(), runnerFailed: new Set() },
      );
    }
    if (kind === "X" && /^\d+$/.test(what) && /^\d+$/.test(value ?? "")) {
      m.exits.set(Number(what), Number(value));
    } else if (kind === "S" && /^\d+$/.test(what)) m.started.add(Number(what));
    else if (kind === "O" && /^[0-9a-f]{64}$/.test(what)) m.outcomes.add(what);
    else if (kind === "R" && /^\d+$/.test(what)) m.runnerFailed.add(Number(what));
  }
  return out;
}
