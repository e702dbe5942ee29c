/**
 * The calcjob lifecycle: upload → submit → poll → download, each state written before its
 * step, so a run killed at any point resumes at the right step without submitting twice.
 * Arrays are found again by their unique job name; an array whose first element left files
 * was submitted even if the scheduler no longer lists it. Transient failures (node failure,
 * preemption, lost) are retried up to a limit, each round as one array of the retried
 * calcjobs; uploads and downloads skip what the other side already holds (by sha256).
 *
 * @module
 */
import type { Clock, SystemLink } from "../runtime/mod.ts";
import type { Store } from "../store/mod.ts";
import { type Batch, EXIT_MARKER, planBatches, scriptDirectives } from "./batch_plan.ts";
import { type CalcJobRecord, type CalcJobState, CalcJobStore } from "./calcjob_store.ts";
import { type CalcJobFailure, classifyElement } from "./classify_element.ts";
import { crashPoint } from "./_crash.ts";
import { decideRetry, DEFAULT_RETRIES } from "./retry_decision.ts";
import { batchDir, downloadOutputs, scriptOf, uploadBatch } from "./_transfer_steps.ts";

/** What the lifecycle reports as it goes. */
export type CalcJobRunEvent =
  | {
    readonly type: "batched";
    readonly batch: string;
    readonly system: string;
    readonly size: number;
    /** Whether the array is a retry round (its members failed transiently before). */
    readonly retry: boolean;
  }
  | {
    readonly type: "uploaded";
    readonly batch: string;
    /** Files the array needs on the system. */
    readonly files: number;
    /** Of those, already there with the same sha256 (not sent). */
    readonly skipped: number;
  }
  | {
    readonly type: "submitted";
    readonly batch: string;
    readonly schedulerId: string;
    readonly adopted: boolean;
  }
  | {
    readonly type: "retrying";
    readonly calcjob: CalcJobRecord;
    readonly reason: CalcJobFailure;
    /** Which retry comes (1 for the first) and the limit. */
    readonly retry: number;
    readonly of: number;
    readonly detail: string;
  }
  | {
    readonly type: "finished";
    readonly calcjob: CalcJobRecord;
    readonly state: "completed" | "failed";
    readonly detail: string;
  };

/** Options of {@linkcode runCalcJobs}. */
export interface RunCalcJobsOptions {
  /** The link (transport, driver, rundir) of a system by name. */
  readonly linkFor: (system: string) => SystemLink;
  /** Most calcjobs in flight at once; more are batched as others end. Default: all. */
  readonly number?: number;
  /** Only this system's calcjobs. Default: every system. */
  readonly system?: string;
  /** Clock for waits and timestamps. */
  readonly clock: Clock;
  /** Interval between polls in ms. Default: each system's `pollMs`. */
  readonly pollMs?: number;
  /**
   * Retries after a transient failure for calcjobs whose jobs file sets no `retries`.
   * Default: {@linkcode DEFAULT_RETRIES}.
   */
  readonly retries?: number;
  /** Progress. */
  readonly onEvent?: (event: CalcJobRunEvent) => void;
  /** Stops between steps (what is done is recorded). */
  readonly signal?: AbortSignal;
}

/** What a run left. */
export interface RunCalcJobsSummary {
  /** Calcjobs by state at the end. */
  readonly counts: Readonly<Record<string, number>>;
  /** `sbatch` (or `qsub`) commands run. */
  readonly submissions: number;
  /** Scheduler status queries made. */
  readonly statusQueries: number;
  /** Poll rounds (each makes one status query per system with calcjobs submitted). */
  readonly polls: number;
}

const IN_FLIGHT: readonly CalcJobState[] = [
  "uploading",
  "submitting",
  "submitted",
  "retrying",
  "downloading",
];
const decoder = new TextDecoder();

interface Run {
  submissions: number;
  statusQueries: number;
  polls: number;
}

/**
 * Runs calcjobs until none is in flight or waiting: resumes the ones a killed run left,
 * puts calcjobs waiting for a retry into new arrays (one round at a time), batches `created`
 * ones into arrays (keeping at most `number` in flight), and polls with ONE scheduler query
 * per system per interval.
 *
 * @param store The project store.
 * @param options Links, limits, clock, events.
 * @returns The counts at the end and how many submissions and queries it made.
 */
export async function runCalcJobs(
  store: Store,
  options: RunCalcJobsOptions,
): Promise<RunCalcJobsSummary> {
  const calcjobs = new CalcJobStore(store);
  const run: Run = { submissions: 0, statusQueries: 0, polls: 0 };
  const missingSince = new Map<string, number>();
  const now = (): number => options.clock.now();
  const mine = (c: CalcJobRecord): boolean =>
    options.system === undefined || c.system === options.system;
  const list = (states: readonly CalcJobState[]): CalcJobRecord[] =>
    calcjobs.list({ states }).filter(mine);
  while (true) {
    options.signal?.throwIfAborted();
    for (const c of list(["downloading"])) {
      await download(calcjobs, store, options.linkFor(c.system), c, now(), options);
    }
    for (const b of batchesIn(list(["uploading"]))) {
      const link = options.linkFor(b.system);
      const count = await uploadBatch(calcjobs, store, link, b, options.signal);
      calcjobs.advanceBatch(b.name, "uploading", "submitting", now());
      options.onEvent?.({ type: "uploaded", batch: b.name, ...count });
    }
    for (const b of batchesIn(list(["submitting"]))) {
      await submit(calcjobs, b, options, now, run);
    }
    const retrying = list(["retrying"]);
    if (retrying.length > 0) {
      await batch(calcjobs, store, retrying, options, now, true);
      continue; // upload and submit the retry round through the resume path above
    }
    const inFlight = list(IN_FLIGHT).length;
    const room = options.number === undefined ? Infinity : options.number - inFlight;
    const waiting = list(["created"]);
    if (room > 0 && waiting.length > 0) {
      await batch(calcjobs, store, waiting.slice(0, room), options, now, false);
      continue;
    }
    const submitted = list(["submitted"]);
    if (submitted.length === 0 && inFlight === 0) break;
    run.polls++;
    for (const system of new Set(submitted.map((c) => c.system))) {
      await poll(calcjobs, store, options, system, submitted.filter((c) => c.system === system), {
        run,
        missingSince,
        now,
      });
    }
    if (list(["submitted"]).length > 0) {
      const pollMs = options.pollMs ??
        Math.min(...submitted.map((c) => options.linkFor(c.system).system.pollMs));
      await options.clock.sleep(pollMs, options.signal);
    }
  }
  return { counts: calcjobs.counts(), ...run };
}

/** Plans arrays for `chosen` (created, or a retry round) and records them `uploading`. */
async function batch(
  calcjobs: CalcJobStore,
  store: Store,
  chosen: readonly CalcJobRecord[],
  options: RunCalcJobsOptions,
  now: () => number,
  retry: boolean,
): Promise<void> {
  const limits = new Map<string, number>();
  for (const system of new Set(chosen.map((c) => c.system))) {
    const link = options.linkFor(system);
    limits.set(system, (await link.driver.limits(link.transport)).maxArraySize);
  }
  const batches = planBatches(
    chosen,
    (c) => scriptDirectives(scriptOf(store, c), options.linkFor(c.system).system.scheduler),
    (system) => limits.get(system)!,
    crypto.randomUUID(),
  );
  calcjobs.assign(batches, now());
  for (const b of batches) {
    options.onEvent?.({
      type: "batched",
      batch: b.name,
      system: b.system,
      size: b.calcjobs.length,
      retry,
    });
  }
}

function batchesIn(members: readonly CalcJobRecord[]): Batch[] {
  const byName = new Map<string, CalcJobRecord[]>();
  for (const c of members) {
    const list = byName.get(c.batch!) ?? [];
    list.push(c);
    byName.set(c.batch!, list);
  }
  return [...byName].map(([name, members]) => ({
    name,
    system: members[0].system,
    calcjobs: members.sort((a, b) => a.element! - b.element!),
    directives: [],
  }));
}

async function submit(
  calcjobs: CalcJobStore,
  b: Batch,
  options: RunCalcJobsOptions,
  now: () => number,
  run: Run,
): Promise<void> {
  const link = options.linkFor(b.system);
  const dir = await batchDir(link, b.name);
  // A run killed after sbatch but before recording it: find the array by name, or by the
  // files its first element left, and adopt it instead of submitting again.
  run.statusQueries++;
  const listed = (await link.driver.status(link.transport, { signal: options.signal })).get(b.name);
  let id = listed?.id;
  if (id === undefined) {
    const [out, exit] = await link.transport.readFiles([
      `${dir}/0/_scheduler.out`,
      `${dir}/0/${EXIT_MARKER}`,
    ]);
    if (out !== undefined || exit !== undefined) id = "unknown";
  }
  const adopted = id !== undefined;
  if (id === undefined) {
    crashPoint("calcjob-before-sbatch");
    run.submissions++;
    id = await link.driver.submit(link.transport, `${dir}/array.sh`, { signal: options.signal });
    crashPoint("calcjob-after-sbatch");
  }
  calcjobs.advanceBatch(b.name, "submitting", "submitted", now(), id);
  crashPoint("calcjob-after-submit");
  options.onEvent?.({ type: "submitted", batch: b.name, schedulerId: id, adopted });
}

async function poll(
  calcjobs: CalcJobStore,
  store: Store,
  options: RunCalcJobsOptions,
  system: string,
  submitted: readonly CalcJobRecord[],
  state: { run: Run; missingSince: Map<string, number>; now: () => number },
): Promise<void> {
  const link = options.linkFor(system);
  state.run.statusQueries++;
  const listing = await link.driver.status(link.transport, { signal: options.signal });
  crashPoint("calcjob-polling");
  const rundir = await link.rundir();
  const markers = await link.transport.readFiles(
    submitted.map((c) => `${rundir}/calcjobs/${c.batch}/${c.element}/${EXIT_MARKER}`),
    { signal: options.signal },
  );
  for (const [i, c] of submitted.entries()) {
    const text = markers[i] === undefined ? undefined : decoder.decode(markers[i]).trim();
    const exitCode = text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
    const element = listing.get(c.batch!)?.elements.get(c.element!);
    const t = state.now();
    // A COMPLETED element without its marker counts as missing: it is lost after the grace.
    const live = element !== undefined && element.state.split(/\s/)[0] !== "COMPLETED";
    if (live || exitCode !== undefined) state.missingSince.delete(c.id);
    else if (!state.missingSince.has(c.id)) state.missingSince.set(c.id, t);
    const outcome = classifyElement({
      exitCode,
      state: element?.state,
      missingForMs: t - (state.missingSince.get(c.id) ?? t),
    });
    if (outcome === null) continue;
    state.missingSince.delete(c.id);
    if (outcome.state === "completed") {
      if (calcjobs.advance(c.id, "submitted", "downloading", t)) {
        await download(calcjobs, store, link, { ...c, state: "downloading" }, state.now(), options);
      }
      continue;
    }
    const limit = c.maxRetries ?? options.retries ?? DEFAULT_RETRIES;
    const decision = decideRetry(outcome.reason, c.attempts, limit);
    const details = { reason: outcome.reason, exitCode: outcome.exitCode };
    if (decision.action === "retry") {
      const detail = `${outcome.detail}; retry ${decision.retry} of ${decision.of}`;
      if (calcjobs.advance(c.id, "submitted", "retrying", t, { ...details, detail })) {
        options.onEvent?.({
          type: "retrying",
          calcjob: c,
          reason: outcome.reason,
          retry: decision.retry,
          of: decision.of,
          detail,
        });
      }
      continue;
    }
    const detail = decision.why === "exhausted"
      ? `${outcome.detail}; no retries left (${limit} used)`
      : outcome.detail;
    if (calcjobs.advance(c.id, "submitted", "failed", t, { ...details, detail })) {
      options.onEvent?.({ type: "finished", calcjob: c, state: "failed", detail });
    }
  }
}

async function download(
  calcjobs: CalcJobStore,
  store: Store,
  link: SystemLink,
  c: CalcJobRecord,
  now: number,
  options: RunCalcJobsOptions,
): Promise<void> {
  const { downloads, skipped } = await downloadOutputs(store, link, c, options.signal);
  if (calcjobs.advance(c.id, "downloading", "completed", now, { exitCode: 0, downloads })) {
    options.onEvent?.({
      type: "finished",
      calcjob: c,
      state: "completed",
      detail: `${downloads.length} files downloaded${
        skipped > 0 ? `, ${skipped} of them already stored` : ""
      }`,
    });
  }
}
