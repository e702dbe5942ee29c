/**
 * Call stacks as routing sees them: one `file::function` per frame, outermost first,
 * without drover's own frames, runtime frames or installed packages.
 *
 * @module
 */
import { isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseStackFrame } from "./call_site.ts";

/** One frame of a call stack. */
export interface StackFrame {
  /** Absolute path of the file. */
  readonly file: string;
  /**
   * The function's name as V8 gives it, without `async ` / `new ` (`main`, `Relaxer.run`,
   * `Object.relax`); `""` for module top-level code and anonymous functions.
   */
  readonly function: string;
  /** Line, 1-based, when known. */
  readonly line?: number;
  /** Column, 1-based, when known. */
  readonly column?: number;
}

/** Options of {@linkcode parseStackTrace}. */
export interface ParseStackTraceOptions {
  /** Frames in files for which this returns true are left out. Default: none. */
  readonly skipFile?: (file: string) => boolean;
}

/** Path segments of installed third-party packages (node_modules and Deno's npm cache). */
const PACKAGE_DIR = /[\\/](?:node_modules|registry\.npmjs\.org)[\\/]/;

/** drover's own lib/ directory, with a trailing separator. */
const DROVER_LIB = fileURLToPath(new URL("../", import.meta.url));

/** Frames read at most; deeper (outer) frames are lost. */
const MAX_FRAMES = 256;

/**
 * Parses a V8 stack trace (`Error.prototype.stack`) into frames, outermost first. Frames
 * that are not in a local file (`ext:`, `node:`, `https:`, native frames such as
 * `Array.map`) are left out. Function names lose `async `, `new ` and ` [as alias]`.
 *
 * @param stack The stack text.
 * @param options Which files to leave out.
 * @returns The frames, outermost first.
 *
 * @example
 * ```ts
 * import { parseStackTrace } from "./stack.ts";
 * import assert from "node:assert/strict";
 * const stack = [
 *   "Error",
 *   "    at Object.relax [as relax] (file:///p/lib/relax.ts:3:9)",
 *   "    at Array.map (<anonymous>)",
 *   "    at async main (file:///p/relax_all.ts:10:5)",
 *   "    at file:///p/relax_all.ts:20:1",
 * ].join("\n");
 * assert.deepEqual(parseStackTrace(stack).map((f) => `${f.file}::${f.function}`), [
 *   "/p/relax_all.ts::",
 *   "/p/relax_all.ts::main",
 *   "/p/lib/relax.ts::Object.relax",
 * ]);
 * ```
 */
export function parseStackTrace(stack: string, options: ParseStackTraceOptions = {}): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const line of stack.split("\n")) {
    const frame = parseFrameLine(line);
    if (frame === undefined || options.skipFile?.(frame.file)) continue;
    frames.push(frame);
  }
  return frames.reverse();
}

/**
 * The call stack of the caller, outermost first, as routing matches it: frames of drover's
 * own modules, of installed packages and of the runtime are left out, so the innermost frame
 * is the user code that called into drover. At most 256 frames are read; deeper (outer)
 * ones are lost.
 *
 * @returns The frames, outermost first.
 *
 * @example
 * ```ts
 * import { captureStack } from "./stack.ts";
 * import assert from "node:assert/strict";
 * // Frames in drover's lib/ (this example runs as one) are left out.
 * assert.ok(captureStack().every((f) => !f.file.includes("/lib/routing/")));
 * ```
 */
export function captureStack(): StackFrame[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = MAX_FRAMES;
  let stack: string;
  try {
    stack = new Error().stack ?? "";
  } finally {
    Error.stackTraceLimit = limit;
  }
  return parseStackTrace(stack, { skipFile: isOutsideUserCode });
}

/**
 * Parses a stack written as text, outermost first: `relax_all.ts::main,lib/relax.ts::relax`
 * (the form of remote info keys, without wildcards). Relative files are resolved against
 * `cwd`.
 *
 * @param text Comma-separated `file::function` elements.
 * @param cwd The directory relative files are in. Default: `Deno.cwd()`.
 * @returns The frames.
 * @throws {RangeError} When an element is not `file::function`, or uses `*`.
 *
 * @example
 * ```ts
 * import { parseStackText } from "./stack.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseStackText("flows/a.ts::main,lib/relax.ts::relax", "/p"), [
 *   { file: "/p/flows/a.ts", function: "main" },
 *   { file: "/p/lib/relax.ts", function: "relax" },
 * ]);
 * ```
 */
export function parseStackText(text: string, cwd: string = Deno.cwd()): StackFrame[] {
  return text.split(",").map((raw) => {
    const element = raw.trim();
    const split = element.indexOf("::");
    const file = split < 0 ? "" : element.slice(0, split).trim();
    const fn = split < 0 ? "" : element.slice(split + 2).trim();
    if (file === "" || file.includes("*") || fn.includes("*") || /\s/.test(fn)) {
      throw new RangeError(
        `Cannot parse stack ${JSON.stringify(text)}: ${
          JSON.stringify(element)
        } is not file::function (a file and a function name, no wildcards)`,
      );
    }
    return { file: resolve(cwd, file), function: fn };
  });
}

/**
 * Shows a frame as `file::function`, the file relative to `cwd` when inside it, and
 * `<top level>` for top-level code.
 *
 * @param frame The frame.
 * @param cwd Directory to show files relative to. Default: files as they are.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { formatStackFrame } from "./stack.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatStackFrame({ file: "/p/a.ts", function: "main" }, "/p"), "a.ts::main");
 * assert.equal(formatStackFrame({ file: "/q/b.ts", function: "" }, "/p"), "/q/b.ts::<top level>");
 * ```
 */
export function formatStackFrame(frame: StackFrame, cwd?: string): string {
  return `${displayFile(frame.file, cwd)}::${frame.function || "<top level>"}`;
}

/**
 * Shows a file relative to `cwd` when inside it, else as it is.
 *
 * @param file An absolute path.
 * @param cwd Directory to show it relative to.
 * @returns The text.
 */
export function displayFile(file: string, cwd?: string): string {
  if (cwd === undefined || !isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

function isOutsideUserCode(file: string): boolean {
  return file.startsWith(DROVER_LIB) || PACKAGE_DIR.test(file);
}

function parseFrameLine(line: string): StackFrame | undefined {
  const site = parseStackFrame(line);
  if (site === undefined) return undefined;
  const body = line.trim().slice(3);
  const open = body.indexOf(" (file://");
  const name = open < 0 ? "" : body.slice(0, open);
  return { file: site.file, function: normalizeName(name), line: site.line, column: site.column };
}

function normalizeName(raw: string): string {
  let name = raw.replace(/ \[as [^\]]*\]$/, "").trim();
  for (const prefix of ["async ", "new "]) {
    if (name.startsWith(prefix)) name = name.slice(prefix.length);
  }
  return name === "<anonymous>" || name.endsWith(".<anonymous>") ? "" : name;
}
