/**
 * `drover calls ls`: list recorded calls, newest first.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Option } from "npm:@commander-js/extra-typings@^14.0.0";
import { decode, preview } from "../codec/mod.ts";
import type { CallFilter, CallRecord, Store } from "../store/mod.ts";
import { parseCount, parseStates } from "./_args.ts";
import type { Context } from "./_context.ts";
import {
  colorState,
  formatDuration,
  formatRelative,
  plural,
  renderTable,
  shortHash,
  toJson,
} from "./_output.ts";

/** How many calls `calls ls` shows unless told otherwise. */
export const DEFAULT_LIMIT = 50;

/**
 * How long a call took: end minus start, or for a running call the time since it started.
 *
 * @param call The call.
 * @param now The current time.
 * @returns Milliseconds, or null when it never started.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const call = { startedAt: 1000, endedAt: 4000 };
 * assert.equal(callDuration(call, 9000), 3000);
 * assert.equal(callDuration({ startedAt: 1000, endedAt: null }, 9000), 8000);
 * ```
 */
export function callDuration(
  call: Pick<CallRecord, "startedAt" | "endedAt">,
  now: number,
): number | null {
  if (call.startedAt === null) return null;
  return (call.endedAt ?? now) - call.startedAt;
}

/**
 * The JSON form of a call row, as `calls ls --json` prints it.
 *
 * @param call The call.
 * @returns A plain, stable object.
 */
export function callSummary(call: CallRecord): Record<string, unknown> {
  return {
    key: call.key,
    step: call.step,
    state: call.state,
    location: call.location,
    runId: call.runId,
    attempts: call.attempts,
    createdAt: call.createdAt,
    startedAt: call.startedAt,
    endedAt: call.endedAt,
  };
}

/** Longest input preview `calls ls` shows, in characters. */
export const INPUTS_PREVIEW_CHARS = 48;

/**
 * A one-line preview of a call's inputs, for listings, with plain values (numbers,
 * strings) before nested ones so what tells calls apart shows: `{fmax: 0.01, structure:
 * {formula: "Si2"…`.
 *
 * @param store The store.
 * @param call The call.
 * @returns The preview, or `-` when the inputs are not stored, or why they cannot be read.
 */
export function inputsPreview(store: Store, call: CallRecord): string {
  if (call.inputsRef === null) return "-";
  const bytes = store.objects.get(call.inputsRef);
  if (!bytes) return "(missing)";
  try {
    return preview(scalarsFirst(decode(bytes)), INPUTS_PREVIEW_CHARS);
  } catch {
    return "(undecodable)";
  }
}

/**
 * Builds the `calls ls` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function callsLsCommand(ctx: Context): CommandUnknownOpts {
  return new Command("ls")
    .description("list recorded calls, newest first")
    .option("--step <name>", "only calls of this step")
    .addOption(
      new Option("--state <states>", "only calls in these states: done, failed, running")
        .argParser(parseStates),
    )
    .option("--where <sql>", 'SQL condition on the calls columns, e.g. "attempts > 1"')
    .addOption(
      new Option("--limit <n>", "show at most N calls; 0 shows all")
        .argParser(parseCount)
        .default(DEFAULT_LIMIT),
    )
    .option("--json", "print the calls as JSON")
    .action((options) => {
      using store = ctx.openStore();
      const filter: CallFilter = {
        step: options.step,
        states: options.state,
        where: options.where,
      };
      const calls = store.listCalls({ ...filter, limit: options.limit });
      const inputs = (c: CallRecord): string => inputsPreview(store, c);
      if (options.json) {
        ctx.out(toJson(calls.map((c) => ({ ...callSummary(c), inputsPreview: inputs(c) }))));
        return;
      }
      if (calls.length === 0) {
        ctx.out("No calls match\n");
        return;
      }
      const now = ctx.io.now();
      const rows = calls.map((c) => {
        const duration = callDuration(c, now);
        return [
          shortHash(c.key),
          c.step,
          colorState(ctx.style, c.state),
          c.location,
          duration === null ? "-" : formatDuration(duration),
          c.endedAt === null ? "-" : formatRelative(c.endedAt, now),
          inputs(c),
        ];
      });
      ctx.out(
        renderTable(["KEY", "STEP", "STATE", "WHERE", "DURATION", "ENDED", "INPUTS"], rows, {
          right: [4],
          style: ctx.style,
        }),
      );
      if (options.limit > 0 && calls.length === options.limit) {
        const total = store.countCalls(filter).reduce((n, c) => n + c.count, 0);
        if (total > calls.length) {
          ctx.out(
            ctx.style.dim(
              `${calls.length} of ${plural(total, "call")} shown; --limit 0 shows all`,
            ) +
              "\n",
          );
        }
      }
    });
}

function scalarsFirst(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const entries = Object.entries(value);
  const plain = (v: unknown): boolean => typeof v !== "object" || v === null;
  return Object.fromEntries([
    ...entries.filter(([, v]) => plain(v)),
    ...entries.filter(([, v]) => !plain(v)),
  ]);
}
