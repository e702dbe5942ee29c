/**
 * Private to lib/cli: making stored text safe to print. Error messages, stack traces, job
 * logs, argument previews, step names and scripts come from user code and remote systems;
 * printed raw, an ESC sequence in them would drive the user's terminal (move the cursor,
 * rewrite the title, hide lines). Every printing path passes such text through
 * {@linkcode escapeControl} before it adds its own colors.
 *
 * @module
 */

/** Options of {@linkcode escapeControl}. */
export interface EscapeOptions {
  /**
   * Whether `\n` stays a line break (for multi-line text: stacks, logs). When false, it is
   * shown as `\n`, so the text stays on one line (table cells, one-line fields). Default:
   * true.
   */
  readonly newlines?: boolean;
}

// C0 controls, DEL and C1 controls; and the Unicode bidirectional overrides and isolates,
// which reorder what is shown ("Trojan source").
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Escapes terminal control characters: ESC becomes `\x1b`, CR `\r`, BEL `\x07`, other C0
 * and C1 controls and DEL `\xHH`, bidirectional overrides `\u202e`. Tabs are kept; line
 * feeds are kept unless `newlines: false`. Other text (including non-ASCII letters) is
 * unchanged, so plain text prints as it is.
 *
 * @param text Text from the store, a log or a remote system.
 * @param options Whether line feeds are kept.
 * @returns The text, safe to write to a terminal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(escapeControl("boom\x1b[2J\x07"), "boom\\x1b[2J\\x07");
 * assert.equal(escapeControl("a\r\nb\tc"), "a\\r\nb\tc");
 * assert.equal(escapeControl("a\nb", { newlines: false }), "a\\nb");
 * assert.equal(escapeControl("énergie ✓"), "énergie ✓");
 * ```
 */
export function escapeControl(text: string, options: EscapeOptions = {}): string {
  const keepNewlines = options.newlines ?? true;
  return text.replace(UNSAFE, (ch) => {
    if (ch === "\t") return ch;
    if (ch === "\n") return keepNewlines ? ch : "\\n";
    if (ch === "\r") return "\\r";
    const code = ch.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * {@linkcode escapeControl} for one-line output (table cells, fields): line feeds and tabs
 * are escaped too.
 *
 * @param text The text.
 * @returns One line, safe to print.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(escapeLine("a\nb\tc\x1b"), "a\\nb\\tc\\x1b");
 * ```
 */
export function escapeLine(text: string): string {
  return escapeControl(text, { newlines: false }).replaceAll("\t", "\\t");
}

// deno-lint-ignore no-control-regex
const ANY_UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

// The SGR codes of `createStyle` (bold, dim, red, green, yellow, cyan and their resets):
// the only escape sequences the CLI itself writes.
// deno-lint-ignore no-control-regex
const OWN_STYLE = /\x1b\[(?:1|2|22|31|32|33|36|39)m/y;

/**
 * The last line of defence of every write to the terminal (`Context.out`, error reports):
 * escapes control characters as {@linkcode escapeControl} does, except the color codes the
 * CLI's own styling writes. Fields from the store are escaped before they are styled, so
 * this only catches what a printing path forgot.
 *
 * @param text Text about to be written, maybe with the CLI's colors.
 * @param options Whether line feeds are kept (default) or escaped (table cells).
 * @returns The text with every other control character escaped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(escapeOutput("\x1b[31mred\x1b[39m\n"), "\x1b[31mred\x1b[39m\n");
 * assert.equal(escapeOutput("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
 * ```
 */
export function escapeOutput(text: string, options: EscapeOptions = {}): string {
  if (!ANY_UNSAFE.test(text) && (options.newlines ?? true)) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] === "\x1b") {
      OWN_STYLE.lastIndex = i;
      const m = OWN_STYLE.exec(text);
      if (m) {
        out += m[0];
        i += m[0].length;
        continue;
      }
    }
    out += escapeControl(text[i], options);
    i++;
  }
  return out;
}
