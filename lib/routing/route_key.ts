/**
 * Keys of remote info: a label (`gpu`), or comma-separated call-stack patterns
 * (`relax_all.ts::main,lib/relax.ts::relax`).
 *
 * @module
 */
import type { FramePattern, RoutePattern } from "./remote_info.ts";

/** Labels: letters, digits, `_ . : -`, starting with a letter, digit or `_`. */
const LABEL = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;

/** What a key must look like, for messages. */
export const ROUTE_KEY_FORMS =
  "a label (letters, digits, _ . : -) or comma-separated file.ts::function patterns";

/**
 * Parses a remote info key. A key holding neither `::` nor `.ts` is a label, matched
 * against the label a step or call sets in code. Any other key is a list of
 * `file::function` elements separated by commas, outermost first; either side of an
 * element may be `*` (a whole side: `lib/*.ts` is not a wildcard). Files are written with
 * `/`; a leading `./` is dropped.
 *
 * @param key The key as written.
 * @returns The pattern.
 * @throws {RangeError} When the key is neither; the message says which part is wrong.
 *
 * @example
 * ```ts
 * import { parseRouteKey } from "./route_key.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseRouteKey("gpu"), { kind: "label", label: "gpu" });
 * assert.deepEqual(parseRouteKey("relax_all.ts::main, lib/relax.ts::*"), {
 *   kind: "stack",
 *   frames: [
 *     { file: "relax_all.ts", function: "main" },
 *     { file: "lib/relax.ts", function: "*" },
 *   ],
 * });
 * assert.throws(() => parseRouteKey("relax_all.ts"), RangeError);
 * ```
 */
export function parseRouteKey(key: string): RoutePattern {
  const result = safeParseRouteKey(key);
  if (!result.success) {
    throw new RangeError(`Cannot parse remote info key ${JSON.stringify(key)}: ${result.error}`);
  }
  return result.data;
}

/**
 * Like {@linkcode parseRouteKey}, but returns what is wrong instead of throwing.
 *
 * @param key The key as written.
 * @returns The pattern, or the problem as a phrase that follows the key in a message
 * (`has an empty element`).
 */
export function safeParseRouteKey(
  key: string,
): { success: true; data: RoutePattern } | { success: false; error: string } {
  const text = key.trim();
  if (!text.includes("::") && !text.includes(".ts")) {
    return LABEL.test(text) ? { success: true, data: { kind: "label", label: text } } : {
      success: false,
      error:
        "is neither a label (letters, digits, _ . : -) nor comma-separated file.ts::function patterns",
    };
  }
  const frames: FramePattern[] = [];
  for (const raw of text.split(",")) {
    const element = raw.trim();
    if (element === "") return { success: false, error: "has an empty element" };
    const split = element.indexOf("::");
    if (split < 0) {
      return {
        success: false,
        error: `has ${JSON.stringify(element)} where file::function is expected`,
      };
    }
    const file = normalizeFile(element.slice(0, split).trim());
    const fn = element.slice(split + 2).trim();
    if (file === "" || fn === "") {
      return {
        success: false,
        error: `has ${JSON.stringify(element)} with an empty side (write * to match any)`,
      };
    }
    for (const side of [file, fn]) {
      if (side !== "*" && side.includes("*")) {
        return {
          success: false,
          error: `has ${JSON.stringify(side)}: * must be a whole side of file::function`,
        };
      }
    }
    if (/\s/.test(fn)) {
      return {
        success: false,
        error: `has ${JSON.stringify(fn)}, which is not a function name`,
      };
    }
    frames.push({ file, function: fn });
  }
  return { success: true, data: { kind: "stack", frames } };
}

/**
 * Writes a pattern back in its canonical form (`a.ts::main,lib/relax.ts::relax`), the form
 * two keys are compared in.
 *
 * @param pattern The pattern.
 * @returns The text.
 */
export function formatRoutePattern(pattern: RoutePattern): string {
  return pattern.kind === "label"
    ? pattern.label
    : pattern.frames.map(formatFramePattern).join(",");
}

/**
 * Writes one element: `lib/relax.ts::relax`.
 *
 * @param frame The element.
 * @returns The text.
 */
export function formatFramePattern(frame: FramePattern): string {
  return `${frame.file}::${frame.function}`;
}

/**
 * Counts the `*` sides of a pattern (0 for a label).
 *
 * @param pattern The pattern.
 * @returns The count.
 */
export function wildcardCount(pattern: RoutePattern): number {
  if (pattern.kind === "label") return 0;
  return pattern.frames.reduce(
    (n, f) => n + (f.file === "*" ? 1 : 0) + (f.function === "*" ? 1 : 0),
    0,
  );
}

function normalizeFile(file: string): string {
  let path = file.replaceAll("\\", "/");
  while (path.startsWith("./")) path = path.slice(2);
  return path;
}
