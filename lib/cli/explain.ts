/**
 * `drover explain`: what a call key is made of, how two keys differ, and whether a step's
 * code changed since its calls were recorded.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { relative } from "node:path";
import { CodeIdentityError, computeCodeIdentity } from "../step/mod.ts";
import type { CallRecord, Store } from "../store/mod.ts";
import { collectKeys } from "./_args.ts";
import type { Context } from "./_context.ts";
import { CommandError, UsageError } from "./_errors.ts";
import {
  describeDifference,
  diffCode,
  type Difference,
  diffKeys,
  type KeyDescription,
  withArgumentValues,
} from "./_key_diff.ts";
import { resolveCallKey } from "./_keys.ts";
import { shortHash, toJson } from "./_output.ts";
import { loadValue, showArguments } from "./calls_show.ts";

/** The recorded and the current code identity of a step. */
export interface CodeComparison {
  /** Step name. */
  readonly step: string;
  /** The identity calls were recorded with, and the call it was taken from. */
  readonly recorded: Pick<KeyDescription, "codeHash" | "codeParts"> & {
    readonly key: string | null;
  };
  /** The identity of the code as it is now, and the file defining the step. */
  readonly current: Pick<KeyDescription, "codeHash" | "codeParts"> & { readonly file: string };
  /** What changed; empty when the code is unchanged. */
  readonly differences: Difference[];
}

/**
 * Describes a recorded call's key.
 *
 * @param store The store (for the code parts).
 * @param call The call.
 * @returns Its parts.
 */
export function describeCall(store: Store, call: CallRecord): KeyDescription {
  return {
    key: call.key,
    step: call.step,
    version: call.version,
    codeHash: call.codeHash,
    codeParts: store.code.get(call.codeHash)?.parts ?? null,
    argHashes: call.argHashes,
  };
}

/**
 * Compares the code identity recorded for a step (from `call`, else the newest call of the
 * step, else the newest identity stored for it) with the identity of its code now, found
 * through the file the code cache records for the step.
 *
 * @param store The store.
 * @param step Step name.
 * @param call The call whose identity to compare, if any.
 * @returns Both identities and their differences.
 * @throws {CommandError} when nothing is recorded for the step, its file is gone or holds
 * no `step(name, ...)` call any more.
 */
export async function compareWithCurrentCode(
  store: Store,
  step: string,
  call?: CallRecord,
): Promise<CodeComparison> {
  const from = call ?? store.listCalls({ step, limit: 1 })[0];
  const code = from ? store.code.get(from.codeHash) : store.code.latestOf(step);
  const recordedHash = from?.codeHash ?? code?.hash;
  if (recordedHash === undefined) {
    throw new CommandError(`Cannot explain step "${step}": no calls or code of it are recorded`);
  }
  const files = store.code.filesOf(step);
  if (files.length === 0) {
    throw new CommandError(
      `Cannot explain step "${step}": the store does not record which file defines it; run the workflow once`,
    );
  }
  const existing = files.filter(isFile);
  if (existing.length === 0) {
    throw new CommandError(
      `Cannot explain step "${step}": its file "${files[0]}" no longer exists`,
    );
  }
  // Prefer the file whose cached identity is the recorded one, when several define it.
  const file = existing.find((f) => store.code.getCache(step, f)?.codeHash === recordedHash) ??
    existing[0];
  let identity;
  try {
    identity = await computeCodeIdentity(step, { file, line: 1, column: 1 });
  } catch (e) {
    if (e instanceof CodeIdentityError) {
      throw new CommandError(`Cannot explain step "${step}": ${e.message}`, { cause: e });
    }
    throw e;
  }
  const recorded = {
    key: from?.key ?? null,
    codeHash: recordedHash,
    codeParts: code?.parts ?? null,
  };
  const current = { file, codeHash: identity.hash, codeParts: identity.parts };
  return { step, recorded, current, differences: diffCode(recorded, current) };
}

/**
 * Builds the `explain` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function explainCommand(ctx: Context): CommandUnknownOpts {
  return new Command("explain")
    .description("show what a call key is made of, or what differs")
    .argument(
      "[keys...]",
      "one or two call keys (or unique prefixes, 6+ hex digits)",
      collectKeys,
    )
    .option("--step <name>", "compare the step's recorded code with its current code")
    .option("--current", "compare the key's code with the step's current code")
    .option("--json", "print the explanation as JSON")
    .addHelpText(
      "after",
      `
Examples:
  drover explain 3f2a9c1b0e7d               the parts of one key
  drover explain 3f2a9c1b0e7d 9a8b7c6d5e4f  what differs between two keys
  drover explain 3f2a9c1b0e7d --current     what changed in the step's code since
  drover explain --step relax               the same, for the step's newest call`,
    )
    .action(async (rawKeys, options) => {
      const prefixes = rawKeys ?? [];
      if (options.step !== undefined && prefixes.length > 0) {
        throw new UsageError("Cannot explain: give either keys or --step, not both");
      }
      if (options.step === undefined && prefixes.length === 0) {
        throw new UsageError("Cannot explain: give one or two call keys, or --step NAME");
      }
      if (prefixes.length > 2) {
        throw new UsageError(`Cannot explain: give at most two keys (got ${prefixes.length})`);
      }
      if (options.current && prefixes.length !== 1) {
        throw new UsageError("Cannot explain: --current goes with exactly one key");
      }
      using store = ctx.openStore();
      if (options.step !== undefined || options.current) {
        const call = prefixes.length === 1
          ? store.getCall(resolveCallKey(store, prefixes[0]))
          : undefined;
        const comparison = await compareWithCurrentCode(store, options.step ?? call!.step, call);
        ctx.out(options.json ? toJson(comparison) : renderComparison(ctx, comparison));
        return;
      }
      const calls = prefixes.map((p) => store.getCall(resolveCallKey(store, p))!);
      const [a, b] = calls.map((c) => describeCall(store, c));
      if (b === undefined) {
        ctx.out(options.json ? toJson(a) : renderDescription(ctx, a));
        return;
      }
      const differences = withArgumentValues(
        diffKeys(a, b),
        argumentPreviews(store, calls[0]),
        argumentPreviews(store, calls[1]),
      );
      if (options.json) {
        ctx.out(toJson({ a, b, identical: differences.length === 0, differences }));
        return;
      }
      let out = `Comparing ${shortHash(a.key!)} (${a.step}) with ${
        shortHash(b.key!)
      } (${b.step}):\n`;
      out += differences.length === 0
        ? "  identical: the keys are made of the same parts\n"
        : differences.map((d) => `  ${describeDifference(d)}\n`).join("");
      ctx.out(out);
    });
}

/** Argument name -> preview of its value, from the call's stored inputs (empty if none). */
function argumentPreviews(store: Store, call: CallRecord): Record<string, string> {
  const out: Record<string, string> = {};
  if (call.inputsRef === null) return out;
  const inputs = loadValue(store, call.inputsRef);
  for (const a of showArguments(call, inputs)) {
    if (a.hash !== null && inputs.ok) out[a.name] = a.preview;
  }
  return out;
}

function renderDescription(ctx: Context, d: KeyDescription): string {
  const { bold, dim } = ctx.style;
  const field = (name: string, value: string): string => `${bold(name.padEnd(9))} ${value}\n`;
  let out = field("Key", d.key ?? "-") +
    field("Step", d.step) +
    field("Version", d.version === "" ? "(none)" : JSON.stringify(d.version)) +
    field("Code", d.codeParts === null ? `${d.codeHash} (parts not recorded)` : d.codeHash);
  out += hashList(d.codeParts ?? {}, dim);
  out += bold("Arguments") + (Object.keys(d.argHashes).length === 0 ? " (none)" : "") + "\n";
  out += hashList(d.argHashes, dim);
  return out;
}

function renderComparison(ctx: Context, c: CodeComparison): string {
  const file = displayPath(ctx.io.cwd, c.current.file);
  const source = c.recorded.key ? `call ${shortHash(c.recorded.key)}` : "latest recorded";
  if (c.differences.length === 0) {
    return `The code of step ${c.step} is unchanged (${shortHash(c.current.codeHash)}, ${file})\n`;
  }
  let out =
    `Step ${c.step}: recorded code ${shortHash(c.recorded.codeHash)} (${source}) vs current ` +
    `code ${shortHash(c.current.codeHash)} (${file}):\n`;
  out += c.differences.map((d) => `  ${describeDifference(d)}\n`).join("");
  return out;
}

function hashList(
  record: Readonly<Record<string, string>>,
  dim: (s: string) => string,
): string {
  const names = Object.keys(record).sort();
  const width = Math.max(0, ...names.map((n) => n.length));
  return names.map((n) => `  ${n.padEnd(width)}  ${dim(shortHash(record[n]))}\n`).join("");
}

function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith("..") || rel === "" ? path : rel;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
