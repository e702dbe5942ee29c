/**
 * Memory sizes at the edge, to and from bytes: the Slurm sizes users write in configs
 * ("4G", "500M", "4096" megabytes), and the forms schedulers read and print (`--mem=<n>M`,
 * sacct's `MaxRSS`, PBS's `123456kb`, SGE's `1.250G`). One unit table and one grammar serve
 * both; all units are binary (1K = 1024) and everything inside drover holds sizes in bytes.
 *
 * @module
 */
import type { SafeParseResult } from "./duration.ts";

const UNITS = { B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 } as const;
type Unit = keyof typeof UNITS;
/** A number, then an optional unit: a letter K..P followed by `B` or `iB`, or `B` alone. */
const SIZE = /^(\d+(?:\.\d+)?)\s*(?:([KMGTP])(?:i?B)?|(B))?$/i;

/** What a memory size looks like, for error messages. */
export const MEMORY_FORMS = "a size such as 4G, 500M, 1.5T or 4096 (MB)";

/** Bytes of a size whose bare number is in `bare` units; undefined when malformed. */
function sizeBytes(text: unknown, bare: Unit): number | undefined {
  const m = SIZE.exec(typeof text === "string" ? text.trim() : "");
  if (m === null || (m[3] !== undefined && bare !== "B")) return undefined;
  const unit = m[3] !== undefined ? "B" : ((m[2]?.toUpperCase() ?? bare) as Unit);
  const bytes = Math.ceil(Number(m[1]) * UNITS[unit]);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/**
 * Parses a memory size into bytes, the way Slurm reads `--mem`: a number with an optional
 * unit `K`, `M`, `G`, `T` or `P` (binary: 1G is 1024M), and megabytes when there is no unit.
 * Units are case-insensitive and may be followed by `B` or `iB` (`4GB`, `4GiB` are 4G).
 * Fractions are allowed (`1.5T`) and round up to a whole byte.
 *
 * @param text The size; surrounding whitespace is ignored.
 * @returns The size in bytes.
 * @throws {RangeError} When the text is not such a size.
 *
 * @example
 * ```ts
 * import { parseMemory } from "./size.ts";
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
 * import { safeParseMemory } from "./size.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(safeParseMemory("1K"), { success: true, data: 1024 });
 * assert.equal(safeParseMemory("-1G").success, false);
 * ```
 */
export function safeParseMemory(text: string): SafeParseResult<number> {
  const bytes = sizeBytes(text, "M");
  if (bytes === undefined) {
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
 * Parses a memory size as schedulers print it: Slurm's `MaxRSS` (`1234K`, `3.50M`), PBS's
 * `resources_used.mem` (`123456kb`), SGE's `maxvmem` (`1.250G`). The grammar of
 * {@linkcode parseMemory}, except that a bare number (or one ending in `B`) is bytes.
 *
 * @param text The size text.
 * @returns Bytes, rounded up to an integer.
 * @throws {RangeError} When the text is not a size.
 *
 * @example
 * ```ts
 * import { parseMemorySize } from "./size.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseMemorySize("1234K"), 1234 * 1024);
 * assert.equal(parseMemorySize("4096mb"), 4 * 1024 ** 3);
 * assert.equal(parseMemorySize("1.5G"), 1.5 * 1024 ** 3);
 * assert.equal(parseMemorySize("512"), 512);
 * ```
 */
export function parseMemorySize(text: string): number {
  const bytes = sizeBytes(text, "B");
  if (bytes === undefined) throw new RangeError(`Cannot parse memory size ${JSON.stringify(text)}`);
  return bytes;
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
 * import { formatMemory } from "./size.ts";
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
  const kib = Math.ceil(bytes / UNITS.K);
  if (kib === 0) return "0K";
  for (const unit of ["T", "G", "M"] as const) {
    const size = UNITS[unit] / UNITS.K;
    if (kib % size === 0) return `${kib / size}${unit}`;
  }
  return `${kib}K`;
}

/**
 * Converts bytes to whole mebibytes, rounding up (at least 1): the number Slurm's
 * `--mem=<n>M`, PBS's `mem=<n>mb` and SGE's `h_vmem=<n>M` take.
 *
 * @param bytes A positive finite size.
 * @returns Mebibytes, >= 1.
 * @throws {RangeError} When `bytes` is not a positive finite number.
 *
 * @example
 * ```ts
 * import { toMebibytes } from "./size.ts";
 * import assert from "node:assert/strict";
 * assert.equal(toMebibytes(4 * 1024 ** 3), 4096);
 * assert.equal(toMebibytes(1), 1);
 * ```
 */
export function toMebibytes(bytes: number): number {
  if (typeof bytes !== "number" || !Number.isFinite(bytes) || bytes <= 0) {
    throw new RangeError(`Cannot convert memory: ${bytes} bytes is not a positive finite size`);
  }
  return Math.ceil(bytes / UNITS.M);
}
