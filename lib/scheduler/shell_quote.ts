/**
 * Quoting for POSIX shells, so any string can be written into a job script as one word.
 *
 * @module
 */

/**
 * Quotes a string for a POSIX shell: the result, read by `sh`, `bash` or `dash`, is exactly
 * one word equal to `value`, whatever it contains (`$(...)`, backticks, quotes, newlines,
 * globs). The value is wrapped in single quotes; each single quote inside becomes `'"'"'`.
 *
 * @param value Any string without NUL characters.
 * @returns The quoted word, always in single quotes (`''` for the empty string).
 * @throws {TypeError} When `value` contains a NUL character, which no shell word can hold.
 *
 * @example
 * ```ts
 * import { shellQuote } from "./shell_quote.ts";
 * import assert from "node:assert/strict";
 * assert.equal(shellQuote("a b"), "'a b'");
 * assert.equal(shellQuote("it's"), `'it'"'"'s'`);
 * assert.equal(shellQuote("$(rm -rf ~)"), "'$(rm -rf ~)'");
 * assert.equal(shellQuote(""), "''");
 * ```
 */
export function shellQuote(value: string): string {
  if (value.includes("\0")) {
    throw new TypeError(
      `Cannot quote ${JSON.stringify(value)} for the shell: it contains a NUL character`,
    );
  }
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

const ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "'": "\\'",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/**
 * Quotes a string for bash as one word that always fits on one line: like
 * {@linkcode shellQuote} when the value has no control characters, otherwise bash's
 * `$'...'` form with `\n`, `\r`, `\t` and `\xHH` escapes. Batch scripts need this: Grid
 * Engine reads a `#$` at the start of any line of the script as a directive, so a value
 * must never start a new line.
 *
 * @param value Any string without NUL characters.
 * @returns The quoted word, without line breaks.
 * @throws {TypeError} When `value` contains a NUL character.
 *
 * @example
 * ```ts
 * import { bashQuote } from "./shell_quote.ts";
 * import assert from "node:assert/strict";
 * assert.equal(bashQuote("a b"), "'a b'");
 * assert.equal(bashQuote("x\n#$ -u root"), "$'x\\n#$ -u root'");
 * assert.equal(bashQuote("it's\t"), "$'it\\'s\\t'");
 * ```
 */
export function bashQuote(value: string): string {
  // deno-lint-ignore no-control-regex
  if (!/[\x00-\x1f\x7f]/.test(value)) return shellQuote(value);
  if (value.includes("\0")) return shellQuote(value); // throws
  let out = "$'";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    out += ESCAPES[ch] ??
      (code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : ch);
  }
  return out + "'";
}

/**
 * Quotes each argument with {@linkcode shellQuote} and joins them with spaces: a command
 * line the shell splits back into exactly these arguments.
 *
 * @param argv The command and its arguments.
 * @returns One line of shell.
 * @throws {TypeError} When an argument contains a NUL character.
 *
 * @example
 * ```ts
 * import { shellJoin } from "./shell_quote.ts";
 * import assert from "node:assert/strict";
 * assert.equal(shellJoin(["deno", "run", "my file.js"]), "'deno' 'run' 'my file.js'");
 * ```
 */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}
