/**
 * Private to lib/cli: the "what will be deleted" lines destructive commands show.
 *
 * @module
 */
import type { CallState } from "../store/mod.ts";
import { escapeLine } from "./_terminal_text.ts";

/**
 * Counts calls by step, then by state: `relax  3 done, 1 failed` lines, indented.
 *
 * @param calls The calls (step and state of each).
 * @returns One line per step, sorted by step name, each ending with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   stepStateLines([
 *     { step: "relax", state: "done" },
 *     { step: "relax", state: "failed" },
 *     { step: "relax", state: "done" },
 *     { step: "score", state: "running" },
 *   ]),
 *   "  relax  2 done, 1 failed\n  score  1 running\n",
 * );
 * ```
 */
export function stepStateLines(
  calls: readonly { readonly step: string; readonly state: CallState }[],
): string {
  const bySteps = new Map<string, Map<string, number>>();
  for (const c of calls) {
    const states = bySteps.get(c.step) ?? new Map<string, number>();
    states.set(c.state, (states.get(c.state) ?? 0) + 1);
    bySteps.set(c.step, states);
  }
  const steps = [...bySteps.keys()].sort();
  const width = Math.max(0, ...steps.map((s) => escapeLine(s).length));
  const order = ["done", "failed", "running"];
  return steps.map((step) => {
    const states = bySteps.get(step)!;
    const parts = [...states.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b))
      .map((state) => `${states.get(state)} ${state}`);
    return `  ${escapeLine(step).padEnd(width)}  ${parts.join(", ")}\n`;
  }).join("");
}
