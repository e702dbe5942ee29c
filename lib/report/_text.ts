/**
 * Private text helpers of the report folder: escaping terminal control characters in
 * user-provided strings, durations for humans, fitting a line to a width.
 *
 * @module
 */

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
// deno-lint-ignore no-control-regex
const CONTROL_OR_NEWLINE = /[\u0000-\u001f\u007f-\u009f]/g;
const NAMED: Readonly<Record<string, string>> = { "\t": "\\t", "\r": "\\r", "\n": "\\n" };

function escapeChar(c: string): string {
  return NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

/**
 * Escapes C0 and C1 control characters (and DEL) except `\n`, so printed text cannot
 * drive the terminal.
 *
 * @param text User-provided text.
 * @returns The text with `\x1b` written as the four characters `\x1b`.
 *
 * @example
 * ```ts
 * import { escapeText } from "./_text.ts";
 * import assert from "node:assert/strict";
 * assert.equal(escapeText("a\x1b[2Jb\nc\t"), "a\\x1b[2Jb\nc\\t");
 * ```
 */
export function escapeText(text: string): string {
  return text.replace(CONTROL, escapeChar);
}

/**
 * Like {@linkcode escapeText}, and escapes `\n` too: for text that must stay on one line.
 *
 * @param text User-provided text.
 * @returns One line.
 *
 * @example
 * ```ts
 * import { escapeLine } from "./_text.ts";
 * import assert from "node:assert/strict";
 * assert.equal(escapeLine("a\nb\u009b"), "a\\nb\\x9b");
 * ```
 */
export function escapeLine(text: string): string {
  return text.replace(CONTROL_OR_NEWLINE, escapeChar);
}

/**
 * A duration for humans: "850ms", "42s", "3m05s", "2h07m".
 *
 * @param ms Milliseconds (negative counts as 0).
 * @returns The text.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./_text.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatDuration(850), "850ms");
 * assert.equal(formatDuration(42_400), "42s");
 * assert.equal(formatDuration(185_000), "3m05s");
 * assert.equal(formatDuration(7_620_000), "2h07m");
 * ```
 */
export function formatDuration(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  if (t < 1000) return `${t}ms`;
  const s = Math.floor(t / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/**
 * Cuts a line to at most `width` characters (code points), ending in "…" when cut.
 *
 * @param line One line of already escaped text.
 * @param width The most characters to keep (at least 1).
 * @returns The line, fitted.
 *
 * @example
 * ```ts
 * import { fitLine } from "./_text.ts";
 * import assert from "node:assert/strict";
 * assert.equal(fitLine("abcdef", 4), "abc…");
 * assert.equal(fitLine("abc", 4), "abc");
 * ```
 */
export function fitLine(line: string, width: number): string {
  const chars = [...line];
  if (chars.length <= width) return line;
  return `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
}

/**
 * `n` followed by the noun, plural unless n is 1: "1 job", "3 jobs".
 *
 * @param n The count.
 * @param noun Singular noun.
 * @param plural Plural form (default noun + "s").
 * @returns The phrase.
 *
 * @example
 * ```ts
 * import { count } from "./_text.ts";
 * import assert from "node:assert/strict";
 * assert.equal(count(1, "job"), "1 job");
 * assert.equal(count(2, "job"), "2 jobs");
 * ```
 */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
