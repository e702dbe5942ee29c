/**
 * `drover status`: how many calls each step has in each state.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import type { StepStateCount } from "../store/mod.ts";
import type { Context } from "./_context.ts";
import { renderTable, toJson } from "./_output.ts";

/** Counts of one step's calls by state. */
export interface StepCounts {
  /** Step name, or `total` for the sum row. */
  readonly step: string;
  /** Calls done. */
  readonly done: number;
  /** Calls failed. */
  readonly failed: number;
  /** Calls running. */
  readonly running: number;
  /** All of them. */
  readonly total: number;
}

/**
 * Pivots (step, state, count) rows into one row per step.
 *
 * @param counts As from `Store.countCalls`.
 * @returns One row per step (sorted by name) and the totals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { steps, total } = pivotCounts([
 *   { step: "a", state: "done", count: 2 },
 *   { step: "a", state: "failed", count: 1 },
 * ]);
 * assert.deepEqual(steps, [{ step: "a", done: 2, failed: 1, running: 0, total: 3 }]);
 * assert.equal(total.total, 3);
 * ```
 */
export function pivotCounts(
  counts: readonly StepStateCount[],
): { steps: StepCounts[]; total: StepCounts } {
  const byStep = new Map<string, { done: number; failed: number; running: number }>();
  for (const { step, state, count } of counts) {
    const row = byStep.get(step) ?? { done: 0, failed: 0, running: 0 };
    row[state] += count;
    byStep.set(step, row);
  }
  const steps = [...byStep.keys()].sort().map((step) => {
    const r = byStep.get(step)!;
    return { step, ...r, total: r.done + r.failed + r.running };
  });
  const sum = (f: "done" | "failed" | "running" | "total"): number =>
    steps.reduce((n, s) => n + s[f], 0);
  return {
    steps,
    total: {
      step: "total",
      done: sum("done"),
      failed: sum("failed"),
      running: sum("running"),
      total: sum("total"),
    },
  };
}

/**
 * Builds the `status` command: a table of call counts by step and state.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function statusCommand(ctx: Context): CommandUnknownOpts {
  return new Command("status")
    .description("count calls by step and state")
    .option("--json", "print the counts as JSON")
    .action((options) => {
      using store = ctx.openStore();
      const { steps, total } = pivotCounts(store.countCalls());
      if (options.json) {
        ctx.out(toJson({ store: store.dir, steps, total }));
        return;
      }
      if (steps.length === 0) {
        ctx.out(`No calls recorded in ${store.dir}\n`);
        return;
      }
      const { style } = ctx;
      const cell = (n: number, color: (s: string) => string): string =>
        n === 0 ? "0" : color(String(n));
      const rows = [...steps, total].map((s) => [
        s.step,
        cell(s.done, style.green),
        cell(s.failed, style.red),
        cell(s.running, style.yellow),
        String(s.total),
      ]);
      ctx.out(
        renderTable(["STEP", "DONE", "FAILED", "RUNNING", "TOTAL"], rows, {
          right: [1, 2, 3, 4],
          style,
          footerFrom: steps.length,
        }),
      );
    });
}
