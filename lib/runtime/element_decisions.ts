/**
 * What an element's evidence means for its pending calls (pure): the scheduler's view, the
 * markers it left, and its persisted state (missing since when).
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
} from "../store/mod.ts";
import type { JobMarkers } from "./observe.ts";

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
 * import { decideElements } from "./element_decisions.ts";
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
