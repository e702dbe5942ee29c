/**
 * Private to lib/cli: the last lines of several files on a system in one command, so a
 * multi-gigabyte log never travels whole.
 *
 * @module
 */
import { shellQuote } from "../scheduler/mod.ts";
import type { Transport } from "../transport/mod.ts";

const decoder = new TextDecoder();

/**
 * Splits the output of one shell command that printed several files, each after a line
 * `<boundary> <index> present|missing`.
 *
 * @param text The command's output.
 * @param boundary The boundary token.
 * @param count How many files were asked for.
 * @returns Each file's lines (without a trailing empty line), or null when missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const text = "\n@@ 0 present\na\nb\n\n@@ 1 missing\n";
 * assert.deepEqual(splitSections(text, "@@", 2), [["a", "b"], null]);
 * ```
 */
export function splitSections(
  text: string,
  boundary: string,
  count: number,
): (string[] | null)[] {
  const out: (string[] | null)[] = Array.from({ length: count }, () => null);
  for (const chunk of text.split(`\n${boundary} `).slice(1)) {
    const nl = chunk.indexOf("\n");
    const [index, presence] = (nl < 0 ? chunk : chunk.slice(0, nl)).split(" ");
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= count || presence !== "present") continue;
    const lines = nl < 0 ? [] : chunk.slice(nl + 1).split("\n");
    if (lines.at(-1) === "") lines.pop();
    out[i] = lines;
  }
  return out;
}

/**
 * Reads the last lines of files on a system with one `tail` per file, in one command.
 *
 * @param transport The system.
 * @param paths Absolute paths.
 * @param lines How many lines of each.
 * @returns Each file's last lines, or null when it does not exist.
 * @throws {TransportError} When the system cannot be reached.
 */
export async function tailFiles(
  transport: Transport,
  paths: readonly string[],
  lines: number,
): Promise<(string[] | null)[]> {
  if (paths.length === 0) return [];
  const boundary = `--drover-${crypto.randomUUID()}--`;
  const b = shellQuote(boundary);
  const script = paths.map((path, i) => {
    const f = shellQuote(path);
    return `if [ -f ${f} ]; then printf '\\n%s ${i} present\\n' ${b}; tail -n ${lines} ${f}; ` +
      `else printf '\\n%s ${i} missing\\n' ${b}; fi`;
  }).join("\n");
  const r = await transport.exec(script);
  return splitSections(decoder.decode(r.stdout), boundary, paths.length);
}
