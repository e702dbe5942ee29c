/**
 * Failed calls as short blocks for people: {@linkcode formatFailure} for one call,
 * {@linkcode formatMapFailure} for a map, {@linkcode formatUncaught} for whatever ends a
 * script. drover's own frames and Deno's are left out; the full record stays in the
 * store (`drover calls show KEY`).
 *
 * @module
 */
import { framePath, type StackFrame, userFrames, type UserFramesOptions } from "./stack_frames.ts";
import { escapeLine, escapeText } from "./_text.ts";

/** What {@linkcode formatFailure} needs of a failed call (a `StepFailedError` has it). */
export interface FailureLike {
  /** The step's name. */
  readonly step: string;
  /** The call key. */
  readonly key: string;
  /** The error's class name. */
  readonly name: string;
  /** The error's message. */
  readonly message: string;
  /** The original stack (`StepFailedError.originalStack`), preferred over `stack`. */
  readonly originalStack?: string;
  /** The stack. */
  readonly stack?: string;
  /** A one-line preview of the inputs. */
  readonly inputPreview?: string;
}

/** What {@linkcode formatMapFailure} needs of a failed map (a `MapError` has it). */
export interface MapFailureLike {
  /** The summary (first line, then one line per listed failure). */
  readonly message: string;
  /** The failures. */
  readonly failures: readonly { readonly index: number; readonly error: unknown }[];
}

/** Options of the failure formatters. */
export interface FailureFormatOptions extends UserFramesOptions {
  /** Paths under this directory are shown relative to it. */
  readonly cwd?: string;
  /** Rewrites a stack before it is read, e.g. `(s) => mapBundleStack(s, map)` for remote calls. */
  readonly mapStack?: (stack: string) => string;
  /** Most message lines shown. Default 6. */
  readonly maxMessageLines?: number;
}

const KEY_CHARS = 12;

/**
 * One failed call as a short block: step, error name and message, input preview, the
 * first frame of the user's code, and where the rest is.
 *
 * @param failure The failed call (a `StepFailedError`).
 * @param options Where drover lives, the working directory, a stack mapper.
 * @returns Lines ending in "\n"; control characters escaped.
 *
 * @example
 * ```ts
 * import { formatFailure } from "./failure_block.ts";
 * import assert from "node:assert/strict";
 * const text = formatFailure({
 *   step: "relax",
 *   key: "1a2b3c4d5e6f7a8b",
 *   name: "RangeError",
 *   message: "fmax too small",
 *   stack: "RangeError: fmax too small\n" +
 *     "    at check (file:///opt/drover/lib/x.ts:1:1)\n" +
 *     "    at relax (file:///home/u/proj/relax.ts:4:11)",
 *   inputPreview: "{ fmax: 0 }",
 * }, { droverRoot: "/opt/drover", cwd: "/home/u/proj" });
 * assert.equal(text, [
 *   'Step "relax" failed: RangeError: fmax too small',
 *   "  input: { fmax: 0 }",
 *   "  at relax (relax.ts:4:11)",
 *   "  details: drover calls show 1a2b3c4d5e6f",
 *   "",
 * ].join("\n"));
 * ```
 */
export function formatFailure(failure: FailureLike, options: FailureFormatOptions): string {
  const lines = [
    `Step "${escapeLine(failure.step)}" failed: ${escapeLine(failure.name)}: ${
      messageLines(failure.message, options.maxMessageLines ?? 6)
    }`,
  ];
  if (failure.inputPreview !== undefined) {
    lines.push(`  input: ${escapeLine(failure.inputPreview)}`);
  }
  const frame = firstUserFrame(failure.originalStack ?? failure.stack, options);
  if (frame) lines.push(`  ${frame}`);
  lines.push(`  details: drover calls show ${escapeLine(failure.key.slice(0, KEY_CHARS))}`);
  return `${lines.join("\n")}\n`;
}

/**
 * A failed map as a short block: its summary message (counts by error name, the first
 * failures) and the first user frame of the first failure that has one.
 *
 * @param error The map's error (a `MapError`).
 * @param options Where drover lives, the working directory, a stack mapper.
 * @returns Lines ending in "\n"; control characters escaped.
 *
 * @example
 * ```ts
 * import { formatMapFailure } from "./failure_block.ts";
 * import assert from "node:assert/strict";
 * const cause = new RangeError("no");
 * cause.stack = "RangeError: no\n    at f (file:///u/flow.ts:3:9)";
 * const text = formatMapFailure({
 *   message: 'Cannot complete map over step "s": 1 of 2 calls failed (1 RangeError)\n  [1] RangeError: no',
 *   failures: [{ index: 1, error: cause }],
 * }, { droverRoot: "/opt/drover", cwd: "/u" });
 * assert.match(text, /^  first failure at f \(flow\.ts:3:9\)$/m);
 * ```
 */
export function formatMapFailure(error: MapFailureLike, options: FailureFormatOptions): string {
  const lines = [escapeText(error.message)];
  for (const f of error.failures) {
    const e = f.error as Partial<FailureLike> | null;
    const stack = e?.originalStack ?? e?.stack;
    const frame = typeof stack === "string" ? firstUserFrame(stack, options) : undefined;
    if (frame) {
      lines.push(`  first failure ${frame}`);
      break;
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The short block for an error that ended a script, when drover knows it: a failed step
 * call or a failed map. Anything else gives `undefined` (print it as usual).
 *
 * @param reason What was thrown.
 * @param options Where drover lives, the working directory, a stack mapper.
 * @returns The block, or `undefined`.
 *
 * @example
 * ```ts
 * import { formatUncaught } from "./failure_block.ts";
 * import assert from "node:assert/strict";
 * const e = Object.assign(new Error("boom"), { step: "s", key: "abcdef0123456789" });
 * assert.match(formatUncaught(e, { droverRoot: "/d" })!, /^Step "s" failed: Error: boom/);
 * assert.equal(formatUncaught(new Error("other"), { droverRoot: "/d" }), undefined);
 * ```
 */
export function formatUncaught(reason: unknown, options: FailureFormatOptions): string | undefined {
  if (!(reason instanceof Error)) return undefined;
  const r = reason as Error & Partial<FailureLike> & Partial<MapFailureLike>;
  if (r.name === "MapError" && Array.isArray(r.failures)) {
    return formatMapFailure(r as MapFailureLike, options);
  }
  if (typeof r.step === "string" && typeof r.key === "string") {
    return formatFailure(r as FailureLike, options);
  }
  return undefined;
}

function messageLines(message: string, max: number): string {
  const lines = escapeText(message).split("\n");
  const shown = lines.slice(0, max).join("\n  ");
  return lines.length > max ? `${shown}\n  …` : shown;
}

/** "at fn (file:line:col)" for the first user frame, paths relative to `cwd`. */
function firstUserFrame(
  stack: string | undefined,
  options: FailureFormatOptions,
): string | undefined {
  if (stack === undefined) return undefined;
  const mapped = options.mapStack ? options.mapStack(stack) : stack;
  const frame = userFrames(mapped, options)[0];
  return frame === undefined ? undefined : `at ${describeFrame(frame, options.cwd)}`;
}

function describeFrame(frame: StackFrame, cwd: string | undefined): string {
  let file = framePath(frame.file!);
  if (cwd !== undefined) {
    const dir = cwd.endsWith("/") ? cwd : `${cwd}/`;
    if (file.startsWith(dir)) file = file.slice(dir.length);
  }
  const where = escapeLine(
    `${file}:${frame.line}${frame.column === undefined ? "" : `:${frame.column}`}`,
  );
  return frame.fn ? `${escapeLine(frame.fn)} (${where})` : where;
}
