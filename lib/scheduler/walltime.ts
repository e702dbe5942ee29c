/**
 * Durations as the schedulers write them. Inside drover a duration is a number of
 * milliseconds; these functions convert at the edge.
 *
 * @module
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function wholeSeconds(ms: number, what: string): number {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(`Cannot format ${what}: ${ms} ms is not a positive finite duration`);
  }
  return Math.ceil(ms / SECOND);
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * Formats a time limit for Slurm's `--time` as `D-HH:MM:SS`, rounding up to whole seconds
 * (Slurm itself rounds up to whole minutes).
 *
 * @param ms The duration in milliseconds, > 0.
 * @returns e.g. `"1-02:03:04"`.
 * @throws {RangeError} When `ms` is not a positive finite number.
 *
 * @example
 * ```ts
 * import { formatSlurmWalltime } from "./walltime.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatSlurmWalltime(90 * 60_000), "0-01:30:00");
 * assert.equal(formatSlurmWalltime(2 * 86_400_000 + 1), "2-00:00:01");
 * ```
 */
export function formatSlurmWalltime(ms: number): string {
  const s = wholeSeconds(ms, "a Slurm time limit");
  const days = Math.floor(s / 86400);
  const rest = s % 86400;
  return `${days}-${pad(Math.floor(rest / 3600))}:${pad(Math.floor(rest % 3600 / 60))}:${
    pad(rest % 60)
  }`;
}

function formatHms(ms: number, what: string): string {
  const s = wholeSeconds(ms, what);
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s % 3600 / 60))}:${pad(s % 60)}`;
}

/**
 * Formats a time limit for PBS `-l walltime=` as `HH:MM:SS` (hours may exceed 24),
 * rounding up to whole seconds.
 *
 * @param ms The duration in milliseconds, > 0.
 * @returns e.g. `"48:00:00"`.
 * @throws {RangeError} When `ms` is not a positive finite number.
 *
 * @example
 * ```ts
 * import { formatPbsWalltime } from "./walltime.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatPbsWalltime(2 * 86_400_000), "48:00:00");
 * ```
 */
export function formatPbsWalltime(ms: number): string {
  return formatHms(ms, "a PBS walltime");
}

/**
 * Formats a time limit for SGE `-l h_rt=` as `HH:MM:SS` (hours may exceed 24), rounding
 * up to whole seconds.
 *
 * @param ms The duration in milliseconds, > 0.
 * @returns e.g. `"00:00:30"`.
 * @throws {RangeError} When `ms` is not a positive finite number.
 *
 * @example
 * ```ts
 * import { formatSgeWalltime } from "./walltime.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatSgeWalltime(29_001), "00:00:30");
 * ```
 */
export function formatSgeWalltime(ms: number): string {
  return formatHms(ms, "an SGE h_rt");
}

const SLURM_DURATION = /^(?:(\d+)-)?(\d+(?::\d+){0,2}(?:\.\d+)?)$/;

/**
 * Parses a duration in any of Slurm's forms: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`,
 * `D-HH:MM`, `D-HH:MM:SS` (as in sacct's `Elapsed` or squeue's `%M`), with optional
 * fractional seconds (`MM:SS.mmm`). PBS's and SGE's `HH:MM:SS` parse the same way.
 *
 * @param text The duration text.
 * @returns Milliseconds.
 * @throws {RangeError} When the text is not a duration.
 *
 * @example
 * ```ts
 * import { parseSlurmDuration } from "./walltime.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseSlurmDuration("1-00:00:05"), 86_405_000);
 * assert.equal(parseSlurmDuration("02:03"), 123_000);
 * assert.equal(parseSlurmDuration("5"), 300_000);
 * ```
 */
export function parseSlurmDuration(text: string): number {
  const m = SLURM_DURATION.exec(text.trim());
  if (!m) throw new RangeError(`Cannot parse duration ${JSON.stringify(text)}`);
  const parts = m[2].split(":").map(Number);
  let ms: number;
  if (m[1] !== undefined) {
    // D-HH[:MM[:SS]]
    ms = Number(m[1]) * DAY + parts[0] * HOUR + (parts[1] ?? 0) * MINUTE +
      (parts[2] ?? 0) * SECOND;
  } else if (parts.length === 3) {
    ms = parts[0] * HOUR + parts[1] * MINUTE + parts[2] * SECOND; // HH:MM:SS
  } else if (parts.length === 2) {
    ms = parts[0] * MINUTE + parts[1] * SECOND; // MM:SS
  } else {
    ms = parts[0] * MINUTE; // MM
  }
  if (!Number.isFinite(ms)) throw new RangeError(`Cannot parse duration ${JSON.stringify(text)}`);
  return Math.round(ms);
}
