/**
 * `drover calcjobs show ID [--script]` (the rendered script, parameters, files with their
 * hashes, the state history) and `drover calcjobs cat ID PATH` (an input or output file).
 * ID is the calcjob's number, its UUID or a unique UUID prefix.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { type CalcJobRecord, CalcJobStore } from "../calcjob/mod.ts";
import type { Store } from "../store/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import { formatTime, shortHash, toJson } from "./_output.ts";
import { calcjobJson, calcjobStateText } from "./calcjobs_ls.ts";

const decoder = new TextDecoder();

/**
 * Finds one calcjob by number, UUID or prefix.
 *
 * @param calcjobs The calcjob tables.
 * @param ref What the user typed.
 * @returns The calcjob.
 * @throws {CommandError} When none or several match.
 */
export function resolveCalcjob(calcjobs: CalcJobStore, ref: string): CalcJobRecord {
  const found = calcjobs.find(ref);
  if (found.length === 1) return found[0];
  throw new CommandError(
    found.length === 0
      ? `Cannot find calcjob "${ref}": no calcjob has that number or UUID (prefix of 4 or more)`
      : `Cannot find calcjob "${ref}": ${found.length} calcjobs start with it; give more characters`,
  );
}

function text(store: Store, sha256: string, what: string): string {
  const bytes = store.objects.get(sha256);
  if (bytes === undefined) {
    throw new CommandError(
      `Cannot read ${what}: object ${shortHash(sha256)} is missing or corrupt`,
    );
  }
  return decoder.decode(bytes);
}

/**
 * Builds the `calcjobs show` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function calcjobsShowCommand(ctx: Context): CommandUnknownOpts {
  return new Command("show")
    .description("show a calcjob: parameters, files with hashes, state history")
    .argument("<id>", "its number, UUID or a UUID prefix")
    .option("--script", "print only the rendered job script")
    .option("--json", "print JSON")
    .action((ref, options) => {
      using store = ctx.openStore();
      const calcjobs = new CalcJobStore(store);
      const c = resolveCalcjob(calcjobs, ref);
      const script = text(store, c.scriptSha256, `the script of calcjob ${c.seq}`);
      if (options.script) return ctx.out(script.endsWith("\n") ? script : `${script}\n`);
      const files = calcjobs.files(c.id);
      const events = calcjobs.events(c.id);
      if (options.json) {
        return ctx.out(toJson({ ...calcjobJson(c), script, files, events }));
      }
      const now = ctx.io.now();
      const lines = [
        `calcjob ${c.seq}  ${c.id}`,
        `  label:      ${c.label || "-"}`,
        `  code:       ${c.code} on ${c.system}`,
        `  state:      ${calcjobStateText(ctx.style, c)}${
          c.exitCode === null ? "" : `, exit code ${c.exitCode}`
        }`,
        `  attempts:   ${c.attempts}${
          c.maxRetries === null ? "" : ` (retries after transient failures: up to ${c.maxRetries})`
        }`,
        ...(c.batch === null ? [] : [
          `  array:      ${c.batch} element ${c.element}${
            c.schedulerId ? ` (scheduler id ${c.schedulerId})` : ""
          }`,
        ]),
        `  parameters: ${JSON.stringify(c.parameters)}`,
        `  resources:  ${JSON.stringify(c.resources)}`,
        `  downloads:  ${c.download.join(" ") || "-"}`,
        `  script:     ${shortHash(c.scriptSha256)} (drover calcjobs show ${c.seq} --script)`,
        "files:",
        ...files.map((f) =>
          `  ${f.direction === "in" ? "in " : "out"}  ${shortHash(f.sha256)}  ${f.path}`
        ),
        "history:",
        ...events.map((e) =>
          `  ${formatTime(e.at, now)}  ${e.state}${e.detail ? `  ${e.detail}` : ""}`
        ),
      ];
      ctx.out(`${lines.join("\n")}\n`);
    });
}

/**
 * Builds the `calcjobs cat` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function calcjobsCatCommand(ctx: Context): CommandUnknownOpts {
  return new Command("cat")
    .description("print an input or output file of a calcjob (outputs win on equal paths)")
    .argument("<id>", "its number, UUID or a UUID prefix")
    .argument("<path>", "the file's path in the calcjob's directory")
    .action((ref, path) => {
      using store = ctx.openStore();
      const calcjobs = new CalcJobStore(store);
      const c = resolveCalcjob(calcjobs, ref);
      const files = calcjobs.files(c.id).filter((f) => f.path === path)
        .sort((a, b) => a.direction === "out" ? -1 : b.direction === "out" ? 1 : 0);
      if (files.length === 0) {
        const known = calcjobs.files(c.id).map((f) => f.path).join(", ") || "none";
        throw new CommandError(
          `Cannot show "${path}" of calcjob ${c.seq}: it has no such file (files: ${known})`,
        );
      }
      ctx.out(text(store, files[0].sha256, `"${path}" of calcjob ${c.seq}`));
    });
}
