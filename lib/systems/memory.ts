/**
 * Slurm memory sizes ("4G", "500M", "4096") to and from bytes. Sizes are parsed here, at the
 * edge; everything inside drover holds sizes in bytes.
 *
 * @module
 */
import type { SafeParseResult } from "./walltime.ts";

const UNITS = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 } as const;
const MEMORY = /^(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:i?B)?)?$/i;

/** What a memory size looks like, for error messages. */
export const MEMORY_FORMS = "a size such as 4G, 500M, 1.5T or 4096 (MB)";

/**
 * Parses a memory size into bytes, the way Slurm reads `--mem`: a number with an optional
 * unit `K`, `M`, `G` or `T` (binary: 1G is 1024M), and megabytes when there is no unit.
 * Units are case-insensitive and may be followed by `B` or `iB` (`4GB`, `4GiB` are 4G).
 * Fractions are allowed (`1.5T`) and round up to a whole byte.
 *
 * @param text The size; surrounding whitespace is ignored.
 * @returns The size in bytes.
 * @throws {RangeError} When the text is not such a size.
 *
 * @example
 * ```ts
 * import { parseMemory } from "./memory.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseMemory("4G"), 4 * 1024 ** 3);
 * assert.equal(parseMemory("4096"), 4096 * 1024 ** 2);
 * assert.equal(parseMemory("1.5T"), 1.5 * 1024 ** 4);
 * assert.throws(() => parseMemory("lots"), RangeError);
 * ```
 */
export function parseMemory(text: string): number {
  const result = safeParseMemory(text);
  if (!result.success) throw result.error;
  return result.data;
}

/**
 * Like {@linkcode parseMemory}, but returns the error instead of throwing it.
 *
 * @param text The size.
 * @returns `{ success: true, data: bytes }` or `{ success: false, error: RangeError }`.
 *
 * @example
 * ```ts
 * import { safeParseMemory } from "./memory.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(safeParseMemory("1K"), { success: true, data: 1024 });
 * assert.equal(safeParseMemory("-1G").success, false);
 * ```
 */
export function safeParseMemory(text: string): SafeParseResult<number> {
  const m = MEMORY.exec(typeof text === "string" ? text.trim() : "");
  const unit = m === null ? 0 : UNITS[(m[2] ?? "M").toUpperCase() as keyof typeof UNITS];
  const bytes = m === null ? NaN : Math.ceil(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) {
    return {
      success: false,
      error: new RangeError(
        `Cannot parse memory size ${JSON.stringify(text)}: expected ${MEMORY_FORMS}`,
      ),
    };
  }
  return { success: true, data: bytes };
}

/**
 * Formats bytes as a whole number of the largest unit that holds it exactly (`4G`, `1536M`,
 * `3K`), as Slurm's `--mem` wants. Sizes round up to a whole KiB, Slurm's smallest unit, so
 * `parseMemory(formatMemory(n)) === n` for every multiple of 1024 and is never less than `n`.
 *
 * @param bytes The size, 0 or more.
 * @returns The size string.
 * @throws {RangeError} When `bytes` is negative, not finite or NaN.
 *
 * @example
 * ```ts
 * import { formatMemory } from "./memory.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatMemory(4 * 1024 ** 3), "4G");
 * assert.equal(formatMemory(1.5 * 1024 ** 3), "1536M");
 * assert.equal(formatMemory(1000), "1K");
 * ```
 */
export function formatMemory(bytes: number): string {
  if (typeof bytes !== "number" || !Number.isFinite(bytes) || bytes < 0) {
    throw new RangeError(
      `Cannot format memory size ${bytes}: expected a number of bytes, 0 or more`,
    );
  }
  const kib = Math.ceil(bytes / 1024);
  if (kib === 0) return "0K";
  for (const [unit, size] of [["T", 1024 ** 3], ["G", 1024 ** 2], ["M", 1024]] as const) {
    if (kib % size === 0) return `${kib / size}${unit}`;
  }
  return `${kib}K`;
}
