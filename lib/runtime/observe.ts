/**
 * Reading what a system says about live jobs (I/O, no store writes): one scheduler query,
 * one marker listing, and the outcome markers of calls still pending.
 *
 * @module
 */
import type { JobStatus } from "../scheduler/mod.ts";
import type { JobRecord } from "../store/mod.ts";
import { TransportError } from "../transport/mod.ts";
import { type CallOutcomeMarker, outcomeMarkerPath, safeParseOutcomeMarker } from "./job_files.ts";
import { jobLayout, markerListingScript } from "./job_layout.ts";
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
