/**
 * How a calcjob's array element ended, from its exit marker and the scheduler's listing.
 *
 * @module
 */

/** Why a calcjob failed. */
export type CalcJobFailure =
  | "exit-code"
  | "timeout"
  | "out-of-memory"
  | "node-failure"
  | "cancelled"
  | "preempted"
  | "lost";

/** How an element ended. */
export type ElementOutcome =
  | { readonly state: "completed" }
  | {
    readonly state: "failed";
    readonly reason: CalcJobFailure;
    /** The job script's exit code, when it wrote one. */
    readonly exitCode?: number;
    /** One sentence for people. */
    readonly detail: string;
  };

/** What is known about one element. */
export interface ElementEvidence {
  /** The exit code from the marker its wrapper wrote; absent when none. */
  readonly exitCode?: number;
  /** Its state in the latest listing (`RUNNING`, `TIMEOUT`, ...); absent when not listed. */
  readonly state?: string;
  /** How long it has been neither listed nor marked, in ms. */
  readonly missingForMs: number;
}

/** How long an element may be neither listed nor marked before it counts as lost. */
export const LOST_AFTER_MS = 60_000;

const BY_STATE: Readonly<Record<string, CalcJobFailure>> = {
  TIMEOUT: "timeout",
  DEADLINE: "timeout",
  OUT_OF_MEMORY: "out-of-memory",
  NODE_FAIL: "node-failure",
  BOOT_FAIL: "node-failure",
  CANCELLED: "cancelled",
  PREEMPTED: "preempted",
  FAILED: "exit-code",
};

/**
 * Decides an element: an exit marker decides it unless the scheduler names a kill it
 * explains (out of memory, timeout, node failure, cancelled); with no marker, a terminal
 * scheduler state decides it (FAILED and TIMEOUT end polling like the others); neither
 * listed nor marked for {@linkcode LOST_AFTER_MS} is lost. `COMPLETED` without a marker
 * waits for the marker (a shared filesystem may lag) until then.
 *
 * @param evidence The marker and listing.
 * @returns The outcome, or null while it still runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyElement } from "./classify_element.ts";
 * assert.deepEqual(classifyElement({ exitCode: 0, missingForMs: 0 }), { state: "completed" });
 * assert.equal(classifyElement({ state: "RUNNING", missingForMs: 0 }), null);
 * const t = classifyElement({ state: "TIMEOUT", missingForMs: 0 });
 * assert.equal(t?.state === "failed" && t.reason, "timeout");
 * const f = classifyElement({ exitCode: 3, state: "FAILED", missingForMs: 0 });
 * assert.deepEqual(f, { state: "failed", reason: "exit-code", exitCode: 3,
 *   detail: "the job script exited with code 3" });
 * ```
 */
export function classifyElement(evidence: ElementEvidence): ElementOutcome | null {
  const state = evidence.state?.split(/\s/)[0];
  const killed = state === undefined ? undefined : BY_STATE[state];
  if (evidence.exitCode !== undefined) {
    if (killed !== undefined && killed !== "exit-code") {
      return failed(killed, `the scheduler says ${state}`, evidence.exitCode);
    }
    if (evidence.exitCode === 0) return { state: "completed" };
    return failed(
      "exit-code",
      `the job script exited with code ${evidence.exitCode}`,
      evidence.exitCode,
    );
  }
  if (killed !== undefined) {
    return failed(
      killed,
      killed === "exit-code"
        ? "the scheduler says FAILED and the job script wrote no exit code"
        : `the scheduler says ${state} (the job script wrote no exit code)`,
    );
  }
  if (evidence.missingForMs >= LOST_AFTER_MS) {
    return failed(
      "lost",
      `neither listed by the scheduler nor marked done for ${
        Math.round(evidence.missingForMs / 1000)
      } s`,
    );
  }
  return null;
}

function failed(reason: CalcJobFailure, detail: string, exitCode?: number): ElementOutcome {
  return exitCode === undefined
    ? { state: "failed", reason, detail }
    : { state: "failed", reason, exitCode, detail };
}
