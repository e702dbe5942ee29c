/**
 * The `drover` program: commander wiring, and turning every outcome into an exit code.
 *
 * @module
 */
import {
  Command,
  CommanderError,
  type CommandUnknownOpts,
  Help,
} from "npm:@commander-js/extra-typings@^14.0.0";
import { FilterError, StoreError } from "../store/mod.ts";
import { addCommand } from "./add.ts";
import { calcjobsLsCommand, calcjobsTreeCommand } from "./calcjobs_ls.ts";
import { calcjobsRunCommand } from "./calcjobs_run.ts";
import { calcjobsCatCommand, calcjobsShowCommand } from "./calcjobs_show.ts";
import { Context } from "./_context.ts";
import { CommandError, EXIT_BUG, EXIT_DOMAIN, EXIT_USAGE, UsageError } from "./_errors.ts";
import { type CliIO, type ResolvedIO, resolveIO } from "./_io.ts";
import { escapeControl, escapeLine } from "./_terminal_text.ts";
import { callsLsCommand } from "./calls_ls.ts";
import { callsShowCommand } from "./calls_show.ts";
import { cleanCommand } from "./clean.ts";
import { explainCommand } from "./explain.ts";
import { fetchCommand } from "./fetch.ts";
import { flowsCommand } from "./flows.ts";
import { gcCommand } from "./gc.ts";
import { initCommand } from "./init.ts";
import { jobsCancelCommand } from "./jobs_cancel.ts";
import { jobsLsCommand } from "./jobs_ls.ts";
import { jobsRmCommand } from "./jobs_rm.ts";
import { jobsShowCommand } from "./jobs_show.ts";
import { rmCommand } from "./rm.ts";
import { routesExplainCommand } from "./routes_explain.ts";
import { runsLsCommand } from "./runs_ls.ts";
import { runsShowCommand } from "./runs_show.ts";
import { statusCommand } from "./status.ts";
import { syncCommand } from "./sync.ts";
import { systemsCheckCommand } from "./systems_check.ts";
import { systemsLsCommand } from "./systems_ls.ts";
import { systemsTrustCommand } from "./systems_trust.ts";
import { queueCommand } from "./queue.ts";
import { tableCommand } from "./table.ts";

/**
 * Builds the whole `drover` command tree for one invocation.
 *
 * @param ctx The invocation's context (IO, styling, chosen project).
 * @returns The program; parse it with `parseAsync(args, { from: "user" })`.
 */
export function createProgram(ctx: Context): CommandUnknownOpts {
  const program = new Command("drover")
    .description("Inspect and tidy the drover project store (.drover/): calls, runs, objects.")
    .option(
      "--project <dir>",
      "project directory or its .drover (default: $DROVER_PROJECT, else the first .drover " +
        "found walking up from the working directory)",
    )
    .hook("preAction", (command) => {
      ctx.project = command.opts().project;
    });
  const calls = new Command("calls")
    .description("list and inspect recorded calls")
    .helpCommand(false)
    .addCommand(callsLsCommand(ctx))
    .addCommand(callsShowCommand(ctx));
  const runs = new Command("runs")
    .description("list workflow runs and show one")
    .helpCommand(false)
    .addCommand(runsLsCommand(ctx))
    .addCommand(runsShowCommand(ctx));
  const jobs = new Command("jobs")
    .description("list, inspect, cancel and remove the jobs sent to systems")
    .helpCommand(false)
    .addCommand(jobsLsCommand(ctx))
    .addCommand(jobsShowCommand(ctx))
    .addCommand(jobsCancelCommand(ctx))
    .addCommand(jobsRmCommand(ctx));
  const systems = new Command("systems")
    .description("list, check and trust the systems jobs can run on")
    .helpCommand(false)
    .addCommand(systemsLsCommand(ctx))
    .addCommand(systemsCheckCommand(ctx))
    .addCommand(systemsTrustCommand(ctx));
  const calcjobs = new Command("calcjobs")
    .description("run and inspect the calcjobs added from YAML (drover add)")
    .helpCommand(false)
    .addCommand(calcjobsRunCommand(ctx))
    .addCommand(calcjobsLsCommand(ctx))
    .addCommand(calcjobsTreeCommand(ctx))
    .addCommand(calcjobsShowCommand(ctx))
    .addCommand(calcjobsCatCommand(ctx));
  const routes = new Command("routes")
    .description("explain how remote info routes calls")
    .helpCommand(false)
    .addCommand(routesExplainCommand(ctx));
  program
    .addCommand(initCommand(ctx))
    .addCommand(addCommand(ctx))
    .addCommand(calcjobs)
    .addCommand(statusCommand(ctx))
    .addCommand(calls)
    .addCommand(explainCommand(ctx))
    .addCommand(rmCommand(ctx))
    .addCommand(gcCommand(ctx))
    .addCommand(cleanCommand(ctx))
    .addCommand(runs)
    .addCommand(flowsCommand(ctx))
    .addCommand(jobs)
    .addCommand(syncCommand(ctx))
    .addCommand(fetchCommand(ctx))
    .addCommand(systems)
    .addCommand(routes)
    .addCommand(tableCommand(ctx))
    .addCommand(queueCommand(ctx));
  listLeafCommands(program);
  configureTree(program, ctx.io);
  return program;
}

/**
 * Runs the `drover` command line.
 *
 * @param args The arguments after the program name.
 * @param io Where to write, the working directory, environment and clock. Default: the
 * real terminal, `Deno.cwd()`, `Deno.env` and `Date.now`.
 * @returns The exit code: 0 success, 1 domain error (unknown key, store problem), 2 usage
 * error (bad option, bad --where, a destructive command not confirmed), 70 a bug (its
 * stack is printed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * let err = "";
 * const code = await main(["calls", "ls", "--state", "bogus"], { stderr: (t) => err += t, env: {} });
 * assert.equal(code, 2);
 * assert.match(err, /^drover: .*done/);
 * ```
 */
export async function main(args: string[], io?: CliIO): Promise<number> {
  const resolved = resolveIO(io);
  const program = createProgram(new Context(resolved));
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (e) {
    return report(e, resolved);
  }
}

function report(e: unknown, io: ResolvedIO): number {
  if (e instanceof CommanderError) {
    // Commander already printed the help or its (reformatted) message; exit code 0 means
    // help was asked for (`--help`, `help calls`), anything else is a usage error.
    return e.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (e instanceof UsageError || e instanceof FilterError) {
    io.stderr(`drover: ${escapeLine(e.message)}\n`);
    return EXIT_USAGE;
  }
  if (e instanceof CommandError || e instanceof StoreError) {
    io.stderr(`drover: ${escapeControl(e.message)}\n`);
    return EXIT_DOMAIN;
  }
  const stack = e instanceof Error ? e.stack ?? `${e.name}: ${e.message}` : String(e);
  io.stderr(`drover: internal error (this is a bug, please report it)\n${escapeControl(stack)}\n`);
  return EXIT_BUG;
}

/** Exit handling and output for every command: through `io`, one line per usage error. */
function configureTree(command: CommandUnknownOpts, io: ResolvedIO): void {
  command
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (text, write) =>
        write(`drover: ${escapeLine(oneLine(text))}; see "${path(command)} --help"\n`),
      getOutHelpWidth: () => io.columns,
      getErrHelpWidth: () => io.columns,
      getOutHasColors: () => io.color,
      getErrHasColors: () => io.colorErr,
    });
  for (const sub of command.commands) configureTree(sub, io);
}

/** Makes the top-level help list every runnable command (`calls ls`, not just `calls`). */
function listLeafCommands(program: CommandUnknownOpts): void {
  const base = new Help();
  program.configureHelp({
    visibleCommands: (cmd) =>
      base.visibleCommands(cmd).flatMap((sub) =>
        cmd === program && sub.commands.length > 0 ? base.visibleCommands(sub) : [sub]
      ),
    subcommandTerm: (cmd) =>
      cmd.parent && cmd.parent !== program
        ? `${cmd.parent.name()} ${base.subcommandTerm(cmd)}`
        : base.subcommandTerm(cmd),
  });
}

function oneLine(text: string): string {
  return text.trim().replace(/^error: /, "").replace(/\s*\n\s*/g, " ");
}

function path(command: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let c: CommandUnknownOpts | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}
