/**
 * `drover gc`: delete stored objects no call references any more.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import type { Context } from "./_context.ts";
import { formatBytes, plural, toJson } from "./_output.ts";

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
    .description("delete stored objects no call references")
    .option("--dry-run", "only count what would be deleted")
    .option("--json", "print the result as JSON")
    .action((options) => {
      using store = ctx.openStore();
      const dryRun = options.dryRun ?? false;
      const result = store.objects.gc({ dryRun });
      ctx.out(options.json ? toJson({ dryRun, ...result }) : describeGc(result, dryRun));
    });
}
