/**
 * Where a call was written in the source: read from V8 stack traces.
 *
 * Deno maps stack positions back to the original TypeScript source, so the
 * line and column point into the `.ts` file the user edits.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** A position in a local source file. */
export interface CallSite {
  /** Absolute path of the file. */
  readonly file: string;
  /** Line, 1-based. */
  readonly line: number;
  /** Column, 1-based. */
  readonly column: number;
}

/** Frames read beyond the requested depth, so native frames in between do not hide the target. */
const EXTRA_FRAMES = 32;

/** Path segments of installed third-party packages (node_modules and Deno's npm cache). */
const PACKAGE_DIR = /[\\/](?:node_modules|registry\.npmjs\.org)[\\/]/;

const LOCATION = /^(.*):(\d+):(\d+)$/;

/**
 * Parses one line of a V8 stack trace into a {@linkcode CallSite}.
 *
 * Accepts frames with a function name (`at fn (file:///a.ts:1:2)`) and without
 * (`at file:///a.ts:1:2`, `at async file:///a.ts:1:2`), and decodes
 * URL-encoded paths. Frames that are not in a local file (`ext:`, `node:`,
 * `https:`, native and eval frames) give `undefined`.
 *
 * @param line One line of `Error.prototype.stack`.
 * @returns The file position, or `undefined` when the frame is not a local file.
 *
 * @example Named and anonymous frames
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseStackFrame("    at relax (file:///w/my%20flow.ts:3:9)"), {
 *   file: "/w/my flow.ts",
 *   line: 3,
 *   column: 9,
 * });
 * assert.deepEqual(parseStackFrame("    at file:///w/flow.ts:10:1"), {
 *   file: "/w/flow.ts",
 *   line: 10,
 *   column: 1,
 * });
 * assert.equal(parseStackFrame("    at ext:core/01_core.js:1:2"), undefined);
 * ```
 */
export function parseStackFrame(line: string): CallSite | undefined {
  const text = line.trim();
  if (!text.startsWith("at ") || text.includes("eval at ")) return undefined;
  const start = text.indexOf("file://");
  if (start < 0) return undefined;
  let location = text.slice(start);
  if (text[start - 1] === "(") {
    if (!location.endsWith(")")) return undefined;
    location = location.slice(0, -1);
  }
  const match = LOCATION.exec(location);
  if (match === null) return undefined;
  const file = filePathOf(match[1]);
  if (file === undefined) return undefined;
  return { file, line: Number(match[2]), column: Number(match[3]) };
}

/**
 * Returns where the caller of the current function was written.
 *
 * `callerSite(0)` is the position inside the function that calls
 * `callerSite`; `callerSite(1)` is where that function was called from, and so
 * on. Native and runtime frames (`Array.map`, `ext:`, `node:`) and frames in
 * installed npm packages are skipped while counting levels above the caller.
 *
 * @param depth Levels above the function that called `callerSite`, 0 or more.
 * @returns The call site, or `undefined` when the stack is not that deep or the
 *   frame is not a local file.
 * @throws {RangeError} When `depth` is not a non-negative integer.
 *
 * @example Learning where a function was called from
 * ```ts
 * import assert from "node:assert/strict";
 *
 * function where(): CallSite | undefined {
 *   return callerSite(1);
 * }
 * const site = where();
 * assert.ok(site !== undefined);
 * assert.ok(site.line > 0 && site.column > 0);
 * assert.ok(site.file.startsWith("/") || /^[A-Za-z]:\\/.test(site.file));
 * ```
 */
export function callerSite(depth: number): CallSite | undefined {
  if (!Number.isInteger(depth) || depth < 0) {
    throw new RangeError(`Cannot read caller site: depth must be an integer >= 0 (got ${depth})`);
  }
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Math.max(Number.isFinite(limit) ? limit : 0, depth + EXTRA_FRAMES);
  let stack: string;
  try {
    stack = new Error().stack ?? "";
  } finally {
    Error.stackTraceLimit = limit;
  }
  // Line 0 is the message, line 1 is callerSite itself, line 2 is its caller.
  const lines = stack.split("\n").filter((line) => line.trimStart().startsWith("at "));
  const caller = lines[1];
  if (caller === undefined) return undefined;
  if (depth === 0) return parseStackFrame(caller);
  let remaining = depth;
  for (const line of lines.slice(2)) {
    const site = parseStackFrame(line);
    if (site === undefined || PACKAGE_DIR.test(site.file)) continue;
    remaining -= 1;
    if (remaining === 0) return site;
  }
  return undefined;
}

function filePathOf(url: string): string | undefined {
  try {
    return fileURLToPath(new URL(url));
  } catch {
    // A raw "%" that is not an escape: take the path as written.
    const path = url.replace(/^file:\/\//, "");
    return path.length > 0 ? path : undefined;
  }
}
