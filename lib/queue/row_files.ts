/**
 * Rows in files: reading CSV, JSON and YAML into rows checked against a table's fields (each
 * bad row named by its line), and writing rows back out.
 *
 * @module
 */
import { isMap, isSeq, LineCounter, parseDocument, stringify } from "npm:yaml@^2.8.0";
import { CsvError, formatCsv, parseCsv } from "./csv.ts";
import { checkRow, type FieldSpec, inferFields } from "./fields.ts";

/** A file format for rows. */
export type RowFormat = "csv" | "json" | "yaml";

/** The formats, for argument checks. */
export const ROW_FORMATS: readonly RowFormat[] = ["csv", "json", "yaml"];

/** One bad row of a file. */
export interface RowProblem {
  /** 1-based line where the row starts. */
  readonly line: number;
  /** What is wrong. */
  readonly detail: string;
}

/** A file whose rows cannot be imported; nothing of it is written. */
export class ImportError extends Error {
  /** The file. */
  readonly file: string;
  /** Every bad row (at most 100). */
  readonly problems: readonly RowProblem[];
  /**
   * Creates an instance.
   *
   * @param file The file.
   * @param problems Its bad rows.
   */
  constructor(file: string, problems: readonly RowProblem[]) {
    const [first] = problems;
    const more = problems.length > 1
      ? ` (and ${problems.length - 1} more bad row${problems.length > 2 ? "s" : ""})`
      : "";
    super(`Cannot import "${file}": line ${first!.line}: ${first!.detail}${more}`);
    this.name = "ImportError";
    this.file = file;
    this.problems = problems;
  }
}

/** Rows read from a file. */
export interface FileRows {
  /** The rows. */
  readonly rows: Record<string, unknown>[];
  /** The fields: the table's, or guessed from the rows. */
  readonly fields: FieldSpec[];
}

/**
 * The format of a file from its extension.
 *
 * @param path The file.
 * @returns The format, or undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatOfPath } from "./row_files.ts";
 * assert.equal(formatOfPath("a/pathways.yml"), "yaml");
 * assert.equal(formatOfPath("x.txt"), undefined);
 * ```
 */
export function formatOfPath(path: string): RowFormat | undefined {
  const ext = /\.([A-Za-z]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext === "csv"
    ? "csv"
    : ext === "json"
    ? "json"
    : ext === "yaml" || ext === "yml"
    ? "yaml"
    : undefined;
}

/**
 * Reads rows from file text and checks each against the fields.
 *
 * @param file The file name, for messages.
 * @param text Its text.
 * @param format Its format.
 * @param fields The table's fields; undefined for a new table (guessed from the rows).
 * @returns The rows and fields.
 * @throws {ImportError} Naming every bad row by line (and a file that is not rows at all).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ImportError, readRows } from "./row_files.ts";
 * const fields = [{ name: "id", type: "integer", optional: false }] as const;
 * assert.deepEqual(readRows("a.csv", "id\n1\n2\n", "csv", fields).rows, [{ id: 1 }, { id: 2 }]);
 * assert.throws(() => readRows("a.csv", "id\n1\nx\n", "csv", fields), (e: ImportError) =>
 *   e.message === 'Cannot import "a.csv": line 3: id must be a whole number (got "x")');
 * ```
 */
export function readRows(
  file: string,
  text: string,
  format: RowFormat,
  fields: readonly FieldSpec[] | undefined,
): FileRows {
  const { rows, lines, shapes } = format === "csv"
    ? csvRows(file, text, fields)
    : { ...docRows(file, text), shapes: [] };
  const used = fields ? [...fields] : inferFields(rows);
  const problems: RowProblem[] = [];
  rows.forEach((row, i) => {
    const detail = shapes[i] ?? checkRow(row, used);
    if (detail !== undefined && problems.length < 100) problems.push({ line: lines[i]!, detail });
  });
  if (problems.length > 0) throw new ImportError(file, problems);
  return { rows, fields: used };
}

function csvRows(
  file: string,
  text: string,
  fields: readonly FieldSpec[] | undefined,
): { rows: Record<string, unknown>[]; lines: number[]; shapes: (string | undefined)[] } {
  let parsed;
  try {
    parsed = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvError) {
      throw new ImportError(file, [{ line: e.line, detail: e.message.replace(/^line \d+: /, "") }]);
    }
    throw e;
  }
  const [header, ...records] = parsed.records;
  if (header === undefined) return { rows: [], lines: [], shapes: [] };
  const shapes = records.map((record) =>
    record.length === header.length
      ? undefined
      : `${record.length} fields where the header has ${header.length}`
  );
  const rows = records.map((record) => {
    const row: Record<string, unknown> = {};
    header.forEach((name, j) => {
      const cell = record[j];
      if (cell === undefined || cell === "") return;
      row[name] = cellValue(cell, fields?.find((f) => f.name === name)?.type);
    });
    return row;
  });
  return { rows, lines: parsed.lines.slice(1), shapes };
}

function cellValue(cell: string, type: FieldSpec["type"] | undefined): unknown {
  const num = /^\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(cell) ? Number(cell) : undefined;
  switch (type) {
    case "string":
      return cell;
    case "number":
    case "integer":
      return num ?? cell;
    case "boolean":
      return cell === "true" ? true : cell === "false" ? false : cell;
    case "json":
      try {
        return JSON.parse(cell);
      } catch {
        return cell;
      }
    default:
      return num ?? (cell === "true" ? true : cell === "false" ? false : cell);
  }
}

function docRows(file: string, text: string): { rows: Record<string, unknown>[]; lines: number[] } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ImportError(file, [{
      line: counter.linePos(e.pos[0]).line,
      detail: e.message.split("\n")[0]!,
    }]);
  }
  const seq = doc.contents;
  if (!isSeq(seq)) {
    throw new ImportError(file, [{ line: 1, detail: "expected a list of rows" }]);
  }
  const rows: Record<string, unknown>[] = [];
  const lines: number[] = [];
  const problems: RowProblem[] = [];
  for (const item of seq.items) {
    const line =
      counter.linePos((item as { range?: readonly number[] } | null)?.range?.[0] ?? 0).line;
    if (!isMap(item)) {
      problems.push({ line, detail: "expected a row (a mapping of field names to values)" });
      continue;
    }
    rows.push(item.toJSON() as Record<string, unknown>);
    lines.push(line);
  }
  if (problems.length > 0) throw new ImportError(file, problems);
  return { rows, lines };
}

/**
 * Writes rows in a format.
 *
 * @param rows The rows.
 * @param fields The table's fields (the CSV header, in order).
 * @param format The format.
 * @returns The text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeRows } from "./row_files.ts";
 * const fields = [{ name: "id", type: "integer", optional: false }] as const;
 * assert.equal(writeRows([{ id: 1 }], fields, "csv"), "id\r\n1\r\n");
 * assert.equal(writeRows([{ id: 1 }], fields, "json"), '[\n  {\n    "id": 1\n  }\n]\n');
 * ```
 */
export function writeRows(
  rows: readonly Record<string, unknown>[],
  fields: readonly FieldSpec[],
  format: RowFormat,
): string {
  if (format === "json") return JSON.stringify(rows, null, 2) + "\n";
  if (format === "yaml") return rows.length === 0 ? "[]\n" : stringify(rows);
  const names = fields.map((f) => f.name);
  return formatCsv([
    names,
    ...rows.map((r) =>
      names.map((n) => {
        const v = r[n];
        return v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v);
      })
    ),
  ]);
}
