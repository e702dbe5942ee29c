/**
 * Reading what a system says about live jobs (I/O, no store writes): one scheduler query
 * and one marker listing, which also carries every call log's contents (outcomes, small
 * results inline); outcome markers of jobs of earlier versions are read after it.
 *
 * @module
 */
import type { JobStatus } from "../scheduler/mod.ts";
import type { JobRecord } from "../store/mod.ts";
import { TransportError } from "../transport/mod.ts";
import { type CallLogRecord, inlineResult, outcomesByKey, parseCallLog } from "./element_files.ts";
import { type CallOutcomeMarker, outcomeMarkerPath, safeParseOutcomeMarker } from "./job_files.ts";
import { jobLayout, markerListingScript } from "./job_layout.ts";
import type { SystemLink } from "./system_link.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

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
  /** What the call logs say, by call key (the deciding record of each call). */
  readonly logged?: ReadonlyMap<string, CallLogRecord>;
}

/** What one poll read from a system. */
export interface PollObservation {
  /** The scheduler's jobs by name. */
  readonly statuses: ReadonlyMap<string, JobStatus>;
  /** Markers by job name. */
  readonly markers: ReadonlyMap<string, JobMarkers>;
  /** Outcome markers of undecided calls, by job id then key. */
  readonly outcomes: ReadonlyMap<number, ReadonlyMap<string, CallOutcomeMarker>>;
  /** Results that came inline with the outcomes, by hash (checked against it). */
  readonly results: ReadonlyMap<string, Uint8Array>;
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
  const outcomes = new Map<number, Map<string, CallOutcomeMarker>>();
  const results = new Map<string, Uint8Array>();
  for (const { job, pending } of live) {
    const m = markers.get(job.name);
    for (const key of pending) {
      const record = m?.logged?.get(key);
      if (record) {
        const { key: _key, ...marker } = record;
        if (marker.ok) {
          const { inline: _inline, ...rest } = marker;
          const bytes = inlineResult(record);
          if (bytes) results.set(marker.result, bytes);
          add(outcomes, job.id, key, rest);
        } else add(outcomes, job.id, key, marker);
      } else if (m?.outcomes.has(key)) {
        wanted.push({ jobId: job.id, key, path: outcomeMarkerPath(job.dir, key) });
      }
    }
  }
  const texts = wanted.length ? await link.transport.readFiles(wanted.map((w) => w.path)) : [];
  texts.forEach((bytes, i) => {
    const w = wanted[i];
    if (!bytes) return;
    const parsed = safeParseOutcomeMarker(decoder.decode(bytes), w.path);
    // A marker that does not parse counts as absent: the element's end decides the call.
    if (!parsed.success) return;
    add(outcomes, w.jobId, w.key, parsed.data);
  });
  return { statuses, markers, outcomes, results };
}

function add(
  outcomes: Map<number, Map<string, CallOutcomeMarker>>,
  jobId: number,
  key: string,
  marker: CallOutcomeMarker,
): void {
  let m = outcomes.get(jobId);
  if (!m) outcomes.set(jobId, m = new Map());
  m.set(key, marker);
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
      logged: Map<string, CallLogRecord>;
    }
  >();
  const entry = (job: string) => {
    let m = out.get(job);
    if (!m) {
      out.set(
        job,
        m = {
          exits: new Map(),
          started: new Set(),
          outcomes: new Set(),
          runnerFailed: new Set(),
          logged: new Map(),
        },
      );
    }
    return m;
  };
  const text = decoder.decode(r.stdout);
  const logsAt = text.indexOf("\x01L ");
  for (const line of (logsAt < 0 ? text : text.slice(0, logsAt)).split("\n")) {
    const [kind, job, what, value] = line.split(" ");
    if (!job || !what) continue;
    const m = entry(job);
    if (kind === "X" && /^\d+$/.test(what) && /^\d+$/.test(value ?? "")) {
      m.exits.set(Number(what), Number(value));
    } else if (kind === "S" && /^\d+$/.test(what)) m.started.add(Number(what));
    else if (kind === "O" && /^[0-9a-f]{64}$/.test(what)) m.outcomes.add(what);
    else if (kind === "R" && /^\d+$/.test(what)) m.runnerFailed.add(Number(what));
  }
  if (logsAt >= 0) {
    // Each file's section: its header line, then its lines (the newline before the next
    // header is the file's own).
    const files = text.slice(logsAt + 1).split("\n\x01");
    for (const [i, file] of files.entries()) {
      const header = /^L ([^/\n]+)\/out\/\d+\.log\n/.exec(file);
      if (!header) continue;
      const m = entry(header[1]);
      const body = file.slice(header[0].length) + (i < files.length - 1 ? "\n" : "");
      const log = parseCallLog(encoder.encode(body));
      for (const [key, record] of outcomesByKey(log.records)) {
        if (m.logged.get(key)?.ok) continue;
        m.logged.set(key, record);
        m.outcomes.add(key);
      }
    }
  }
  return out;
}
