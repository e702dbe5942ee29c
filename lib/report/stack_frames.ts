/**
 * Reading V8 stack traces: {@linkcode parseFrame} splits one "    at ..." line,
 * {@linkcode userFrames} keeps only the frames of the user's own code (not drover's, not
 * Deno's internals, not installed packages).
 *
 * @module
 */

/** One frame of a V8 stack trace. */
export interface StackFrame {
  /** The whole line, trimmed ("at relax (file:///p/relax.ts:3:9)"). */
  readonly text: string;
  /** The function, as V8 names it ("relax", "async main", "new Foo"); "" for top level. */
  readonly fn: string;
  /** The file: a URL ("file:///p/relax.ts", "ext:core/01_core.js") or a path; undefined for native code. */
  readonly file: string | undefined;
  /** 1-based line, when the file has one. */
  readonly line: number | undefined;
  /** 1-based column, when the file has one. */
  readonly column: number | undefined;
  /** Where the location (`file:line:column`) starts and ends in the untrimmed line. */
  readonly span: readonly [number, number] | undefined;
}

/** Options of {@linkcode userFrames}. */
export interface UserFramesOptions {
  /**
   * Where drover lives: its checkout (path or file URL), and any other places a copy of it
   * is loaded from (a package cache URL). Frames in files under these are drover's.
   */
  readonly droverRoot: string | URL | readonly (string | URL)[];
  /** Keep frames in installed npm packages. Default false. */
  readonly keepDependencies?: boolean;
}

const FRAME = /^\s*at\s+/;
const LOCATION = /^(.*?):(\d+)(?::(\d+))?$/;
const INTERNAL = /^(ext:|node:|deno:|internal[:/]|<anonymous>$|native$)/;
const DEPENDENCY = /\/node_modules\/|\/deno\/npm\/|\/registry\.npmjs\.org\//;

/**
 * Parses one line of a V8 stack trace.
 *
 * @param line One line of `error.stack`.
 * @returns The frame, or `undefined` when the line is not a frame (the message).
 *
 * @example
 * ```ts
 * import { parseFrame } from "./stack_frames.ts";
 * import assert from "node:assert/strict";
 * const f = parseFrame("    at async relax (file:///p/relax.ts:3:9)")!;
 * assert.equal(f.fn, "async relax");
 * assert.equal(f.file, "file:///p/relax.ts");
 * assert.deepEqual([f.line, f.column], [3, 9]);
 * assert.equal(parseFrame("    at Array.map (<anonymous>)")!.file, undefined);
 * assert.equal(parseFrame("RangeError: bad"), undefined);
 * ```
 */
export function parseFrame(line: string): StackFrame | undefined {
  const at = FRAME.exec(line);
  if (at === null) return undefined;
  const text = line.trim();
  const body = line.slice(at[0].length).trimEnd();
  let fn = "";
  let locStart = at[0].length;
  let location = body;
  if (body.endsWith(")")) {
    const open = matchingOpen(body);
    if (open > 0) {
      fn = body.slice(0, open).trim();
      location = body.slice(open + 1, -1);
      locStart = at[0].length + open + 1;
    }
  }
  if (location.includes("eval at ") || location === "<anonymous>" || location === "native") {
    return { text, fn, file: undefined, line: undefined, column: undefined, span: undefined };
  }
  const m = LOCATION.exec(location);
  if (m === null) {
    return { text, fn, file: undefined, line: undefined, column: undefined, span: undefined };
  }
  return {
    text,
    fn,
    file: m[1],
    line: Number(m[2]),
    column: m[3] === undefined ? undefined : Number(m[3]),
    span: [locStart, locStart + location.length],
  };
}

/** The index of the "(" matching the final ")" of `s`, or -1. */
function matchingOpen(s: string): number {
  let depth = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    if (s[i] === ")") depth++;
    else if (s[i] === "(" && --depth === 0) return i;
  }
  return -1;
}

/**
 * The local path of a frame's file ("file:///p/a%20b.ts" -> "/p/a b.ts"); other URLs and
 * paths as they are.
 *
 * @param file A frame's file.
 * @returns The path or the unchanged text.
 *
 * @example
 * ```ts
 * import { framePath } from "./stack_frames.ts";
 * import assert from "node:assert/strict";
 * assert.equal(framePath("file:///p/a%20b.ts"), "/p/a b.ts");
 * assert.equal(framePath("ext:core/01_core.js"), "ext:core/01_core.js");
 * ```
 */
export function framePath(file: string): string {
  if (!file.startsWith("file://")) return file;
  try {
    const path = decodeURIComponent(new URL(file).pathname);
    return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
  } catch {
    return file;
  }
}

function rootPrefixes(root: UserFramesOptions["droverRoot"]): string[] {
  const roots = typeof root === "string" || root instanceof URL ? [root] : root;
  return roots.map((r) => {
    const s = r instanceof URL ? r.href : r;
    const p = framePath(s);
    return p.endsWith("/") ? p : `${p}/`;
  });
}

/**
 * Whether a frame is the user's own code: it has a file, the file is not Deno's
 * (`ext:`, `node:`), not under a drover root and (unless kept) not in an installed npm
 * package.
 *
 * @param frame A parsed frame.
 * @param options Where drover lives.
 * @returns True for the user's frames.
 *
 * @example
 * ```ts
 * import { isUserFrame, parseFrame } from "./stack_frames.ts";
 * import assert from "node:assert/strict";
 * const opts = { droverRoot: "/opt/drover" };
 * assert.ok(isUserFrame(parseFrame("at f (file:///home/u/flow.ts:1:2)")!, opts));
 * assert.ok(!isUserFrame(parseFrame("at g (file:///opt/drover/lib/step/step.ts:1:2)")!, opts));
 * assert.ok(!isUserFrame(parseFrame("at ext:core/01_core.js:5:3")!, opts));
 * ```
 */
export function isUserFrame(frame: StackFrame, options: UserFramesOptions): boolean {
  if (frame.file === undefined || INTERNAL.test(frame.file)) return false;
  const path = framePath(frame.file);
  if (!options.keepDependencies && DEPENDENCY.test(path)) return false;
  return !rootPrefixes(options.droverRoot).some((root) => path.startsWith(root));
}

/**
 * The frames of a stack that are the user's own code, top first.
 *
 * @param stack An `error.stack` (or a stored one).
 * @param options Where drover lives.
 * @returns The user's frames.
 *
 * @example
 * ```ts
 * import { userFrames } from "./stack_frames.ts";
 * import assert from "node:assert/strict";
 * const stack = [
 *   "RangeError: fmax too small",
 *   "    at check (file:///home/u/relax.ts:4:11)",
 *   "    at run (file:///opt/drover/lib/step/session.ts:90:3)",
 *   "    at ext:core/01_core.js:5:3",
 *   "    at async main (file:///home/u/flow.ts:12:3)",
 * ].join("\n");
 * const frames = userFrames(stack, { droverRoot: "file:///opt/drover/" });
 * assert.deepEqual(frames.map((f) => f.fn), ["check", "async main"]);
 * ```
 */
export function userFrames(stack: string, options: UserFramesOptions): StackFrame[] {
  const out: StackFrame[] = [];
  for (const line of stack.split("\n")) {
    const frame = parseFrame(line);
    if (frame && isUserFrame(frame, options)) out.push(frame);
  }
  return out;
}

/**
 * A stack with only the user's frames: the message lines as they are, then the user's
 * frames, each as "    at ...".
 *
 * @param stack An `error.stack`.
 * @param options Where drover lives.
 * @returns The filtered stack.
 *
 * @example
 * ```ts
 * import { userStack } from "./stack_frames.ts";
 * import assert from "node:assert/strict";
 * const stack = "Error: x\n    at f (file:///u/a.ts:1:1)\n    at g (file:///d/lib/b.ts:2:2)";
 * assert.equal(userStack(stack, { droverRoot: "/d" }), "Error: x\n    at f (file:///u/a.ts:1:1)");
 * ```
 */
export function userStack(stack: string, options: UserFramesOptions): string {
  const lines = stack.split("\n");
  const first = lines.findIndex((l) => FRAME.test(l));
  const head = first < 0 ? lines : lines.slice(0, first);
  return [...head, ...userFrames(stack, options).map((f) => `    ${f.text}`)].join("\n");
}
