/**
 * One poll of one system: a single scheduler query and a single marker listing for every
 * live job in the store, turned into decided calls. Whoever polls (a workflow script, or
 * `drover sync`) updates the store for everybody's jobs on that system.
 *
 * @module
 */
import { classifyOutcome, type FailureReason, type JobStatus } from "../scheduler/mod.ts";
import type { CallRecord, JobRecord, Store, StoredError } from "../store/mod.ts";
import { TransportError } from "../transport/mod.ts";
import { outcomeMarkerPath, RUNNER_FAILED_EXIT_CODE, safeParseOutcomeMarker } from "./job_files.ts";
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
}

/** Options of {@linkcode pollJobs}. */
export interface PollJobsOptions {
  /** The time now. */
  readonly now: number;
  /** How long an element may be missing from the scheduler with no markers before it is lost. */
  readonly graceMs: number;
  /** When each element (`job:index`) was first seen missing; kept between polls. */
  readonly missingSince: Map<string, number>;
  /** Staged jobs this process is submitting right now (not orphans). */
  readonly submitting: ReadonlySet<number>;
  /** Whether a run (by id) is still alive; staged jobs of live runs are left to them. */
  readonly runAlive: (runId: number | null) => boolean;
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
}

/**
 * Polls one system once for every live job the store knows on it.
 *
 * @param store The project store.
 * @param link The system.
 * @param options Time, grace period, missing-element memory, in-flight submissions.
 * @returns What was decided.
 * @throws {TransportError} When the system cannot be reached (nothing is changed).
 */
export async function pollJobs(
  store: Store,
  link: SystemLink,
  options: PollJobsOptions,
): Promise<PollReport> {
  const system = link.system.name;
  const live = store.jobs.listJobs({ system, states: ["staged", "submitted"] });
  if (live.length === 0) return { jobs: 0, decided: [], orphans: [], recovered: [] };
  const statuses = await link.driver.status(link.transport);
  const markers = await readMarkers(link, live.map((j) => j.name));
  const decided: string[] = [];
  const orphans: JobRecord[] = [];
  const recovered: { job: JobRecord; how: "found-by-name" | "found-by-markers" }[] = [];
  const toRead: { job: JobRecord; key: string; path: string }[] = [];
  for (const job of live) {
    const status = statuses.get(job.name);
    const m = markers.get(job.name);
    if (job.state === "staged") {
      if (options.submitting.has(job.id)) continue;
      if (status) {
        store.jobs.markSubmitted(job.id, status.id, options.now);
        recovered.push({ job, how: "found-by-name" });
      } else if (m && (m.started.size || m.exits.size || m.outcomes.size)) {
        store.jobs.markSubmitted(job.id, "", options.now);
        recovered.push({ job, how: "found-by-markers" });
      } else {
        if (!options.runAlive(job.runId)) orphans.push(job);
        continue;
      }
    }
    for (const call of store.jobs.callsOf(job.id, "queued")) {
      if (m?.outcomes.has(call.key)) {
        toRead.push({ job, key: call.key, path: outcomeMarkerPath(job.dir, call.key) });
      }
    }
  }
  const texts = await link.transport.readFiles(toRead.map((r) => r.path));
  const withOutcome = new Set<string>();
  store.transaction(() => {
    texts.forEach((bytes, i) => {
      const { job, key, path } = toRead[i];
      if (!bytes) return;
      const parsed = safeParseOutcomeMarker(decoder.decode(bytes), path);
      // A marker that does not parse counts as absent: the element's end decides the call.
      if (!parsed.success) return;
      const marker = parsed.data;
      withOutcome.add(`${job.id}:${key}`);
      const row = store.getCall(key);
      const times = { startedAt: marker.startedAt, endedAt: marker.endedAt };
      if (marker.ok) {
        store.jobs.decideCall(job.id, key, { state: "done", resultRef: marker.result });
        store.jobs.putRemoteObject(marker.result, system, marker.size);
        if (row) {
          store.putCall({ ...row, state: "done", resultRef: marker.result, error: null, ...times });
        }
      } else {
        store.jobs.decideCall(job.id, key, {
          state: "failed",
          reason: "exception",
          detail: `${marker.error.name}: ${marker.error.message}`,
        });
        if (row) store.putCall({ ...row, state: "failed", error: marker.error, ...times });
      }
      decided.push(key);
    });
    for (const job of live) {
      if (job.state === "staged" && !recovered.some((r) => r.job.id === job.id)) continue;
      decided.push(
        ...decideElements(store, job, statuses.get(job.name), markers.get(job.name), {
          ...options,
          withOutcome,
        }),
      );
      if (store.jobs.callsOf(job.id, "queued").length === 0) {
        store.jobs.markEnded(job.id, "finished", options.now);
      }
    }
  });
  return { jobs: live.length, decided, orphans, recovered };
}

/** Decides the queued calls of elements that ended without an outcome for them. */
function decideElements(
  store: Store,
  job: JobRecord,
  status: JobStatus | undefined,
  markers: JobMarkers | undefined,
  options: PollJobsOptions & { withOutcome: ReadonlySet<string> },
): string[] {
  const byElement = new Map<number, string[]>();
  for (const call of store.jobs.callsOf(job.id, "queued")) {
    if (options.withOutcome.has(`${job.id}:${call.key}`)) continue;
    byElement.set(call.element, [...(byElement.get(call.element) ?? []), call.key]);
  }
  const decided: string[] = [];
  for (const [element, keys] of byElement) {
    const listed = status?.elements.get(element);
    const exitCode = markers?.exits.get(element);
    const id = `${job.name}:${element}`;
    let missingForMs = 0;
    if (listed === undefined && exitCode === undefined) {
      const since = options.missingSince.get(id) ?? options.now;
      options.missingSince.set(id, since);
      missingForMs = options.now - since;
    } else {
      options.missingSince.delete(id);
    }
    // The scheduler still lists the array but no longer this element, which never
    // started: it was cancelled (or removed) while pending; such elements leave no record.
    const vanished = status !== undefined && listed === undefined && exitCode === undefined &&
      !markers?.started.has(element);
    // drover's own runner failed (a file it could not read or write): not the user's code.
    const runnerFailed = exitCode === RUNNER_FAILED_EXIT_CODE;
    const outcome = runnerFailed
      ? {
        state: "failed" as const,
        reason: "lost" as const,
        retryable: true,
        detail:
          `drover's job runner failed (exit ${exitCode}) before recording these calls; see the element's stderr`,
      }
      : vanished
      ? {
        state: "failed" as const,
        reason: "cancelled" as const,
        retryable: true,
        detail: "the element left the queue before it started (cancelled while pending)",
      }
      : classifyOutcome({
        marker: exitCode === undefined ? undefined : { exitCode, hasResult: false },
        sacctState: listed?.state,
        squeueSeen: listed !== undefined,
        missingForMs,
        graceMs: options.graceMs,
      });
    if (outcome === null || outcome.state === "done") continue;
    options.missingSince.delete(id);
    for (const key of keys) {
      store.jobs.decideCall(job.id, key, {
        state: "failed",
        reason: outcome.reason,
        detail: outcome.detail,
      });
      if (!outcome.retryable) {
        const row = store.getCall(key);
        if (row) failCall(store, row, jobFailure(job, outcome.reason, outcome.detail), options.now);
      }
      decided.push(key);
    }
  }
  return decided;
}

/**
 * The error stored for a call whose job failed.
 *
 * @param job The job.
 * @param reason The failure class.
 * @param detail What happened.
 * @returns The stored error.
 */
export function jobFailure(job: JobRecord, reason: FailureReason, detail: string): StoredError {
  return {
    name: "JobFailedError",
    message: `job ${job.name}${
      job.schedulerId ? ` (${job.schedulerId})` : ""
    } on ${job.system} failed: ${detail}`,
    data: { reason, system: job.system, job: job.name, retryable: reason !== "exception" },
  };
}

/**
 * Marks a call failed with an error.
 *
 * @param store The store.
 * @param row The call.
 * @param error The error.
 * @param now The time.
 */
export function failCall(store: Store, row: CallRecord, error: StoredError, now: number): void {
  store.putCall({ ...row, state: "failed", error, endedAt: now });
}

/**
 * Lists the marker files of jobs in one command: exit codes, started elements, outcome
 * markers (names only; outcomes are read afterwards, only for calls still undecided).
 * Exit markers are listed before outcomes, and a job writes outcomes before its exit
 * marker, so an element seen as exited has all its outcomes listed.
 *
 * @param link The system.
 * @param names Job names.
 * @returns Markers by job name.
 */
export async function readMarkers(
  link: SystemLink,
  names: readonly string[],
): Promise<Map<string, JobMarkers>> {
  const root = `${await link.rundir()}/jobs`;
  const script = [
    `cd '${root.replaceAll("'", `'"'"'`)}' 2>/dev/null || exit 0`,
    "while read -r j; do",
    '  for f in "$j"/el/*.exit; do [ -f "$f" ] || continue; b=${f##*/}; c=; read -r c < "$f" || true; printf \'X %s %s %s\\n\' "$j" "${b%.exit}" "$c"; done',
    '  for f in "$j"/el/*.started; do [ -f "$f" ] || continue; b=${f##*/}; printf \'S %s %s\\n\' "$j" "${b%.started}"; done',
    '  for f in "$j"/out/*.json; do [ -f "$f" ] || continue; b=${f##*/}; printf \'O %s %s\\n\' "$j" "${b%.json}"; done',
    "done",
  ].join("\n");
  const r = await link.transport.exec(script, { stdin: names.join("\n") + "\n" });
  if (r.code !== 0) {
    throw new TransportError(
      link.transport.label,
      "io",
      `could not list job markers in ${root} (exit ${r.code}: ${r.stderr.trim()})`,
    );
  }
  const out = new Map<
    string,
    { exits: Map<number, number>; started: Set<number>; outcomes: Set<string> }
  >();
  for (const line of decoder.decode(r.stdout).split("\n")) {
    const [kind, job, what, value] = line.split(" ");
    if (!job || !what) continue;
    let m = out.get(job);
    if (!m) out.set(job, m = { exits: new Map(), started: new Set(), outcomes: new Set() });
    if (kind === "X" && /^\d+$/.test(what) && /^\d+$/.test(value ?? "")) {
      m.exits.set(Number(what), Number(value));
    } else if (kind === "S" && /^\d+$/.test(what)) m.started.add(Number(what));
    else if (kind === "O" && /^[0-9a-f]{64}$/.test(what)) m.outcomes.add(what);
  }
  return out;
}
