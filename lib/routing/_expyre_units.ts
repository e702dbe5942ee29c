/**
 * Private to lib/routing: ExPyRe's time and memory forms (expyre/units.py), read into
 * seconds and kibibytes, and written back in forms drover's remote info reads.
 *
 * @module
 */

/** ExPyRe's time forms, for messages. */
export const EXPYRE_TIME_FORMS =
  'whole seconds, "<N>[smhd]" (e.g. "24h") or "[D-]HH:MM:SS" with leading parts optional';

/** ExPyRe's memory forms, for messages. */
export const EXPYRE_MEMORY_FORMS = 'whole kB, or "<N>[kmgt]b?" (e.g. "4GB")';

/**
 * Reads an ExPyRe `max_time`: an int is seconds; text is `<N>[smhd]` (N may have a
 * fraction), or `[D-][[HH:]MM:]SS` (so `"30"` is 30 s and `"5:00"` five minutes), case and
 * surrounding space ignored; `"_none_"` is no limit.
 *
 * @param value The value.
 * @returns Seconds (more than 0), `null` for no limit, undefined when not a time.
 */
export function expyreSeconds(value: unknown): number | null | undefined {
  if (typeof value === "number") {
    return Number.isInteger(value) && value > 0 ? value : undefined;
  }
  if (typeof value !== "string") return undefined;
  const text = value.trim().toLowerCase();
  if (text === "_none_") return null;
  let seconds: number | undefined;
  const unit = /^([0-9]+(?:\.[0-9]*)?)\s*([smhd])$/.exec(text);
  if (unit) {
    const scale = { s: 1, m: 60, h: 3600, d: 86_400 }[unit[2] as "s" | "m" | "h" | "d"];
    seconds = Math.floor(Number(unit[1]) * scale);
  } else {
    const clock = /^(?:([0-9]+)-)?((?:[0-9]+:){0,2}[0-9]+)$/.exec(text);
    if (clock) {
      seconds = (clock[1] === undefined ? 0 : Number(clock[1]) * 86_400) +
        clock[2].split(":").reduce((sum, part) => sum * 60 + Number(part), 0);
    }
  }
  return seconds !== undefined && seconds > 0 ? seconds : undefined;
}

/**
 * Reads an ExPyRe memory (`max_mem_tot`, `max_mem_per_core`): an int is kB (1024 bytes);
 * text is `<N>[kmgt]b?` in kB, MB, GB, TB (powers of 1024), case ignored.
 *
 * @param value The value.
 * @returns Kibibytes (more than 0), or undefined when not a memory.
 */
export function expyreKibibytes(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isInteger(value) && value > 0 ? value : undefined;
  }
  if (typeof value !== "string") return undefined;
  const m = /^([0-9]+(?:\.[0-9]*)?)\s*([kmgt])b?$/.exec(value.trim().toLowerCase());
  if (!m) return undefined;
  const scale = { k: 1, m: 1024, g: 1024 ** 2, t: 1024 ** 3 }[m[2] as "k" | "m" | "g" | "t"];
  const kib = Math.floor(Number(m[1]) * scale);
  return kib > 0 ? kib : undefined;
}

/**
 * Writes seconds as a Slurm walltime drover reads: `D-HH:MM:SS`.
 *
 * @param seconds Whole seconds.
 * @returns e.g. `"1-00:00:00"`.
 */
export function walltimeText(seconds: number): string {
  const two = (n: number): string => String(n).padStart(2, "0");
  const days = Math.floor(seconds / 86_400);
  const rest = seconds % 86_400;
  return `${days}-${two(Math.floor(rest / 3600))}:${two(Math.floor(rest / 60) % 60)}:${
    two(rest % 60)
  }`;
}

/**
 * Writes kibibytes as a size drover reads: `M` when whole mebibytes, else `K`.
 *
 * @param kib Kibibytes.
 * @returns e.g. `"4096M"`.
 */
export function sizeText(kib: number): string {
  return kib % 1024 === 0 ? `${kib / 1024}M` : `${kib}K`;
}
