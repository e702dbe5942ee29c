/**
 * `drover status`: how many calls each step has in each state, for the step's current code
 * version (its code identity and version salt) unless `--all-versions` asks for history;
 * and how many calcjobs (`drover add`) are in each state.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { CALCJOB_TRANSITIONS, CalcJobStore } from "../calcjob/mod.ts";
import { countCallsByVersion, type Store, type VersionStateCount } from "../store/mod.ts";
import type { Context } from "./_context.ts";
import { plural, renderTable, shortHash, toJson } from "./_output.ts";

/** Counts of one step's calls (of one code version) by state. */
export interface StepCounts {
  /** Step name, or `total` for the sum row. */
  readonly step: string;
  /** Code identity of these calls (empty in the total row). */
  readonly codeHash: string;
  /** Version salt of these calls (empty in the total row). */
  readonly version: string;
  /** Whether this is the step's current version. */
  readonly current: boolean;
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
 * Pivots (step, code, version, state, count) rows into one row per step and version, and
 * picks each step's current version: the newest one whose code identity is the one the
 * code cache holds for the step now (`currentCode`), else the newest one.
 *
 * @param counts As from `countCallsByVersion` (sorted by step, then newest first).
 * @param currentCode Step -> code identities the code cache holds for it now.
 * @returns One row per step and version (current first), and the totals of the current
 * rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { rows, total } = pivotVersions([
 *   { step: "a", codeHash: "c2", version: "", state: "done", count: 2, newest: 9 },
 *   { step: "a", codeHash: "c1", version: "", state: "failed", count: 1, newest: 5 },
 * ], {});
 * assert.deepEqual(rows.map((r) => [r.codeHash, r.current, r.total]), [["c2", true, 2], ["c1", false, 1]]);
 * assert.equal(total.total, 2);
 * ```
 */
export function pivotVersions(
  counts: readonly VersionStateCount[],
  currentCode: Readonly<Record<string, readonly string[]>>,
): { rows: StepCounts[]; total: StepCounts } {
  const groups = new Map<string, StepCounts & { newest: number }>();
  for (const c of counts) {
    const id = JSON.stringify([c.step, c.codeHash, c.version]);
    const g = groups.get(id) ?? {
      step: c.step,
      codeHash: c.codeHash,
      version: c.version,
      current: false,
      done: 0,
      failed: 0,
      running: 0,
      total: 0,
      newest: c.newest,
    };
    groups.set(id, {
      ...g,
      [c.state]: g[c.state] + c.count,
      total: g.total + c.count,
      newest: Math.max(g.newest, c.newest),
    });
  }
  const rows: StepCounts[] = [];
  const steps = [...new Set([...groups.values()].map((g) => g.step))].sort();
  for (const step of steps) {
    const versions = [...groups.values()].filter((g) => g.step === step)
      .sort((a, b) => b.newest - a.newest);
    const cached = currentCode[step] ?? [];
    const current = versions.find((v) => cached.includes(v.codeHash)) ?? versions[0];
    for (const v of [current, ...versions.filter((v) => v !== current)]) {
      const { newest: _, ...row } = v;
      rows.push({ ...row, current: v === current });
    }
  }
  const shown = rows.filter((r) => r.current);
  const sum = (f: "done" | "failed" | "running" | "total"): number =>
    shown.reduce((n, s) => n + s[f], 0);
  return {
    rows,
    total: {
      step: "total",
      codeHash: "",
      version: "",
      current: true,
      done: sum("done"),
      failed: sum("failed"),
      running: sum("running"),
      total: sum("total"),
    },
  };
}

/**
 * One line counting calcjobs by state, in lifecycle order (states with none left out).
 *
 * @param counts Calcjobs by state, as `CalcJobStore.counts()` gives them.
 * @returns The line with its newline, or `""` when there are no calcjobs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(calcjobCountsLine({ failed: 1, completed: 3, submitted: 2 }),
 *   "calcjobs: 6 (2 submitted, 3 completed, 1 failed)\n");
 * assert.equal(calcjobCountsLine({}), "");
 * ```
 */
export function calcjobCountsLine(counts: Readonly<Record<string, number>>): string {
  const parts = Object.keys(CALCJOB_TRANSITIONS).filter((s) => (counts[s] ?? 0) > 0)
    .map((s) => `${counts[s]} ${s}`);
  const total = Object.values(counts).reduce((n, c) => n + c, 0);
  return total === 0 ? "" : `calcjobs: ${total} (${parts.join(", ")})\n`;
}

/**
 * Builds the `status` command: a table of call counts by step and state.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function statusCommand(ctx: Context): CommandUnknownOpts {
  return new Command("status")
    .description("count calls of each step's current code by state")
    .option("--all-versions", "also count calls of older code and versions, one row each")
    .option("--json", "print the counts as JSON")
    .action((options) => {
      using store = ctx.openStore();
      const counts = countCallsByVersion(store);
      const { rows, total: currentTotal } = pivotVersions(counts, currentCodes(store, counts));
      const all = options.allVersions ?? false;
      const shown = all ? rows : rows.filter((r) => r.current);
      const sum = (f: "done" | "failed" | "running" | "total"): number =>
        shown.reduce((n, s) => n + s[f], 0);
      const total: StepCounts = all
        ? {
          ...currentTotal,
          done: sum("done"),
          failed: sum("failed"),
          running: sum("running"),
          total: sum("total"),
        }
        : currentTotal;
      const hidden = rows.filter((r) => !r.current).reduce((n, r) => n + r.total, 0);
      const calcjobs = new CalcJobStore(store).counts();
      if (options.json) {
        ctx.out(toJson({ store: store.dir, steps: shown, total, olderCalls: hidden, calcjobs }));
        return;
      }
      if (rows.length === 0) {
        ctx.out(`No calls recorded in ${store.dir}\n${calcjobCountsLine(calcjobs)}`);
        return;
      }
      const { style } = ctx;
      const cell = (n: number, color: (s: string) => string): string =>
        n === 0 ? "0" : color(String(n));
      const line = (s: StepCounts, last: boolean): string[] => [
        s.step,
        s.codeHash === "" ? "" : shortHash(s.codeHash),
        s.step === "total" && last ? "" : s.version === "" ? "(none)" : JSON.stringify(s.version),
        ...(all
          ? [s.step === "total" && last ? "" : s.current ? "current" : style.dim("older")]
          : []),
        cell(s.done, style.green),
        cell(s.failed, style.red),
        cell(s.running, style.yellow),
        String(s.total),
      ];
      const header = [
        "STEP",
        "CODE",
        "VERSION",
        ...(all ? ["STATUS"] : []),
        "DONE",
        "FAILED",
        "RUNNING",
        "TOTAL",
      ];
      const first = all ? 4 : 3;
      ctx.out(
        renderTable(header, [...shown.map((s) => line(s, false)), line(total, true)], {
          right: [first, first + 1, first + 2, first + 3],
          style,
          footerFrom: shown.length,
        }),
      );
      if (!all && hidden > 0) {
        ctx.out(
          style.dim(
            `${
              plural(hidden, "call")
            } of older code or versions not counted; --all-versions shows them`,
          ) + "\n",
        );
      }
      ctx.out(calcjobCountsLine(calcjobs));
    });
}

function currentCodes(
  store: Store,
  counts: readonly VersionStateCount[],
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const step of new Set(counts.map((c) => c.step))) {
    out[step] = store.code.filesOf(step)
      .map((file) => store.code.getCache(step, file)?.codeHash)
      .filter((h): h is string => h !== undefined);
  }
  return out;
}
