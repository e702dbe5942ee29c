/**
 * The calcjob lifecycle: upload → submit → poll → download, each state written before its
 * step, so a run killed at any point resumes at the right step without submitting twice.
 * Arrays are found again by their unique job name; an array whose first element left files
 * was submitted even if the scheduler no longer lists it.
 *
 * @module
 */
import { posix } from "node:path";
import type { Clock, SystemLink } from "../runtime/mod.ts";
import { shellJoin, shellQuote } from "../scheduler/mod.ts";
import type { Store } from "../store/mod.ts";
import type { FileToWrite } from "../transport/mod.ts";
import {
  type Batch,
  batchSpec,
  EXIT_MARKER,
  planBatches,
  SCRIPT_NAME,
  scriptDirectives,
} from "./batch_plan.ts";
import { type CalcJobRecord, type CalcJobState, CalcJobStore } from "./calcjob_store.ts";
import { classifyElement } from "./classify_element.ts";

/** What the lifecycle reports as it goes. */
export type CalcJobRunEvent =
  | {
    readonly type: "batched";
    readonly batch: string;
    readonly system: string;
    readonly size: number;
  }
  | { readonly type: "uploaded"; readonly batch: string; readonly files: number }
  | {
    readonly type: "submitted";
    readonly batch: string;
    readonly schedulerId: string;
    readonly adopted: boolean;
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
}

const IN_FLIGHT: readonly CalcJobState[] = ["uploading", "submitting", "submitted", "downloading"];
const decoder = new TextDecoder();

/**
 * Runs calcjobs until none is in flight or waiting: resumes the ones a killed run left,
 * batches `created` ones into arrays (keeping at most `number` in flight), and polls with ONE
 * scheduler query per system per interval.
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
  const run = { submissions: 0, statusQueries: 0 };
  const missingSince = new Map<string, number>();
  const now = (): number => options.clock.now();
  const mine = (c: CalcJobRecord): boolean =>
    options.system === undefined || c.system === options.system;
  while (true) {
    options.signal?.throwIfAborted();
    for (const c of calcjobs.list({ states: ["downloading"] }).filter(mine)) {
      await download(calcjobs, store, options.linkFor(c.system), c, now(), options);
    }
    for (const b of batchesIn(calcjobs, "uploading", mine)) {
      await upload(calcjobs, store, b, options, now);
    }
    for (const b of batchesIn(calcjobs, "submitting", mine)) {
      await submit(calcjobs, b, options, now, run);
    }
    const inFlight = calcjobs.list({ states: IN_FLIGHT }).filter(mine).length;
    const room = options.number === undefined ? Infinity : options.number - inFlight;
    const waiting = calcjobs.list({ states: ["created"] }).filter(mine);
    if (room > 0 && waiting.length > 0) {
      const chosen = waiting.slice(0, room);
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
        });
      }
      continue; // upload and submit them through the resume path above
    }
    const submitted = calcjobs.list({ states: ["submitted"] }).filter(mine);
    if (submitted.length === 0 && inFlight === 0) break;
    for (const system of new Set(submitted.map((c) => c.system))) {
      await poll(calcjobs, store, options, system, submitted.filter((c) => c.system === system), {
        run,
        missingSince,
        now,
      });
    }
    if (calcjobs.list({ states: ["submitted"] }).filter(mine).length > 0) {
      const pollMs = options.pollMs ??
        Math.min(...submitted.map((c) => options.linkFor(c.system).system.pollMs));
      await options.clock.sleep(pollMs, options.signal);
    }
  }
  return { counts: calcjobs.counts(), ...run };
}

function scriptOf(store: Store, c: CalcJobRecord): string {
  const bytes = store.objects.get(c.scriptSha256);
  if (bytes === undefined) {
    throw new Error(
      `Cannot read the job script of calcjob ${c.id}: object ${c.scriptSha256} is missing`,
    );
  }
  return decoder.decode(bytes);
}

function batchesIn(
  calcjobs: CalcJobStore,
  state: CalcJobState,
  mine: (c: CalcJobRecord) => boolean,
): Batch[] {
  const byName = new Map<string, CalcJobRecord[]>();
  for (const c of calcjobs.list({ states: [state] }).filter(mine)) {
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

/** The batch's directory on its system. */
async function batchDir(link: SystemLink, batch: string): Promise<string> {
  return `${await link.rundir()}/calcjobs/${batch}`;
}

async function upload(
  calcjobs: CalcJobStore,
  store: Store,
  b: Batch,
  options: RunCalcJobsOptions,
  now: () => number,
): Promise<void> {
  const link = options.linkFor(b.system);
  const dir = await batchDir(link, b.name);
  // Elements keep their original index even when some members were decided elsewhere.
  const all = calcjobs.list({}).filter((c) => c.batch === b.name).sort((x, y) =>
    x.element! - y.element!
  );
  const directives = scriptDirectives(scriptOf(store, all[0]), link.system.scheduler);
  const spec = batchSpec({ ...b, calcjobs: all, directives }, dir);
  const files: FileToWrite[] = [{
    path: `${dir}/array.sh`,
    data: new TextEncoder().encode(link.driver.render(spec)),
  }];
  for (const c of all) {
    const el = `${dir}/${c.element}`;
    files.push(
      {
        path: `${el}/${SCRIPT_NAME}`,
        data: store.objects.get(c.scriptSha256)!,
        mode: 0o700,
      } as never,
    );
    for (const f of calcjobs.files(c.id).filter((f) => f.direction === "in")) {
      const data = store.objects.get(f.sha256);
      if (data === undefined) {
        throw new Error(`Cannot upload ${f.path} of calcjob ${c.id}: object missing`);
      }
      files.push({ path: `${el}/${f.path}`, data });
    }
  }
  await link.transport.writeFiles(files, { signal: options.signal });
  calcjobs.advanceBatch(b.name, "uploading", "submitting", now());
  options.onEvent?.({ type: "uploaded", batch: b.name, files: files.length });
}

async function submit(
  calcjobs: CalcJobStore,
  b: Batch,
  options: RunCalcJobsOptions,
  now: () => number,
  run: { submissions: number; statusQueries: number },
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
    run.submissions++;
    id = await link.driver.submit(link.transport, `${dir}/array.sh`, { signal: options.signal });
  }
  calcjobs.advanceBatch(b.name, "submitting", "submitted", now(), id);
  options.onEvent?.({ type: "submitted", batch: b.name, schedulerId: id, adopted });
}

async function poll(
  calcjobs: CalcJobStore,
  store: Store,
  options: RunCalcJobsOptions,
  system: string,
  submitted: readonly CalcJobRecord[],
  state: { run: { statusQueries: number }; missingSince: Map<string, number>; now: () => number },
): Promise<void> {
  const link = options.linkFor(system);
  state.run.statusQueries++;
  const listing = await link.driver.status(link.transport, { signal: options.signal });
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
    if (outcome.state === "completed") {
      if (calcjobs.advance(c.id, "submitted", "downloading", t)) {
        await download(calcjobs, store, link, { ...c, state: "downloading" }, state.now(), options);
      }
      continue;
    }
    if (calcjobs.advance(c.id, "submitted", "failed", t, outcome)) {
      options.onEvent?.({ type: "finished", calcjob: c, state: "failed", detail: outcome.detail });
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
  const dir = `${await batchDir(link, c.batch!)}/${c.element}`;
  const paths: string[] = [];
  if (c.download.length > 0) {
    // Globs were checked at add time to hold no shell syntax but globbing.
    const script = `cd -- ${shellQuote(dir)} || exit 1; for f in ${c.download.join(" ")}; do ` +
      `[ -f "$f" ] && printf '%s\\0' "$f"; done; exit 0`;
    const r = await link.transport.exec(
      shellJoin(["bash", "-O", "globstar", "-O", "nullglob", "-c", script]),
      {
        signal: options.signal,
      },
    );
    if (r.code !== 0) {
      throw new Error(`Cannot list the outputs of calcjob ${c.id}: ${r.stderr.trim()}`);
    }
    const listed = decoder.decode(r.stdout).split("\0").filter((p) => p !== "");
    paths.push(...new Set(listed.map((p) => posix.normalize(p))));
  }
  const contents = await link.transport.readFiles(paths.map((p) => `${dir}/${p}`), {
    signal: options.signal,
  });
  const downloads = paths.flatMap((path, i) =>
    contents[i] === undefined ? [] : [{ path, sha256: store.objects.put(contents[i]!) }]
  );
  if (calcjobs.advance(c.id, "downloading", "completed", now, { exitCode: 0, downloads })) {
    options.onEvent?.({
      type: "finished",
      calcjob: c,
      state: "completed",
      detail: `${downloads.length} files downloaded`,
    });
  }
}
