/**
 * Reports on a finished run from code: per-step progress rows, log lines, graphs
 * (`report.progress(run)`, `report.log(run)`, `report.graph(run, { format })`).
 *
 * @module
 */
import type { Store } from "../store/mod.ts";
import type { FlowEvent, FlowRunView, StepLiveState } from "./flow_run.ts";
import { flowGraph } from "./graph.ts";
import { viewOf } from "./_view.ts";

/** Options of the reports on a run given by id. */
export interface ReportOptions {
  /** The store to read the run from. Default: the current session's. */
  readonly store?: Store;
  /** The time a running step's duration is measured to. Default: now. */
  readonly now?: number;
}

/** One step's line of {@linkcode progressRows}. */
export interface ProgressRow {
  /** The step. */
  readonly step: string;
  /** Its state (pending or running while a stored run goes on). */
  readonly state: StepLiveState;
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
  /** How long it took (so far), ms; 0 when it has not started. */
  readonly ms: number;
}

/**
 * Per step of a run, in flow order: state, element counts, restarts and time.
 *
 * @param run A run, or the id of a run in the store (maybe still going).
 * @param options The store of a run given by id; the time of now.
 * @returns One row per step.
 * @throws {RangeError} for an id with no run.
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
export function progressRows(
  run: FlowRunView | number,
  options: ReportOptions = {},
): ProgressRow[] {
  const view = viewOf(run, options.store);
  const now = options.now ?? Date.now();
  return view.nodes.map((n) => view.steps[n.name]).filter((s) => s !== undefined).map((s) => ({
    step: s.step,
    state: s.state,
    mapped: s.mapped,
    ok: s.counts.ok,
    failed: s.counts.failed,
    skipped: s.counts.skipped,
    total: s.counts.ok + s.counts.failed + s.counts.skipped,
    restarts: s.restarts,
    ms: s.startedAt === null ? 0 : (s.endedAt ?? now) - s.startedAt,
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
    case "flow-job-submitted":
      return `step ${e.step} submitted as job ${e.job} on ${e.system}${
        e.schedulerId ? ` (${e.schedulerId})` : ""
      }: ${e.elements} element${e.elements === 1 ? "" : "s"}${
        e.attempt > 1 ? `, attempt ${e.attempt}` : ""
      }`;
  }
}

/**
 * The log of a run as lines: time since the start, then what happened.
 *
 * @param run A run, or the id of a run in the store.
 * @param options The store of a run given by id.
 * @returns The lines.
 * @throws {RangeError} for an id with no run.
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
export function logLines(run: FlowRunView | number, options: ReportOptions = {}): string[] {
  const view = viewOf(run, options.store);
  return view.log.map(({ at, event }) =>
    `+${Math.round(at - view.startedAt)} ms  ${describe(event)}`
  );
}

/**
 * Reports on runs, given as a run or as the id of a run in the store: `report.progress(run)`,
 * `report.log(run)`, `report.graph(run, { format })`.
 */
export const report: {
  readonly progress: typeof progressRows;
  readonly log: typeof logLines;
  readonly graph: typeof flowGraph;
} = Object.freeze({ progress: progressRows, log: logLines, graph: flowGraph });
