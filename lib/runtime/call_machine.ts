/**
 * The in-memory phase of a remote call in one process, as a pure transition function: the
 * runtime moves each call only through {@linkcode transition}, so a call is never in two
 * jobs of this process at once and a settled call stays settled.
 *
 * ```
 * batched --flushed--> submitting --recorded--> in-job --decided(done|failed)--> settled
 *    ^                     |  |                  |  \--retry--> restart-pending --flushed--> submitting
 *    |                     |  \--held-by-other--> in-job (waits for the other's job)
 *    |                     \--refused|failed--> settled
 *    \------ attach: a call found in a job starts in-job; abort: any -> settled
 * ```
 *
 * @module
 */

/** Where a remote call is in this process. */
export type RemoteCallPhase = "batched" | "submitting" | "in-job" | "restart-pending" | "settled";

/** What happens to a remote call. */
export type RemoteCallEvent =
  | "flushed"
  | "recorded"
  | "held-by-other"
  | "unrecorded"
  | "retry"
  | "decided"
  | "refused"
  | "aborted";

const TABLE: Readonly<Record<RemoteCallPhase, Partial<Record<RemoteCallEvent, RemoteCallPhase>>>> =
  {
    batched: { flushed: "submitting", decided: "settled", aborted: "settled", refused: "settled" },
    submitting: {
      recorded: "in-job",
      "held-by-other": "in-job",
      unrecorded: "batched",
      refused: "settled",
      decided: "settled",
      aborted: "settled",
    },
    "in-job": {
      decided: "settled",
      retry: "restart-pending",
      aborted: "settled",
      refused: "settled",
    },
    "restart-pending": {
      flushed: "submitting",
      decided: "settled",
      aborted: "settled",
      refused: "settled",
    },
    settled: {},
  };

/** Every phase. */
export const REMOTE_CALL_PHASES: readonly RemoteCallPhase[] = Object.keys(
  TABLE,
) as RemoteCallPhase[];

/**
 * The next phase of a remote call, or undefined when the event does not apply (the runtime
 * ignores it: a late or duplicate event changes nothing).
 *
 * @param phase The current phase.
 * @param event What happened.
 * @returns The next phase, or undefined.
 *
 * @example
 * ```ts
 * import { transition } from "./call_machine.ts";
 * import assert from "node:assert/strict";
 * assert.equal(transition("batched", "flushed"), "submitting");
 * assert.equal(transition("in-job", "retry"), "restart-pending");
 * assert.equal(transition("settled", "retry"), undefined);
 * ```
 */
export function transition(
  phase: RemoteCallPhase,
  event: RemoteCallEvent,
): RemoteCallPhase | undefined {
  return TABLE[phase][event];
}
