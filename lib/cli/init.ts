/**
 * `drover init [DIR]`: create the project store.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { basename, join, resolve } from "node:path";
import { openStore, STORE_DIR_NAME } from "../store/mod.ts";
import type { Context } from "./_context.ts";
import { toJson } from "./_output.ts";

/**
 * Builds the `init` command: creates `.drover/` in DIR (default: `--project`, else
 * `DROVER_PROJECT`, else the working directory). Running it again changes nothing.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * let out = "";
 * assert.equal(await main(["init"], { cwd: dir, env: {}, stdout: (t) => out += t }), 0);
 * assert.match(out, /Created store/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function initCommand(ctx: Context): CommandUnknownOpts {
  return new Command("init")
    .description("create the project store (.drover/); safe to repeat")
    .argument(
      "[dir]",
      "project directory (default: --project, DROVER_PROJECT or the working directory)",
    )
    .option("--json", "print the result as JSON")
    .action((dir, options) => {
      const base = dir ?? ctx.project ?? (ctx.io.env.DROVER_PROJECT || undefined) ?? ctx.io.cwd;
      const abs = resolve(ctx.io.cwd, base);
      const storeDir = basename(abs) === STORE_DIR_NAME ? abs : join(abs, STORE_DIR_NAME);
      const existed = exists(join(storeDir, "drover.db"));
      openStore({ dir: storeDir }).close();
      if (options.json) {
        ctx.out(toJson({ store: storeDir, created: !existed }));
      } else if (existed) {
        ctx.out(`Store ${storeDir} already exists; nothing to do\n`);
      } else {
        ctx.out(`Created store ${storeDir}\n`);
      }
    });
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
