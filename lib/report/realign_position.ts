/**
 * {@linkcode realignPosition}: corrects a source-map position by the code's own text.
 *
 * `deno bundle`'s source maps point at the JavaScript Deno transpiled a TypeScript module
 * to, not at the module's own lines: type annotations over several lines and reformatted
 * literals shift a frame by a few lines. The generated code at the frame still reads the
 * same as the user's source there (`throw new RangeError(...)`), so the position is
 * moved to the nearest line of the source that holds that text.
 *
 * @module
 */
import type { OriginalPosition } from "./source_map.ts";

/** How far from the mapped line the text is looked for, in lines, each way. */
const WINDOW = 40;
/** Shortest snippet worth matching (shorter ones match too much). */
const MIN_SNIPPET = 6;
/** Longest snippet taken from the generated line. */
const MAX_SNIPPET = 48;

/**
 * Moves `original` to the source line nearest to it that holds the generated code found at
 * the frame's column; unchanged when no line within a window holds it.
 *
 * @param generatedLine The bundle's line of the frame.
 * @param column The frame's column (1-based) in that line.
 * @param sourceText The whole text of `original.source`.
 * @param original Where the source map put the frame.
 * @returns The corrected position (same source).
 *
 * @example
 * ```ts
 * import { realignPosition } from "./realign_position.ts";
 * import assert from "node:assert/strict";
 * const source = "const f = ({ x }: {\n  x: number;\n}) => {\n  throw new RangeError(`x`);\n};\n";
 * const generated = "  var f = ({ x }) => { throw new RangeError(`x`); };";
 * const col = generated.indexOf("throw") + 1;
 * const mapped = { source: "file:///a.ts", line: 2, column: 3, name: undefined };
 * assert.deepEqual(realignPosition(generated, col, source, mapped), {
 *   source: "file:///a.ts", line: 4, column: 3, name: undefined,
 * });
 * ```
 */
export function realignPosition(
  generatedLine: string,
  column: number,
  sourceText: string,
  original: OriginalPosition,
): OriginalPosition {
  const tail = generatedLine.slice(Math.max(0, column - 1)).trimEnd();
  const lines = sourceText.split("\n");
  for (let size = Math.min(MAX_SNIPPET, tail.length); size >= MIN_SNIPPET; size = size >> 1) {
    const snippet = tail.slice(0, size);
    const at = nearestLineWith(lines, snippet, original.line);
    if (at !== undefined) {
      return { ...original, line: at.line, column: at.column };
    }
  }
  return original;
}

function nearestLineWith(
  lines: readonly string[],
  snippet: string,
  around: number,
): { line: number; column: number } | undefined {
  const here = lines[around - 1]?.indexOf(snippet) ?? -1;
  if (here >= 0) return { line: around, column: here + 1 };
  for (let d = 1; d <= WINDOW; d++) {
    for (const line of [around + d, around - d]) {
      const col = lines[line - 1]?.indexOf(snippet) ?? -1;
      if (col >= 0) return { line, column: col + 1 };
    }
  }
  return undefined;
}
