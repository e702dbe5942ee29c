/**
 * `drover calls show KEY`: everything recorded about one call. With `--json`, the inputs
 * and the result are JSON values (see `_json_value.ts` for values JSON cannot hold:
 * `{"$typedArray": "Float64Array", "data": [...]}`, `{"$bigint": "12"}`, `{"$map": [...]}`,
 * `{"$date": "..."}`, ...).
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { decode, preview } from "../codec/mod.ts";
import type { CallRecord, Store } from "../store/mod.ts";
import { parseKeyPrefix } from "./_args.ts";
import type { Context } from "./_context.ts";
import { toJsonValue } from "./_json_value.ts";
import { resolveCallKey } from "./_keys.ts";
import { colorState, formatDuration, formatTime, toJson } from "./_output.ts";
import { escapeLine } from "./_terminal_text.ts";
import { callDuration, callSummary } from "./calls_ls.ts";

/** Longest preview of one value, in characters. */
const PREVIEW_CHARS = 200;

/** A stored value read back for display. */
export type LoadedValue =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: string };

/** One input argument of a call as `calls show` presents it. */
export interface ShownArgument {
  /** Argument name. */
  readonly name: string;
  /** Its hash in the key, or null when the step ignores it. */
  readonly hash: string | null;
  /** A one-line preview of its value, or why there is none. */
  readonly preview: string;
}

/**
 * Reads and decodes an object, reporting instead of throwing when it is missing,
 * corrupted or undecodable.
 *
 * @param store The store.
 * @param ref The object reference.
 * @returns The value or the reason it cannot be shown.
 */
export function loadValue(store: Store, ref: string): LoadedValue {
  const bytes = store.objects.get(ref);
  if (!bytes) return { ok: false, reason: `object ${ref.slice(0, 12)} is missing or corrupted` };
  try {
    return { ok: true, value: decode(bytes) };
  } catch (e) {
    return {
      ok: false,
      reason: `cannot decode object ${ref.slice(0, 12)}: ${(e as Error).message}`,
    };
  }
}

/**
 * Lists a call's arguments: every argument in the key and every stored input, by name.
 *
 * @param call The call.
 * @param inputs Its decoded inputs, if available.
 * @returns One entry per argument, sorted by name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const args = showArguments({ argHashes: { x: "ab" } }, { ok: true, value: { x: 1, seed: 7 } });
 * assert.deepEqual(args, [
 *   { name: "seed", hash: null, preview: "7" },
 *   { name: "x", hash: "ab", preview: "1" },
 * ]);
 * ```
 */
export function showArguments(
  call: Pick<CallRecord, "argHashes">,
  inputs: LoadedValue | undefined,
): ShownArgument[] {
  const values = inputs?.ok && isRecord(inputs.value) ? inputs.value : undefined;
  const names = new Set([...Object.keys(call.argHashes), ...Object.keys(values ?? {})]);
  return [...names].sort().map((name) => ({
    name,
    hash: call.argHashes[name] ?? null,
    preview: values && name in values
      ? preview(values[name], PREVIEW_CHARS)
      : inputs && !inputs.ok
      ? `(${inputs.reason})`
      : "(not stored)",
  }));
}

/**
 * Builds the `calls show` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function callsShowCommand(ctx: Context): CommandUnknownOpts {
  return new Command("show")
    .description("show everything recorded about one call")
    .argument("<key>", "the call key or a unique prefix of it (6+ hex digits)", parseKeyPrefix)
    .option("--json", "print the call as JSON")
    .action((prefix, options) => {
      using store = ctx.openStore();
      const call = store.getCall(resolveCallKey(store, prefix))!;
      const inputs = call.inputsRef ? loadValue(store, call.inputsRef) : undefined;
      const result = call.resultRef ? loadValue(store, call.resultRef) : undefined;
      const args = showArguments(call, inputs);
      const now = ctx.io.now();
      const duration = callDuration(call, now);
      if (options.json) {
        ctx.out(toJson({
          ...callSummary(call),
          durationMs: duration,
          codeHash: call.codeHash,
          version: call.version,
          arguments: args,
          inputsRef: call.inputsRef,
          inputs: inputs?.ok ? toJsonValue(inputs.value) : null,
          ...(inputs && !inputs.ok ? { inputsProblem: inputs.reason } : {}),
          resultRef: call.resultRef,
          result: result?.ok ? toJsonValue(result.value) : null,
          ...(result && !result.ok ? { resultProblem: result.reason } : {}),
          error: call.error,
        }));
        return;
      }
      const { style } = ctx;
      const field = (name: string, value: string): string =>
        `${style.bold(name.padEnd(10))} ${value}\n`;
      let out = field("Key", call.key) +
        field("Step", call.step) +
        field("State", colorState(style, call.state)) +
        field("Where", call.location) +
        field("Run", call.runId === null ? "-" : String(call.runId)) +
        field("Attempts", String(call.attempts)) +
        field("Created", formatTime(call.createdAt, now)) +
        field("Started", formatTime(call.startedAt, now)) +
        field("Ended", formatTime(call.endedAt, now)) +
        field("Duration", duration === null ? "-" : formatDuration(duration)) +
        field("Code", call.codeHash) +
        field("Version", call.version === "" ? "(none)" : JSON.stringify(call.version));
      out += style.bold("Arguments") + (args.length === 0 ? " (none)" : "") + "\n";
      const width = Math.max(0, ...args.map((a) => a.name.length));
      for (const a of args) {
        const hash = a.hash === null ? "(ignored)".padEnd(12) : a.hash.slice(0, 12);
        out += `  ${a.name.padEnd(width)}  ${style.dim(hash)}  ${a.preview}\n`;
      }
      if (result !== undefined) {
        out += field(
          "Result",
          result.ok ? preview(result.value, PREVIEW_CHARS) : `(${result.reason})`,
        );
      }
      if (call.error) {
        out += field(
          "Error",
          style.red(escapeLine(`${call.error.name}: ${call.error.message}`)),
        );
        if (call.error.stack) {
          out += call.error.stack.split("\n").map((l) => `  ${style.dim(escapeLine(l))}\n`)
            .join("");
        }
      }
      ctx.out(out);
    });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
