/**
 * `drover runs show ID`: one workflow run and the calls it ran, by step and state.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Option } from "npm:@commander-js/extra-typings@^14.0.0";
import { InvalidArgumentError } from "npm:@commander-js/extra-typings@^14.0.0";
import { type CallFilter, countCallsByRun } from "../store/mod.ts";
import { parseCount, parseStates } from "./_args.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import {
  colorState,
  formatDuration,
  formatTime,
  plural,
  renderTable,
  shortHash,
  toJson,
} from "./_output.ts";
import { callDuration, callSummary } from "./calls_ls.ts";
import { displayScript, quoteArg, runCounts } from "./runs_ls.ts";

/** How many calls `runs show` lists unless told otherwise. */
export const DEFAULT_RUN_CALLS = 50;

/**
 * Parses a run id: a whole number, 1 or more.
 *
 * @param value The text.
 * @returns The id.
 * @throws {InvalidArgumentError} For anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(parseRunId("12"), 12);
 * assert.throws(() => parseRunId("x"));
 * ```
 */
export function parseRunId(value: string): number {
  if (!/^[1-9]\d{0,15}$/.test(value.trim())) {
    throw new InvalidArgumentError("a run id is a whole number, 1 or more (see drover runs ls)");
  }
  return Number(value.trim());
}

/**
 * Builds the `runs show` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function runsShowCommand(ctx: Context): CommandUnknownOpts {
  return new Command("show")
    .description("show a run and the calls it ran, by step and state")
    .argument("<id>", "the run id (see drover runs ls)", parseRunId)
    .option("--step <name>", "only calls of this step")
    .addOption(
      new Option("--state <states>", "only calls in these states: done, failed, running")
        .argParser(parseStates),
    )
    .addOption(
      new Option("--limit <n>", "list at most N calls; 0 lists all")
        .argParser(parseCount)
        .default(DEFAULT_RUN_CALLS),
    )
    .option("--json", "print the run and its calls as JSON")
    .action((id, options) => {
      using store = ctx.openStore();
      store.runs.markInterrupted();
      const run = store.runs.get(id);
      if (run === undefined) {
        throw new CommandError(`Cannot show run ${id}: no run has this id (see drover runs ls)`);
      }
      const filter: CallFilter = { runId: id, step: options.step, states: options.state };
      const counts = runCounts(countCallsByRun(store, [id]).get(id)!, run);
      const byStep = store.countCalls(filter);
      const calls = store.listCalls({ ...filter, limit: options.limit });
      const now = ctx.io.now();
      if (options.json) {
        ctx.out(toJson({
          ...run,
          calls: counts,
          steps: byStep,
          list: calls.map(callSummary),
        }));
        return;
      }
      const { style } = ctx;
      const field = (name: string, value: string): string =>
        `${style.bold(name.padEnd(9))} ${value}\n`;
      const end = run.status === "running" ? now : run.endedAt;
      let out = field("Run", String(run.id)) +
        field("Status", colorState(style, run.status)) +
        field(
          "Script",
          [displayScript(run.script, ctx.io.cwd), ...run.argv.map(quoteArg)].join(" "),
        ) +
        field("Started", formatTime(run.startedAt, now)) +
        field("Duration", end === null ? "-" : formatDuration(end - run.startedAt)) +
        (run.error === null ? "" : field("Error", style.red(run.error))) +
        field(
          "Calls",
          `${counts.ran} ran, ${counts.failed} failed, ${counts.running} running; ${
            counts.cached === null
              ? "cache hits are not recorded per run"
              : `${counts.cached} cached`
          }`,
        );
      if (byStep.length === 0) {
        ctx.out(out + "No calls match\n");
        return;
      }
      const steps = [...new Set(byStep.map((c) => c.step))].sort();
      const n = (step: string, state: string): number =>
        byStep.find((c) => c.step === step && c.state === state)?.count ?? 0;
      out += "\n" + renderTable(
        ["STEP", "DONE", "FAILED", "RUNNING"],
        steps.map((
          s,
        ) => [s, String(n(s, "done")), String(n(s, "failed")), String(n(s, "running"))]),
        { right: [1, 2, 3], style },
      );
      out += "\n" + renderTable(
        ["KEY", "STEP", "STATE", "WHERE", "DURATION"],
        calls.map((c) => {
          const d = callDuration(c, now);
          return [
            shortHash(c.key),
            c.step,
            colorState(style, c.state),
            c.location,
            d === null ? "-" : formatDuration(d),
          ];
        }),
        { right: [4], style },
      );
      const total = byStep.reduce((a, c) => a + c.count, 0);
      if (options.limit > 0 && total > calls.length) {
        out +=
          style.dim(`${calls.length} of ${plural(total, "call")} listed; --limit 0 lists all`) +
          "\n";
      }
      ctx.out(out);
    });
}
