/**
 * Private to lib/cli: ages typed on the command line (`--older-than 7d`, `12h`, `1d12h`),
 * parsed to milliseconds at the edge.
 *
 * @module
 */
import { InvalidArgumentError } from "npm:@commander-js/extra-typings@^14.0.0";

/** The units an age may use, largest first, and their length in ms. */
export const DURATION_UNITS: readonly (readonly [unit: string, ms: number])[] = [
  ["w", 7 * 86_400_000],
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
];

/** What {@linkcode safeParseDuration} returns. */
export type DurationResult =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly error: string };

const EXPECTED =
  "expected a duration like 7d, 12h, 30m or 1d12h (units w, d, h, m, s, largest first)";

/**
 * Parses an age: one or more `<whole number><unit>` groups with units w, d, h, m, s, each
 * at most once and largest first, adding up to more than zero.
 *
 * @param text The text, e.g. `7d`, `12h`, `1d12h`.
 * @returns The milliseconds, or why the text is not an age.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(safeParseDuration("1d12h"), { ok: true, ms: 129_600_000 });
 * assert.equal(safeParseDuration("12x").ok, false);
 * ```
 */
export function safeParseDuration(text: string): DurationResult {
  const trimmed = text.trim();
  const groups = [...trimmed.matchAll(/(\d+)([a-z])/g)];
  if (trimmed === "" || groups.map((g) => g[0]).join("") !== trimmed) {
    return { ok: false, error: `${EXPECTED} (got "${text}")` };
  }
  let ms = 0;
  let previous = -1;
  for (const [, digits, unit] of groups) {
    const index = DURATION_UNITS.findIndex(([u]) => u === unit);
    if (index < 0) {
      return { ok: false, error: `"${unit}" is not a unit; ${EXPECTED} (got "${text}")` };
    }
    if (index <= previous) {
      return { ok: false, error: `units repeat or are out of order; ${EXPECTED} (got "${text}")` };
    }
    previous = index;
    ms += Number(digits) * DURATION_UNITS[index][1];
  }
  if (!Number.isSafeInteger(ms)) return { ok: false, error: `"${text}" is too long` };
  if (ms === 0) return { ok: false, error: `${EXPECTED}, more than zero (got "${text}")` };
  return { ok: true, ms };
}

/**
 * Parses an age like {@linkcode safeParseDuration}, throwing on bad text.
 *
 * @param text The text, e.g. `7d`.
 * @returns The milliseconds.
 * @throws {RangeError} When the text is not an age.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(parseDuration("30m"), 1_800_000);
 * assert.throws(() => parseDuration("7 days"), RangeError);
 * ```
 */
export function parseDuration(text: string): number {
  const r = safeParseDuration(text);
  if (!r.ok) throw new RangeError(r.error);
  return r.ms;
}

/**
 * Writes milliseconds in the form {@linkcode parseDuration} reads: `1d12h`, `30m`; parts
 * below a second are dropped.
 *
 * @param ms Milliseconds, at least 1000.
 * @returns The text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatDurationText(129_600_000), "1d12h");
 * ```
 */
export function formatDurationText(ms: number): string {
  let rest = Math.floor(ms / 1000) * 1000;
  let text = "";
  for (const [unit, size] of DURATION_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text || "0s";
}

/**
 * Commander parser for an age option (`--older-than 7d`).
 *
 * @param value The text.
 * @returns The milliseconds.
 * @throws {InvalidArgumentError} For anything that is not an age (a usage error, exit 2).
 */
export function durationArg(value: string): number {
  const r = safeParseDuration(value);
  if (!r.ok) throw new InvalidArgumentError(r.error);
  return r.ms;
}
