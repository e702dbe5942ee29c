/**
 * The stack of a step call as text, as cheaply as V8 and Deno allow, for routing: its text
 * is the identity of the call site (two calls with equal text route alike) and is parsed
 * into frames once per site.
 *
 * Capturing a stack is cheap (V8 records positions); formatting it is not: Deno source-maps
 * and names every frame, about 6 µs a frame whether it is read as text or as structured
 * call sites (Deno builds those from the same mapped frames). So the capture leaves out the
 * frames above the given function (drover's own, from the router up to the step call) before
 * anything is formatted, and a `map()` of 1000 calls formats a handful of frames per call.
 *
 * @module
 */
import { parseStackTrace, type StackFrame } from "../routing/mod.ts";

/** drover's own lib/ directory, with a trailing separator (its frames are not user code). */
const DROVER_LIB = decodeURIComponent(new URL("../", import.meta.url).pathname);

/** Installed third-party packages (node_modules and Deno's npm cache). */
const PACKAGE_DIR = /[\\/](?:node_modules|registry\.npmjs\.org)[\\/]/;

/** A function on the stack: the frames it and its callees run in are not read. */
export type StackAnchor = (...args: never[]) => unknown;

/** Frames read at most (as routing's stack capture). */
const MAX_FRAMES = 256;

/**
 * The current stack as text, without the frames above the innermost call of `above` (and
 * that call): its identity as a call site.
 *
 * @param above A function on the current stack; it and what it called are left out.
 * @returns The formatted stack (Error's first line included).
 */
export function stackText(above: StackAnchor): string {
  // A user's Error.prepareStackTrace (source-map-support and the like) is set aside: the
  // text must be V8's own form.
  const ctor = Error as { prepareStackTrace?: unknown };
  const prepare = ctor.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  if (prepare !== undefined) ctor.prepareStackTrace = undefined;
  Error.stackTraceLimit = MAX_FRAMES;
  try {
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, above);
    return typeof holder.stack === "string" ? holder.stack : "";
  } finally {
    Error.stackTraceLimit = limit;
    if (prepare !== undefined) ctor.prepareStackTrace = prepare;
  }
}

/**
 * The frames routing matches, from a stack's text (see {@linkcode stackText}): drover's
 * own modules, installed packages and the runtime left out, outermost first.
 *
 * @param text The stack's text.
 * @returns The user frames.
 */
export function userFrames(text: string): StackFrame[] {
  return parseStackTrace(text, { skipFile: isOutsideUserCode });
}

function isOutsideUserCode(file: string): boolean {
  return file.startsWith(DROVER_LIB) || PACKAGE_DIR.test(file);
}
