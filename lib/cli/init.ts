/**
 * `drover init [DIR]`: create a project (deno.json, drover.yaml, an example workflow,
 * .gitignore and the store), or with `--store-only` just the store.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { basename, dirname, join, resolve } from "node:path";
import { openStore, STORE_DIR_NAME } from "../store/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import { toJson } from "./_output.ts";
import { projectFiles } from "./_project_files.ts";

/**
 * Builds the `init` command. DIR defaults to `--project`, else `DROVER_PROJECT`, else the
 * working directory (a DIR named `.drover` stands for its parent).
 *
 * Without options it writes the files of a new project into DIR and creates the store
 * `DIR/.drover/`; it refuses (exit 1, nothing written) when any of those files exists.
 * With `--store-only` it only creates the store, and running it again changes nothing.
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
 * let err = "";
 * const io = { cwd: dir, env: {}, stdout: (t: string) => out += t, stderr: (t: string) => err += t };
 * assert.equal(await main(["init"], io), 0);
 * assert.match(out, /^Created project /);
 * assert.equal(Deno.statSync(`${dir}/workflow.ts`).isFile, true);
 * assert.equal(await main(["init"], io), 1); // never overwrites
 * assert.match(err, /deno\.json exists/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function initCommand(ctx: Context): CommandUnknownOpts {
  return new Command("init")
    .description(
      "create a project: deno.json, drover.yaml, workflow.ts, .gitignore and the store (.drover/)",
    )
    .argument(
      "[dir]",
      "project directory (default: --project, DROVER_PROJECT or the working directory)",
    )
    .option("--store-only", "only create the store (.drover/); safe to repeat")
    .option("--json", "print the result as JSON")
    .action((dir, options) => {
      const base = dir ?? ctx.project ?? (ctx.io.env.DROVER_PROJECT || undefined) ?? ctx.io.cwd;
      const abs = resolve(ctx.io.cwd, base);
      const projectDir = basename(abs) === STORE_DIR_NAME ? dirname(abs) : abs;
      const storeDir = join(projectDir, STORE_DIR_NAME);
      const files = options.storeOnly ? [] : projectFiles(projectDir);
      for (const file of files) {
        const path = join(projectDir, file.name);
        if (exists(path)) {
          throw new CommandError(
            `Cannot create project "${projectDir}": ${path} exists; drover init never ` +
              `overwrites a file (--store-only creates only the store)`,
          );
        }
      }
      const existed = exists(join(storeDir, "drover.db"));
      if (files.length > 0) Deno.mkdirSync(projectDir, { recursive: true });
      for (const file of files) {
        Deno.writeTextFileSync(join(projectDir, file.name), file.text, { createNew: true });
      }
      openStore({ dir: storeDir }).close();
      if (options.json) {
        ctx.out(toJson({
          store: storeDir,
          created: !existed,
          ...(files.length > 0 ? { files: files.map((f) => join(projectDir, f.name)) } : {}),
        }));
      } else if (files.length > 0) {
        const width = Math.max(...files.map((f) => f.name.length), STORE_DIR_NAME.length + 1);
        const lines = [
          `Created project ${projectDir}`,
          ...files.map((f) => `  ${f.name.padEnd(width)}  ${f.about}`),
          `  ${`${STORE_DIR_NAME}/`.padEnd(width)}  ${
            existed ? "the store (it existed)" : "the store"
          }`,
          `Next: ${
            projectDir === ctx.io.cwd ? "" : `cd ${projectDir} && `
          }deno run -A workflow.ts && deno task drover status`,
        ];
        ctx.out(`${lines.join("\n")}\n`);
      } else if (existed) {
        ctx.out(`Store ${storeDir} already exists; nothing to do\n`);
      } else {
        ctx.out(`Created store ${storeDir}\n`);
      }
    });
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
