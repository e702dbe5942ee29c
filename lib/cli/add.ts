/**
 * `drover add FILE`: add the objects, codes and calcjobs of a jobs file (YAML) to the
 * store, every template rendered first; on any problem nothing is added.
 *
 * @module
 */
import { resolve } from "node:path";
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { addJobsFile, type AddResult, JobsFileError } from "../calcjob/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import { plural, toJson } from "./_output.ts";
import { configuredSystems } from "./_remote.ts";

/**
 * Says what an add stored: `Added 14 calcjobs (0 already present), 1 code, 1 object`.
 *
 * @param result The counts.
 * @returns One line, with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeAdd({ ok: true, added: 14, existing: 2, codes: 1, objects: 0 }),
 *   "Added 14 calcjobs (2 already present), 1 code, 0 objects\n",
 * );
 * ```
 */
export function describeAdd(result: AddResult): string {
  return `Added ${plural(result.added, "calcjob")} (${result.existing} already present), ${
    plural(result.codes, "code")
  }, ${plural(result.objects, "object")}\n`;
}

/**
 * Builds the `add` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function addCommand(ctx: Context): CommandUnknownOpts {
  return new Command("add")
    .description(
      "add the objects, codes and calcjobs of a jobs file (YAML); all or nothing",
    )
    .argument("<file>", "the jobs file (objects, codes, calcjobs)")
    .option("--json", "print the counts as JSON")
    .action((file, options) => {
      using store = ctx.openStore();
      const systems = configuredSystems(ctx);
      let result: AddResult;
      try {
        result = addJobsFile(resolve(ctx.io.cwd, file), store, {
          systems,
          now: ctx.io.now(),
        });
      } catch (e) {
        if (e instanceof JobsFileError) {
          throw new CommandError(e.message.replace(resolve(ctx.io.cwd, file), file), { cause: e });
        }
        throw e;
      }
      ctx.out(options.json ? toJson(result) : describeAdd(result));
    });
}
