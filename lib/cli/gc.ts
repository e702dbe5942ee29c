/**
 * `drover gc`: delete stored objects nothing names any more.
 *
 * An object is kept when a call (inputs, result), a job call (inputs, result), a job's spec
 * (bundle, manifest, script, input files) or a code record names it, and when it was
 * stored less than an hour ago (a running script may not have recorded it yet).
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { collectGarbage, GC_GRACE_MS, planGc } from "../store/mod.ts";
import { confirm } from "./_confirm.ts";
import type { Context } from "./_context.ts";
import { formatBytes, formatDuration, plural, toJson } from "./_output.ts";

/**
 * Says what `gc` freed: `Deleted 3 objects (1.5 KiB)`.
 *
 * @param result Objects and bytes.
 * @param dryRun Whether nothing was deleted.
 * @returns One line, with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(describeGc({ objects: 3, bytes: 1536 }, false), "Deleted 3 objects (1.5 KiB)\n");
 * ```
 */
export function describeGc(result: { objects: number; bytes: number }, dryRun: boolean): string {
  const verb = dryRun ? "Would delete" : "Deleted";
  return `${verb} ${plural(result.objects, "object")} (${formatBytes(result.bytes)})\n`;
}

/**
 * Builds the `gc` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function gcCommand(ctx: Context): CommandUnknownOpts {
  return new Command("gc")
    .description("delete stored objects nothing names (kept: those newer than 1 hour)")
    .option("-y, --yes", "do not ask; needed when standard input is not a terminal")
    .option("--dry-run", "only count what would be deleted")
    .option("--json", "print the result as JSON")
    .action(async (options) => {
      using store = ctx.openStore();
      const dryRun = options.dryRun ?? false;
      const now = ctx.io.now();
      const plan = planGc(store, { now });
      const planned = { objects: plan.unreferenced.length, bytes: plan.bytes };
      const kept = `  kept: ${plural(plan.referenced, "object")} still named, ${
        plural(plan.recent, "object")
      } stored less than ${formatDuration(GC_GRACE_MS)} ago\n`;
      if (dryRun || planned.objects === 0) {
        ctx.out(
          options.json
            ? toJson({
              dryRun,
              ...(dryRun ? planned : { objects: 0, bytes: 0 }),
              kept: keptOf(plan),
            })
            : describeGc(planned, dryRun) + (dryRun ? kept : ""),
        );
        if (!dryRun) removeStray(store, now);
        return;
      }
      await confirm(ctx, {
        action: `delete ${plural(planned.objects, "object")}`,
        details: describeGc(planned, true).replace(/^Would delete/, "Will delete") + kept,
      }, options.yes);
      const result = collectGarbage(store, plan, { now });
      ctx.out(
        options.json
          ? toJson({ dryRun, ...result, kept: keptOf(plan) })
          : describeGc(result, false),
      );
    });
}

function keptOf(plan: { referenced: number; recent: number }): Record<string, number> {
  return { referenced: plan.referenced, recent: plan.recent };
}

function removeStray(
  store: Parameters<typeof collectGarbage>[0],
  now: number,
): void {
  collectGarbage(store, { unreferenced: [], bytes: 0, referenced: 0, recent: 0 }, { now });
}
