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
import type { CalcJobFailure } from "./classify_element.ts";
import { crashPoint } from "./_crash.ts";
import { download, poll, type Run, type RunState, whenReachable } from "./_poll_step.ts";
import { batchDir, scriptOf, uploadBatch } from "./_transfer_steps.ts";

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
    /** The system's scheduler or host did not answer; the step is tried again. */
    readonly type: "unreachable";
    readonly system: string;
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
   * Default: 2 (`DEFAULT_RETRIES`).
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
  const now = (): number => options.clock.now();
  const state: RunState = { run, missingSince: new Map(), unreachableSince: new Map(), now };
  const mine = (c: CalcJobRecord): boolean =>
    options.system === undefined || c.system === options.system;
  const list = (states: readonly CalcJobState[]): CalcJobRecord[] =>
    calcjobs.list({ states }).filter(mine);
  while (true) {
    options.signal?.throwIfAborted();
    const downloading = list(["downloading"]);
    for (const system of new Set(downloading.map((c) => c.system))) {
      const there = downloading.filter((c) => c.system === system);
      await download(calcjobs, store, system, there, state, options);
    }
    for (const b of batchesIn(list(["uploading"]))) {
      const link = options.linkFor(b.system);
      const count = await uploadBatch(calcjobs, store, link, b, options.signal);
      calcjobs.advanceBatch(b.name, "uploading", "submitting", now());
      options.onEvent?.({ type: "uploaded", batch: b.name, ...count });
    }
    for (const b of batchesIn(list(["submitting"]))) {
      await submit(calcjobs, b, options, state);
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
      const mineThere = submitted.filter((c) => c.system === system);
      await poll(calcjobs, store, options, system, mineThere, state);
    }
    // Submitted calcjobs wait for their scheduler; submitting and downloading ones (left so
    // by an unreachable system) for the system.
    const waitFor = list(["submitted", "submitting", "downloading"]);
    if (waitFor.length > 0) {
      const pollMs = options.pollMs ??
        Math.min(...waitFor.map((c) => options.linkFor(c.system).system.pollMs));
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
  state: RunState,
): Promise<void> {
  const { run, now } = state;
  const link = options.linkFor(b.system);
  const dir = await batchDir(link, b.name);
  // A run killed after sbatch but before recording it: find the array by name, or by the
  // files its first element left, and adopt it instead of submitting again.
  run.statusQueries++;
  const listing = await whenReachable(
    b.system,
    state,
    options,
    () => link.driver.status(link.transport, { signal: options.signal }),
  );
  if (listing === undefined) return; // tried again after the interval
  let id = listing.get(b.name)?.id;
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
    // Unreachable: tried again after the interval, where the name check above finds an
    // array the scheduler took anyway.
    id = await whenReachable(
      b.system,
      state,
      options,
      () => link.driver.submit(link.transport, `${dir}/array.sh`, { signal: options.signal }),
    );
    if (id === undefined) return;
    crashPoint("calcjob-after-sbatch");
  }
  calcjobs.advanceBatch(b.name, "submitting", "submitted", now(), id);
  crashPoint("calcjob-after-submit");
  options.onEvent?.({ type: "submitted", batch: b.name, schedulerId: id, adopted });
}
