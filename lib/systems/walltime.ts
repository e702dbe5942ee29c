/**
 * Slurm time strings ("2-00:00:00", "30:00", "90") to and from milliseconds. Walltimes are
 * parsed here, at the edge; everything inside drover holds durations in ms.
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

/** D-HH, D-HH:MM, D-HH:MM:SS */
const WITH_DAYS = /^(\d+)-(\d+)(?::(\d+)(?::(\d+))?)?$/;
/** MM, MM:SS, HH:MM:SS */
const WITHOUT_DAYS = /^(\d+)(?::(\d+)(?::(\d+))?)?$/;
const UNLIMITED = /^(?:unlimited|infinite)$/i;

/** What a walltime looks like, for error messages. */
export const WALLTIME_FORMS =
  "a Slurm time such as 30 (minutes), 30:00, 12:00:00, 2-12 or 2-00:00:00";

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
 * import { parseWalltime } from "./walltime.ts";
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
 * import { safeParseWalltime } from "./walltime.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(safeParseWalltime("1:00:00"), { success: true, data: 3_600_000 });
 * assert.equal(safeParseWalltime("soon").success, false);
 * ```
 */
export function safeParseWalltime(text: string): SafeParseResult<number> {
  const value = typeof text === "string" ? text.trim() : "";
  const ms = walltimeMs(value);
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

function walltimeMs(text: string): number | undefined {
  if (UNLIMITED.test(text)) return Infinity;
  let ms: number;
  let m = WITH_DAYS.exec(text);
  if (m !== null) {
    const [days, hours, minutes, seconds] = [m[1], m[2], m[3] ?? "0", m[4] ?? "0"].map(Number);
    if (hours >= 24 || minutes >= 60 || seconds >= 60) return undefined;
    ms = days * DAY + hours * HOUR + minutes * MINUTE + seconds * SECOND;
  } else {
    m = WITHOUT_DAYS.exec(text);
    if (m === null) return undefined;
    const fields = [m[1], m[2], m[3]].filter((f) => f !== undefined).map(Number);
    if (fields.slice(1).some((f) => f >= 60)) return undefined;
    const units = fields.length === 3 ? [HOUR, MINUTE, SECOND] : [MINUTE, SECOND];
    ms = fields.reduce((sum, f, i) => sum + f * units[i], 0);
  }
  return Number.isSafeInteger(ms) ? ms : undefined;
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
 * import { formatWalltime } from "./walltime.ts";
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
  const clock = [Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60]
    .map((n) => String(n).padStart(2, "0")).join(":");
  return days > 0 ? `${days}-${clock}` : clock;
}
