/**
 * `drover rm`: remove recorded calls so they are computed again.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Option } from "npm:@commander-js/extra-typings@^14.0.0";
import { type CallFilter, type CallRecord, objectsSize } from "../store/mod.ts";
import { collectKeys, parseStates } from "./_args.ts";
import type { Context } from "./_context.ts";
import { UsageError } from "./_errors.ts";
import { resolveCallKey } from "./_keys.ts";
import { escapeLine } from "./_terminal_text.ts";
import { formatBytes, plural, toJson } from "./_output.ts";
import { confirm } from "./_confirm.ts";
import { stepStateLines } from "./_plan.ts";

/** What `rm` did (or would do). */
export interface RemoveSummary {
  /** Whether nothing was changed. */
  readonly dryRun: boolean;
  /** How many calls were (or would be) removed. */
  readonly removed: number;
  /** Step name -> how many of its calls. */
  readonly bySteps: Readonly<Record<string, number>>;
}

/**
 * Says what `rm` did: `Removed 12 calls: relax 10, score 2`.
 *
 * @param summary The counts.
 * @returns One line, with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeRemoval({ dryRun: true, removed: 3, bySteps: { relax: 2, score: 1 } }),
 *   "Would remove 3 calls: relax 2, score 1\n",
 * );
 * ```
 */
export function describeRemoval(summary: RemoveSummary): string {
  const verb = summary.dryRun ? "Would remove" : "Removed";
  const steps = Object.entries(summary.bySteps).map(([step, n]) => `${escapeLine(step)} ${n}`)
    .join(", ");
  return `${verb} ${plural(summary.removed, "call")}${steps ? `: ${steps}` : ""}\n`;
}

/**
 * Builds the `rm` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function rmCommand(ctx: Context): CommandUnknownOpts {
  return new Command("rm")
    .description("remove recorded calls so they are computed again")
    .argument("[keys...]", "call keys or unique prefixes (6+ hex digits)", collectKeys)
    .option("--step <name>", "only calls of this step")
    .addOption(
      new Option("--state <states>", "only calls in these states: done, failed, running")
        .argParser(parseStates),
    )
    .option("--where <sql>", 'SQL condition on the calls columns, e.g. "attempts > 1"')
    .option("--all", "allow removing every call when no other filter is given")
    .option("-y, --yes", "do not ask; needed when standard input is not a terminal")
    .option("--dry-run", "only say what would be removed")
    .option("--json", "print the result as JSON")
    .action(async (keys, options) => {
      const hasFilter = (keys?.length ?? 0) > 0 || options.step !== undefined ||
        options.state !== undefined || options.where !== undefined;
      if (!hasFilter && !options.all) {
        throw new UsageError(
          "Cannot remove calls: no filter given; name keys or use --step, --state, --where, or --all to remove every call",
        );
      }
      using store = ctx.openStore();
      const dryRun = options.dryRun ?? false;
      // Select first (a --where runs on a read-only connection, holding no write lock), then
      // delete in one short transaction.
      const filter: CallFilter = {
        keys: keys?.map((k) => resolveCallKey(store, k)),
        step: options.step,
        states: options.state,
        where: options.where,
      };
      const selected = store.listCalls(filter);
      const summarize = (calls: readonly CallRecord[], done: boolean): RemoveSummary => {
        const bySteps: Record<string, number> = {};
        for (const c of [...calls].sort((a, b) => a.step < b.step ? -1 : 1)) {
          bySteps[c.step] = (bySteps[c.step] ?? 0) + 1;
        }
        return { dryRun: !done, removed: calls.length, bySteps };
      };
      const plan = (verb: string): string => {
        const size = objectsSize(store, selected.flatMap((c) => [c.inputsRef, c.resultRef]));
        return describeRemoval(summarize(selected, false)).replace(/^Would remove/, verb) +
          stepStateLines(selected) +
          `  their inputs and results: ${plural(size.objects, "object")}, ${
            formatBytes(size.bytes)
          } (deleted by "drover gc" once nothing else names them)\n`;
      };
      if (dryRun || selected.length === 0) {
        const summary = summarize(selected, !dryRun);
        ctx.out(
          options.json
            ? toJson(summary)
            : selected.length === 0
            ? describeRemoval(summary)
            : plan("Would remove"),
        );
        return;
      }
      await confirm(ctx, {
        action: `remove ${plural(selected.length, "call")}`,
        details: plan("Will remove"),
      }, options.yes);
      const removed = new Set(
        store.removeSelectedCalls(selected.map((c) => ({ key: c.key, state: c.state }))),
      );
      const summary = summarize(selected.filter((c) => removed.has(c.key)), true);
      ctx.out(options.json ? toJson(summary) : describeRemoval(summary));
      const changed = selected.length - removed.size;
      if (changed > 0 && !options.json) {
        ctx.out(`Kept ${plural(changed, "call")} whose state changed meanwhile\n`);
      }
    });
}
