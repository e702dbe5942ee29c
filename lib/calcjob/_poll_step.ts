/**
 * The poll and download steps of the calcjob lifecycle: one scheduler query and one marker
 * read per system, each element classified, transient failures moved to `retrying` while
 * retries are left, completed ones downloaded.
 *
 * @module
 */
import { SchedulerCommandError } from "../scheduler/mod.ts";
import { TransportError } from "../transport/mod.ts";
import type { Store } from "../store/mod.ts";
import { EXIT_MARKER } from "./batch_plan.ts";
import type { CalcJobRecord, CalcJobStore } from "./calcjob_store.ts";
import { classifyElement } from "./classify_element.ts";
import { crashPoint } from "./_crash.ts";
import { decideRetry, DEFAULT_RETRIES } from "./retry_decision.ts";
import type { RunCalcJobsOptions } from "./run_calcjobs.ts";
import { downloadOutputs } from "./_transfer_steps.ts";

const decoder = new TextDecoder();

/** Counters of one run. */
export interface Run {
  submissions: number;
  statusQueries: number;
  polls: number;
}

/** What a run keeps between polls. */
export interface RunState {
  readonly run: Run;
  /** Since when each calcjob's element was neither listed nor marked. */
  readonly missingSince: Map<string, number>;
  /** Since when each system has not answered. */
  readonly unreachableSince: Map<string, number>;
  readonly now: () => number;
}

/** How long a system may go unreachable (its scheduler or its host) before a run gives up. */
export const UNREACHABLE_LIMIT_MS = 10 * 60_000;

/**
 * Runs `fn` against a system; when the system's scheduler or host cannot be reached (a
 * transient condition, by the error's class), reports it and returns undefined, so the
 * step is tried again at the next interval, until {@linkcode UNREACHABLE_LIMIT_MS}.
 */
export async function whenReachable<T>(
  system: string,
  state: RunState,
  options: RunCalcJobsOptions,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    const value = await fn();
    state.unreachableSince.delete(system);
    return value;
  } catch (e) {
    const transient = (e instanceof SchedulerCommandError && e.unreachable) ||
      (e instanceof TransportError && e.retryable);
    if (!transient || options.signal?.aborted) throw e;
    const since = state.unreachableSince.get(system) ?? state.now();
    state.unreachableSince.set(system, since);
    if (state.now() - since >= UNREACHABLE_LIMIT_MS) throw e;
    options.onEvent?.({ type: "unreachable", system, detail: (e as Error).message });
    return undefined;
  }
}

/** Polls one system's submitted calcjobs once and decides those that ended. */
export async function poll(
  calcjobs: CalcJobStore,
  store: Store,
  options: RunCalcJobsOptions,
  system: string,
  submitted: readonly CalcJobRecord[],
  state: RunState,
): Promise<void> {
  const link = options.linkFor(system);
  state.run.statusQueries++;
  const listing = await whenReachable(
    system,
    state,
    options,
    () => link.driver.status(link.transport, { signal: options.signal }),
  );
  if (listing === undefined) return;
  crashPoint("calcjob-polling");
  const rundir = await link.rundir();
  const markers = await link.transport.readFiles(
    submitted.map((c) => `${rundir}/calcjobs/${c.batch}/${c.element}/${EXIT_MARKER}`),
    { signal: options.signal },
  );
  const completed: CalcJobRecord[] = [];
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
        completed.push({ ...c, state: "downloading" });
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
  await download(calcjobs, store, system, completed, state, options);
}

/**
 * Downloads the outputs of `downloading` calcjobs of one system (one listing command, one
 * bulk read) and records each `completed`; an unreachable system leaves them `downloading`
 * for the next interval.
 */
export async function download(
  calcjobs: CalcJobStore,
  store: Store,
  system: string,
  cs: readonly CalcJobRecord[],
  state: RunState,
  options: RunCalcJobsOptions,
): Promise<void> {
  if (cs.length === 0) return;
  const link = options.linkFor(system);
  const counts = await whenReachable(
    system,
    state,
    options,
    () => downloadOutputs(store, link, cs, options.signal),
  );
  if (counts === undefined) return;
  for (const [i, c] of cs.entries()) {
    const { downloads, skipped } = counts[i];
    if (
      calcjobs.advance(c.id, "downloading", "completed", state.now(), { exitCode: 0, downloads })
    ) {
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
}
