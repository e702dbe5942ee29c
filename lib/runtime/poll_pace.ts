/**
 * How soon to look again at a system's jobs: fast while elements are young (a trivial
 * element ends within a second or two of its start, and its end should be noticed within
 * half a second), slower as they age (an element that has run for an hour is not expected
 * to end in the next second), never slower than the loop's own backoff.
 *
 * @module
 */
import type { ElementState } from "../store/mod.ts";

/** The shortest wait between two looks at a system's markers, ms. */
export const FAST_POLL_MS = 250;

/** The part of an element's age waited before looking again (its end is noticed that late at most). */
export const AGE_FRACTION = 0.1;

/** A live job as the pace sees it. */
export interface PacedJob {
  /** When the scheduler took it (null: not yet). */
  readonly submittedAt: number | null;
  /** Its elements' persisted states and since when. */
  readonly elements: readonly { readonly state: ElementState; readonly since: number }[];
}

/** Options of {@linkcode pollPace}. */
export interface PollPaceOptions {
  /** The time now, ms. */
  readonly now: number;
  /** The loop's own wait (its backoff), ms: the pace never waits longer. */
  readonly backoffMs: number;
  /** The shortest wait, ms. Default: {@linkcode FAST_POLL_MS}. */
  readonly fastMs?: number;
}

/**
 * The wait before the next look at a system: for each element not yet ended, a tenth of
 * its age (since it started running, or since its job was submitted while it waits),
 * at least `fastMs`; the least of those and of `backoffMs`.
 *
 * @param jobs The system's live jobs.
 * @param options The time, the backoff, the shortest wait.
 * @returns The wait, ms.
 *
 * @example
 * ```ts
 * import { pollPace } from "./poll_pace.ts";
 * import assert from "node:assert/strict";
 * const young = { submittedAt: 0, elements: [{ state: "running" as const, since: 9_000 }] };
 * assert.equal(pollPace([young], { now: 10_000, backoffMs: 2000 }), 250);
 * const old = { submittedAt: 0, elements: [{ state: "running" as const, since: 0 }] };
 * assert.equal(pollPace([old], { now: 10_000, backoffMs: 2000 }), 1000);
 * assert.equal(pollPace([old], { now: 60_000, backoffMs: 2000 }), 2000);
 * assert.equal(pollPace([], { now: 60_000, backoffMs: 3000 }), 3000);
 * ```
 */
export function pollPace(jobs: readonly PacedJob[], options: PollPaceOptions): number {
  const fast = options.fastMs ?? FAST_POLL_MS;
  let youngest = -Infinity;
  for (const job of jobs) {
    if (job.submittedAt === null) continue; // its submitter is still at it
    for (const e of job.elements) {
      if (e.state === "decided" || e.state === "exited") continue;
      const start = e.state === "running" ? e.since : job.submittedAt;
      if (start > youngest) youngest = start;
    }
  }
  if (youngest === -Infinity) return options.backoffMs;
  const age = Math.max(0, options.now - youngest);
  return Math.min(options.backoffMs, Math.max(fast, Math.round(age * AGE_FRACTION)));
}
