/**
 * Staging and submitting one recorded job: objects the system lacks, the manifest, the
 * script and input files, then the scheduler's submit command. The job row exists before
 * this runs, and its submission start is written before the submit command, so a crash at
 * any moment leaves a job that polling can find (by name or markers) or submit again.
 *
 * @module
 */
import { SchedulerCommandError, SubmitError } from "../scheduler/mod.ts";
import type { JobRecord, Store } from "../store/mod.ts";
import { TransportError } from "../transport/mod.ts";
import { crashPoint } from "./_crash.ts";
import type { Clock } from "./clock.ts";
import type { JobPlan } from "./job_plan.ts";
import { elementInputPacks } from "./element_files.ts";
import { parseManifest } from "./job_files.ts";
import { jobDirLayout } from "./job_layout.ts";
import type { SystemLink } from "./system_link.ts";

const decoder = new TextDecoder();

/** How a submission went. */
export type SubmitResult =
  | { readonly kind: "submitted"; readonly schedulerId: string }
  | { readonly kind: "cancelled" }
  | { readonly kind: "refused"; readonly error: SubmitError }
  | { readonly kind: "unreachable"; readonly error: Error };

/** Options of {@linkcode stageAndSubmit}. */
export interface StageOptions {
  /** The project store (objects, and the ledger's submission marks). */
  readonly store: Store;
  /** Time. */
  readonly clock: Clock;
  /** The job's plan (read from its spec). */
  readonly plan: JobPlan;
  /** Inputs bytes already in memory, by object hash (others are read from the store). */
  readonly inputs?: ReadonlyMap<string, Uint8Array>;
  /** Aborts the wait (the submission may still happen). */
  readonly signal?: AbortSignal;
}

/**
 * Stages a recorded (`staged`) job's files on its system and submits it, once.
 *
 * @param link The system.
 * @param job The job row.
 * @param options Store, clock, plan, inputs in memory.
 * @returns `submitted` (recorded as such), `cancelled` (the user cancelled it meanwhile;
 *   what the scheduler got is cancelled too), `refused` (recorded: the job is `refused` and
 *   its calls failed), or `unreachable` (the job stays staged: polling finds it or submits
 *   it again).
 * @throws {Error} When an object the job needs is missing from the store (a bug or a
 *   damaged store; nothing was submitted).
 */
export async function stageAndSubmit(
  link: SystemLink,
  job: JobRecord,
  options: StageOptions,
): Promise<SubmitResult> {
  const warming: Promise<void>[] = [];
  try {
    return await stageThenSubmit(link, job, options, warming);
  } finally {
    await Promise.all(warming);
  }
}

/** {@linkcode stageAndSubmit}; a warm-up of a newly staged bundle goes into `warming`. */
async function stageThenSubmit(
  link: SystemLink,
  job: JobRecord,
  options: StageOptions,
  warming: Promise<void>[],
): Promise<SubmitResult> {
  const { store, plan } = options;
  const need = (hash: string): Uint8Array => {
    const bytes = options.inputs?.get(hash) ?? store.objects.get(hash);
    if (!bytes) {
      throw new Error(`Cannot stage job ${job.name}: object ${hash} is missing from the store`);
    }
    return bytes;
  };
  const dir = jobDirLayout(job.dir);
  const empty = new Uint8Array();
  try {
    // Inputs go as one pack per element (`in/<i>.bin`) when the manifest says so.
    const manifest = parseManifest(decoder.decode(need(plan.manifest)), dir.manifest);
    const packs = manifest.packed ? elementInputPacks(manifest.elements, need) : [];
    const inputs = manifest.packed ? [] : store.jobs.callsOf(job.id).map((c) => c.inputsRef);
    const staged = await link.stageMissing([
      { hash: plan.bundle, bytes: () => need(plan.bundle) },
      ...[...new Set(inputs)].map((hash) => ({ hash, bytes: () => need(hash) })),
    ]);
    // A bundle new on the system is loaded once while the job is submitted and queued.
    if (staged.has(plan.bundle)) warming.push(link.warmUp(plan.bundle).catch(() => {}));
    await link.transport.writeFiles([
      { path: dir.manifest, data: need(plan.manifest), mode: 0o600 },
      ...packs.map((data, i) => ({ path: dir.inputs(i), data, mode: 0o600 })),
      { path: dir.script, data: need(plan.script), mode: 0o700 },
      ...(plan.files ?? []).map((f) => ({
        path: `${dir.dir}/${f.target}`,
        data: need(f.ref),
        mode: (f.mode ?? 0o600) & 0o700,
      })),
      ...dir.keepFiles.map((path) => ({ path, data: empty, mode: 0o600 })),
    ]);
  } catch (e) {
    if (e instanceof TransportError) return { kind: "unreachable", error: e };
    throw e;
  }
  if (!store.ledger.markSubmitting(job.id, options.clock.now())) return { kind: "cancelled" };
  let schedulerId: string;
  try {
    crashPoint("before-submit");
    schedulerId = await link.driver.submit(link.transport, dir.script, { signal: options.signal });
    crashPoint("after-submit");
  } catch (e) {
    if (e instanceof SubmitError && !e.unreachable) {
      store.ledger.refuseJob(job.id, e.message, options.clock.now());
      return { kind: "refused", error: e };
    }
    if (e instanceof TransportError || e instanceof SchedulerCommandError) {
      return { kind: "unreachable", error: e };
    }
    // An answer that is not a job id: the job may be queued; polling looks for it by name.
    return { kind: "unreachable", error: e instanceof Error ? e : new Error(String(e)) };
  }
  if (!store.ledger.markSubmitted(job.id, schedulerId, options.clock.now())) {
    // Cancelled by the user while sbatch ran: cancel what the scheduler got.
    await link.driver.cancel(link.transport, [schedulerId]).catch(() => {});
    return { kind: "cancelled" };
  }
  return { kind: "submitted", schedulerId };
}
