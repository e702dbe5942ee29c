/**
 * CSV as RFC 4180 has it: records separated by CRLF or LF, fields by commas, fields with
 * commas, quotes or line breaks in double quotes, a quote inside doubled.
 *
 * @module
 */

/** Parsed CSV: the records and the line each starts on (1-based). */
export interface CsvRecords {
  /** The records, header included. */
  readonly records: string[][];
  /** The line each record starts on. */
  readonly lines: number[];
}

/** A CSV text that cannot be read. */
export class CsvError extends SyntaxError {
  /** 1-based line. */
  readonly line: number;
  /**
   * Creates an instance.
   *
   * @param line Line.
   * @param detail What is wrong.
   */
  constructor(line: number, detail: string) {
    super(`line ${line}: ${detail}`);
    this.name = "CsvError";
    this.line = line;
  }
}

/**
 * Parses CSV text. Blank lines are skipped.
 *
 * @param text The text.
 * @returns The records and their lines.
 * @throws {CsvError} For an unclosed quote or text after a closing quote.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCsv } from "./csv.ts";
 * const { records, lines } = parseCsv('a,b\r\n1,"x, ""y"""\n\n2,"two\nlines"\n');
 * assert.deepEqual(records, [["a", "b"], ["1", 'x, "y"'], ["2", "two\nlines"]]);
 * assert.deepEqual(lines, [1, 2, 4]);
 * ```
 */
export function parseCsv(text: string): CsvRecords {
  const records: string[][] = [];
  const lines: number[] = [];
  let line = 1;
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < text.length) {
    if (text[i] === "\n" || (text[i] === "\r" && text[i + 1] === "\n")) {
      i += text[i] === "\r" ? 2 : 1;
      line++;
      continue;
    }
    const start = line;
    const record: string[] = [];
    for (;;) {
      let field = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw new CsvError(start, "a quoted field is not closed");
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (text[i] === "\n") line++;
          field += text[i++];
        }
        if (i < text.length && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          throw new CsvError(line, 'text after a closing quote (a quote inside is written "")');
        }
      } else {
        while (i < text.length && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          field += text[i++];
        }
      }
      record.push(field);
      if (text[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === "\r") i++;
    if (text[i] === "\n") {
      i++;
      line++;
    }
    records.push(record);
    lines.push(start);
  }
  return { records, lines };
}

/**
 * Formats records as CSV (CRLF line ends, quoting only where needed).
 *
 * @param records The records, header first.
 * @returns The text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCsv } from "./csv.ts";
 * assert.equal(formatCsv([["a", "b"], ["1", "x,y"]]), 'a,b\r\n1,"x,y"\r\n');
 * ```
 */
export function formatCsv(records: readonly (readonly string[])[]): string {
  const cell = (v: string): string => /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
  return records.map((r) => r.map(cell).join(",") + "\r\n").join("");
}
