/**
 * Memory sizes as the schedulers write them. Inside drover a size is a number of bytes;
 * these functions convert at the edge. All units are binary (K = 1024).
 *
 * @module
 */

const MIB = 1024 * 1024;

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
 * import { toMebibytes } from "./memory.ts";
 * import assert from "node:assert/strict";
 * assert.equal(toMebibytes(4 * 1024 ** 3), 4096);
 * assert.equal(toMebibytes(1), 1);
 * ```
 */
export function toMebibytes(bytes: number): number {
  if (!Number.isFinite(bytes) || bytes <= 0) {
    throw new RangeError(`Cannot convert memory: ${bytes} bytes is not a positive finite size`);
  }
  return Math.ceil(bytes / MIB);
}

const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: MIB,
  mb: MIB,
  g: 1024 * MIB,
  gb: 1024 * MIB,
  t: 1024 * 1024 * MIB,
  tb: 1024 * 1024 * MIB,
  p: 1024 * 1024 * 1024 * MIB,
  pb: 1024 * 1024 * 1024 * MIB,
};

/**
 * Parses a memory size as schedulers print it: Slurm's `MaxRSS` (`1234K`, `3.50M`), PBS's
 * `resources_used.mem` (`123456kb`), SGE's `maxvmem` (`1.250G`). Units are binary and
 * case-insensitive; a bare number is bytes.
 *
 * @param text The size text.
 * @returns Bytes (rounded to an integer).
 * @throws {RangeError} When the text is not a size.
 *
 * @example
 * ```ts
 * import { parseMemorySize } from "./memory.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseMemorySize("1234K"), 1234 * 1024);
 * assert.equal(parseMemorySize("4096mb"), 4 * 1024 ** 3);
 * assert.equal(parseMemorySize("1.5G"), 1.5 * 1024 ** 3);
 * ```
 */
export function parseMemorySize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new RangeError(`Cannot parse memory size ${JSON.stringify(text)}`);
  }
  return Math.round(Number(m[1]) * unit);
}
