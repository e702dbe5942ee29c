/**
 * Private to lib/cli: text rendering shared by the commands. Tables, colors, durations,
 * relative times, byte sizes and stable JSON.
 *
 * @module
 */
import { escapeOutput } from "./_terminal_text.ts";

/** ANSI styling that becomes the identity when colors are off. */
export interface Style {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly cyan: (text: string) => string;
}

/**
 * Makes a {@linkcode Style}.
 *
 * @param enabled Whether to emit ANSI escapes.
 * @returns The styling functions.
 */
export function createStyle(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (text: string): string =>
    enabled && text !== "" ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/**
 * Colors a call or run state: done green, failed red, running/interrupted yellow.
 *
 * @param style The styling.
 * @param state The state text.
 * @returns The colored text.
 */
export function colorState(style: Style, state: string): string {
  switch (state) {
    case "done":
      return style.green(state);
    case "failed":
      return style.red(state);
    case "running":
    case "interrupted":
      return style.yellow(state);
    default:
      return state;
  }
}

/** Options of {@linkcode renderTable}. */
export interface TableOptions {
  /** Indices of right-aligned (numeric) columns. Default: none. */
  readonly right?: readonly number[];
  /** Styling for the header row. Default: none. */
  readonly style?: Style;
  /** Index of rows from which a separating rule is drawn above (for totals). */
  readonly footerFrom?: number;
}

const ESC = "\x1b";
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, "g");

/**
 * Renders rows as space-aligned columns under a header; cells may hold the colors of
 * {@linkcode createStyle}, any other control character in them is escaped. Trailing spaces
 * are trimmed.
 *
 * @param header Column titles.
 * @param rows Cells, one array per row.
 * @param options Alignment, header style and footer position.
 * @returns The table, one line per row, ending with a newline.
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const right = new Set(options.right ?? []);
  // Cells are one line each, with only the CLI's own colors (stored text is escaped).
  rows = rows.map((r) => r.map((cell) => escapeOutput(cell, { newlines: false })));
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? "")))
  );
  const line = (cells: readonly string[], styleCell = (s: string): string => s): string =>
    cells.map((cell, i) => {
      const pad = " ".repeat(widths[i] - visibleLength(cell));
      const text = styleCell(cell);
      return right.has(i) ? pad + text : text + pad;
    }).join("  ").trimEnd();
  const out = [line(header, options.style?.bold)];
  rows.forEach((row, i) => {
    if (i === options.footerFrom) {
      out.push(widths.map((w) => "-".repeat(w)).join("  "));
    }
    out.push(line(row));
  });
  return out.join("\n") + "\n";
}

function visibleLength(text: string): number {
  return text.replace(ANSI, "").length;
}

/**
 * Formats a duration for people: `850ms`, `12.3s`, `3m 02s`, `2h 05m`, `3d 4h`.
 *
 * @param ms Milliseconds.
 * @returns The short text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatDuration(850), "850ms");
 * assert.equal(formatDuration(182_000), "3m 02s");
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad2(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad2(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor(s / 3600) % 24}h`;
}

/**
 * Formats a time relative to now: `just now`, `45s ago`, `3m ago`, `2h ago`, `5d ago`,
 * or `in 3m` for times in the future.
 *
 * @param ms The time (ms since the epoch).
 * @param now The current time.
 * @returns The short text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatRelative(0, 180_000), "3m ago");
 * ```
 */
export function formatRelative(ms: number, now: number): string {
  const delta = now - ms;
  const abs = Math.abs(delta);
  if (abs < 1000) return "just now";
  const s = Math.floor(abs / 1000);
  const text = s < 60
    ? `${s}s`
    : s < 3600
    ? `${Math.floor(s / 60)}m`
    : s < 86_400
    ? `${Math.floor(s / 3600)}h`
    : `${Math.floor(s / 86_400)}d`;
  return delta >= 0 ? `${text} ago` : `in ${text}`;
}

/**
 * Formats a timestamp as ISO 8601 UTC followed by its relative form.
 *
 * @param ms The time, or null.
 * @param now The current time.
 * @returns `2025-01-02T03:04:05.000Z (3m ago)`, or `-` for null.
 */
export function formatTime(ms: number | null, now: number): string {
  if (ms === null) return "-";
  return `${new Date(ms).toISOString()} (${formatRelative(ms, now)})`;
}

/**
 * Formats a byte count in binary units: `512 B`, `1.5 KiB`, `12.0 MiB`.
 *
 * @param bytes The count.
 * @returns The short text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatBytes(1536), "1.5 KiB");
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * The first 12 hex digits of a key or hash, as tables show it.
 *
 * @param hash The full hex.
 * @returns Its prefix.
 */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}

/**
 * Stable JSON for `--json`: two-space indented, ending with a newline.
 *
 * @param value A JSON-compatible value.
 * @returns The text.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

/**
 * Pluralizes a count: `1 call`, `3 calls`.
 *
 * @param n The count.
 * @param noun The singular noun.
 * @returns The phrase.
 */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}
