/**
 * Durations at the edge, to and from milliseconds: the Slurm time strings users write in
 * configs ("2-00:00:00", "30:00", "90"), and the forms schedulers read and print (`sbatch
 * --time`, PBS `walltime`, SGE `h_rt`, sacct's `Elapsed`). One grammar and one clock serve
 * both; everything inside drover holds durations in ms.
 *
 * @module
 */

/** The result of a `safeParse*` function: the value, or the error `parse*` would throw. */
export type SafeParseResult<T, E extends Error = RangeError> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error: E };

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** `[D-]F[:F[:F]][.fraction]`: days, up to three clock fields, fractional seconds. */
const DURATION = /^(?:(\d+)-)?(\d+(?::\d+){0,2})(\.\d+)?$/;
const UNLIMITED = /^(?:unlimited|infinite)$/i;

/** What a walltime looks like, for error messages. */
export const WALLTIME_FORMS =
  "a Slurm time such as 30 (minutes), 30:00, 12:00:00, 2-12 or 2-00:00:00";

/**
 * Reads Slurm's duration forms `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`.
 * The leading field may exceed its usual range (`90` minutes, `36:00:00`); later ones may
 * not. `fractions` allows `.mmm` on a seconds field; `UNLIMITED` gives `Infinity`.
 */
function durationMs(text: string, fractions: boolean): number | undefined {
  if (UNLIMITED.test(text)) return Infinity;
  const m = DURATION.exec(text);
  if (m === null) return undefined;
  const fields = m[2].split(":").map(Number);
  const units = m[1] !== undefined || fields.length === 3
    ? [HOUR, MINUTE, SECOND]
    : [MINUTE, SECOND];
  if (m[1] !== undefined && fields[0] >= 24) return undefined;
  if (fields.slice(1).some((f) => f >= 60)) return undefined;
  if (m[3] !== undefined && (!fractions || units[fields.length - 1] !== SECOND)) return undefined;
  const ms = Number(m[1] ?? 0) * DAY + fields.reduce((sum, f, i) => sum + f * units[i], 0) +
    Number(m[3] ?? 0) * SECOND;
  return Number.isSafeInteger(Math.round(ms)) ? Math.round(ms) : undefined;
}

/**
 * Parses a Slurm time string into milliseconds. Accepted forms are Slurm's own: `MM`,
 * `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM` and `D-HH:MM:SS` (the leading field may exceed its
 * usual range, so `90` is 90 minutes and `36:00:00` is 36 hours; later fields may not), and
 * `UNLIMITED` / `INFINITE` (any case), which give `Infinity`.
 *
 * @param text The time string; surrounding whitespace is ignored.
 * @returns The duration in ms.
 * @throws {RangeError} When the text is not one of those forms.
 *
 * @example
 * ```ts
 * import { parseWalltime } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseWalltime("2-00:00:00"), 2 * 86_400_000);
 * assert.equal(parseWalltime("30:00"), 30 * 60_000);
 * assert.equal(parseWalltime("90"), 90 * 60_000);
 * assert.equal(parseWalltime("1-12"), 36 * 3_600_000);
 * assert.throws(() => parseWalltime("1:60"), RangeError);
 * ```
 */
export function parseWalltime(text: string): number {
  const result = safeParseWalltime(text);
  if (!result.success) throw result.error;
  return result.data;
}

/**
 * Like {@linkcode parseWalltime}, but returns the error instead of throwing it.
 *
 * @param text The time string.
 * @returns `{ success: true, data: ms }` or `{ success: false, error: RangeError }`.
 *
 * @example
 * ```ts
 * import { safeParseWalltime } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(safeParseWalltime("1:00:00"), { success: true, data: 3_600_000 });
 * assert.equal(safeParseWalltime("soon").success, false);
 * ```
 */
export function safeParseWalltime(text: string): SafeParseResult<number> {
  const ms = durationMs(typeof text === "string" ? text.trim() : "", false);
  if (ms === undefined) {
    return {
      success: false,
      error: new RangeError(
        `Cannot parse walltime ${JSON.stringify(text)}: expected ${WALLTIME_FORMS}`,
      ),
    };
  }
  return { success: true, data: ms };
}

/**
 * Parses a duration as schedulers print it: the forms of {@linkcode parseWalltime} (sacct's
 * `Elapsed`, squeue's `%M`, PBS's and SGE's `HH:MM:SS` with hours past 24) plus fractional
 * seconds (`MM:SS.mmm`, as in sacct's `TotalCPU`). A finite duration is required:
 * `UNLIMITED` is not one.
 *
 * @param text The duration text.
 * @returns Milliseconds (rounded to an integer).
 * @throws {RangeError} When the text is not a finite duration.
 *
 * @example
 * ```ts
 * import { parseSlurmDuration } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseSlurmDuration("1-00:00:05"), 86_405_000);
 * assert.equal(parseSlurmDuration("02:03.5"), 123_500);
 * assert.equal(parseSlurmDuration("5"), 300_000);
 * ```
 */
export function parseSlurmDuration(text: string): number {
  const ms = durationMs(typeof text === "string" ? text.trim() : "", true);
  if (ms === undefined || ms === Infinity) {
    throw new RangeError(
      `Cannot parse duration ${
        JSON.stringify(text)
      }: expected D-HH:MM:SS, HH:MM:SS, MM:SS or MM (seconds may have a fraction)`,
    );
  }
  return ms;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `HH:MM:SS` of whole seconds; hours are not wrapped at 24. */
function clock(seconds: number): string {
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds % 3600 / 60))}:${
    pad(seconds % 60)
  }`;
}

/** Whole seconds of a positive finite duration, rounded up. */
function positiveSeconds(ms: number, what: string): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(`Cannot format ${what}: ${ms} ms is not a positive finite duration`);
  }
  return Math.ceil(ms / SECOND);
}

/**
 * Formats milliseconds as a Slurm time: `HH:MM:SS`, or `D-HH:MM:SS` from one day on, and
 * `UNLIMITED` for `Infinity`. Partial seconds round up, so a job never gets less time than
 * asked for; `parseWalltime(formatWalltime(ms)) === ms` for whole seconds.
 *
 * @param ms The duration, 0 or more.
 * @returns The time string.
 * @throws {RangeError} When `ms` is negative or NaN.
 *
 * @example
 * ```ts
 * import { formatWalltime } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatWalltime(2 * 86_400_000), "2-00:00:00");
 * assert.equal(formatWalltime(90 * 60_000), "01:30:00");
 * assert.equal(formatWalltime(1), "00:00:01");
 * ```
 */
export function formatWalltime(ms: number): string {
  if (typeof ms !== "number" || Number.isNaN(ms) || ms < 0) {
    throw new RangeError(`Cannot format walltime ${ms}: expected a number of ms, 0 or more`);
  }
  if (ms === Infinity) return "UNLIMITED";
  const total = Math.ceil(ms / SECOND);
  const days = Math.floor(total / 86_400);
  return days > 0 ? `${days}-${clock(total % 86_400)}` : clock(total);
}

/**
 * Formats a time limit for Slurm's `--time` as `D-HH:MM:SS` (days always written), rounding
 * up to whole seconds (Slurm itself rounds up to whole minutes).
 *
 * @param ms The duration in milliseconds, > 0.
 * @returns e.g. `"1-02:03:04"`.
 * @throws {RangeError} When `ms` is not a positive finite number.
 *
 * @example
 * ```ts
 * import { formatSlurmWalltime } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatSlurmWalltime(90 * 60_000), "0-01:30:00");
 * assert.equal(formatSlurmWalltime(2 * 86_400_000 + 1), "2-00:00:01");
 * ```
 */
export function formatSlurmWalltime(ms: number): string {
  const s = positiveSeconds(ms, "a Slurm time limit");
  return `${Math.floor(s / 86_400)}-${clock(s % 86_400)}`;
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
 * import { formatPbsWalltime } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatPbsWalltime(2 * 86_400_000), "48:00:00");
 * ```
 */
export function formatPbsWalltime(ms: number): string {
  return clock(positiveSeconds(ms, "a PBS walltime"));
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
 * import { formatSgeWalltime } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatSgeWalltime(29_001), "00:00:30");
 * ```
 */
export function formatSgeWalltime(ms: number): string {
  return clock(positiveSeconds(ms, "an SGE h_rt"));
}
