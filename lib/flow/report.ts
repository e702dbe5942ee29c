/**
 * Reports on a finished run from code: per-step progress rows, log lines, graphs
 * (`report.progress(run)`, `report.log(run)`, `report.graph(run, { format })`).
 *
 * @module
 */
import type { FlowEvent, FlowRun, StepRunState } from "./flow_run.ts";
import { flowGraph } from "./graph.ts";

/** One step's line of {@linkcode progressRows}. */
export interface ProgressRow {
  /** The step. */
  readonly step: string;
  /** Its final state. */
  readonly state: StepRunState;
  /** Whether it was mapped. */
  readonly mapped: boolean;
  /** Elements that succeeded. */
  readonly ok: number;
  /** Elements that failed. */
  readonly failed: number;
  /** Elements skipped because an input was missing. */
  readonly skipped: number;
  /** All elements. */
  readonly total: number;
  /** Restart rounds used. */
  readonly restarts: number;
  /** How long it took, ms. */
  readonly ms: number;
}

/**
 * Per step of a run, in flow order: state, element counts, restarts and time.
 *
 * @param run A finished run.
 * @returns One row per step.
 *
 * @example
 * ```ts
 * import { flow, mapStep, progressRows } from "./mod.ts";
 * import { openSession, step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await using session = openSession({ dir: `${dir}/.drover`, recordRun: false });
 * const inv = step("doc-progress-inv", ({ x }: { x: number }) => {
 *   if (x === 0) throw new RangeError("no inverse");
 *   return 1 / x;
 * }, { returns: "y" });
 * const run = await flow("p", mapStep(inv, "x[i] -> y[i]")).run({ x: [0, 1, 2] }, { session });
 * const [row] = progressRows(run);
 * assert.deepEqual({ ...row, ms: 0 }, {
 *   step: "doc-progress-inv", state: "partial", mapped: true, ok: 2, failed: 1, skipped: 0,
 *   total: 3, restarts: 0, ms: 0,
 * });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function progressRows(run: FlowRun): ProgressRow[] {
  return Object.values(run.steps).map((s) => ({
    step: s.step,
    state: s.state,
    mapped: s.mapped,
    ok: s.counts.ok,
    failed: s.counts.failed,
    skipped: s.counts.skipped,
    total: s.counts.ok + s.counts.failed + s.counts.skipped,
    restarts: s.restarts,
    ms: s.endedAt - s.startedAt,
  }));
}

function describe(e: FlowEvent): string {
  switch (e.type) {
    case "flow-step-start":
      return `step ${e.step} started (${e.elements} call${e.elements === 1 ? "" : "s"})`;
    case "flow-step-skipped":
      return `step ${e.step} skipped: ${e.missing.join(", ")} missing`;
    case "flow-element-failed":
      return `step ${e.step}${e.index.length ? ` element [${e.index.join(", ")}]` : ""} failed: ${
        e.message.split("\n")[0]
      }${e.key ? ` (drover calls show ${e.key.slice(0, 12)})` : ""}`;
    case "flow-restart":
      return `step ${e.step} restart round ${e.round}: ${e.elements} element${
        e.elements === 1 ? "" : "s"
      }`;
    case "flow-step-end":
      return `step ${e.step} ended: ${e.state}`;
  }
}

/**
 * The log of a run as lines: time since the start, then what happened.
 *
 * @param run A finished run.
 * @returns The lines.
 *
 * @example
 * ```ts
 * import { first, logLines } from "./mod.ts";
 * import { ManualClock } from "../runtime/mod.ts";
 * import { openSession, step } from "../step/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await using session = openSession({ dir: `${dir}/.drover`, recordRun: false });
 * const half = step("doc-log-half", ({ x }: { x: number }) => x / 2, { returns: "h" });
 * const run = await first(half).run({ x: 3 }, { session, clock: new ManualClock(0) });
 * assert.deepEqual(logLines(run), [
 *   "+0 ms  step doc-log-half started (1 call)",
 *   "+0 ms  step doc-log-half ended: succeeded",
 * ]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function logLines(run: FlowRun): string[] {
  return run.log.map(({ at, event }) =>
    `+${Math.round(at - run.startedAt)} ms  ${describe(event)}`
  );
}

/** Reports on runs: `report.progress(run)`, `report.log(run)`, `report.graph(run, { format })`. */
export const report: {
  readonly progress: typeof progressRows;
  readonly log: typeof logLines;
  readonly graph: typeof flowGraph;
} = Object.freeze({ progress: progressRows, log: logLines, graph: flowGraph });
