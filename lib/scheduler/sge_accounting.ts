/**
 * Finished Grid Engine jobs, from `qacct -j <job>`.
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";
import type { ParsedListing, ParseOptions, ParseProblem, ParseResult } from "./errors.ts";
import { failLine, listing, type NumberedLine, outputLines, readRecord, safely } from "./_lines.ts";

/** One finished job or array task as `qacct -j` reports it. */
export interface SgeAccountingRecord {
  /** `jobnumber`. */
  readonly jobId: string;
  /** `taskid` (1-based); null for a job that is not an array (`undefined`). */
  readonly taskId: number | null;
  /** `jobname`. */
  readonly name: string;
  /** `qname`. */
  readonly queue: string | null;
  /** `hostname`. */
  readonly hostname: string | null;
  /**
   * `failed`: 0 when Grid Engine saw no failure; otherwise its code, e.g. 37 (a limit such
   * as h_rt or h_vmem enforced by qmaster) or 100 (the job ended after a signal).
   */
  readonly failed: number;
  /** The text after the `failed` code (`"qmaster enforced h_rt, h_cpu, or h_vmem limit"`). */
  readonly failedReason: string | null;
  /**
   * `exit_status`: the script's exit code (128 + signal when killed; Son of Grid Engine
   * prints the signal after it, `137 (Killed)`).
   */
  readonly exitStatus: number;
  /** `ru_wallclock` in ms (`12.345s`, or plain seconds `12` in older versions). */
  readonly wallclock: number | null;
  /** `maxvmem` in bytes (`953.344MB`, `412.309M`, `0.000B`, or plain bytes). */
  readonly maxvmem: number | null;
  /** `ru_maxrss` in bytes (`4.500KB`; plain numbers are KiB, as getrusage reports). */
  readonly maxrss: number | null;
  /** Every field as printed. */
  readonly fields: Readonly<Record<string, string>>;
}

const COMMAND = "qacct -j";

const seconds = z.string().regex(/^\d+(\.\d+)?s?$/, 'must be seconds like "12.345s"')
  .transform((v) => Math.round(Number(v.replace(/s$/, "")) * 1000));
const UNIT: Readonly<Record<string, number>> = {
  "": 1,
  K: 2 ** 10,
  M: 2 ** 20,
  G: 2 ** 30,
  T: 2 ** 40,
  P: 2 ** 50,
};
/** Grid Engine prints sizes with binary multipliers: `953.344MB`, `812.340M`, `0.000B`. */
function sizeIn(plainUnit: string): z.ZodType<number, z.ZodTypeDef, string> {
  return z.string().regex(/^\d+(\.\d+)?([KMGTP]?B|[KMGTP])?$/i, 'must be a size like "953.344MB"')
    .transform((v) => {
      const m = /^(\d+(?:\.\d+)?)([KMGTP]?)(B?)$/i.exec(v)!;
      const unit = m[2] === "" && m[3] === "" ? plainUnit : m[2].toUpperCase();
      return Math.round(Number(m[1]) * UNIT[unit]);
    });
}
const optionalText = z.string().transform((v) => (v === "" || v === "undefined" ? null : v));
const recordSchema = z.object({
  jobnumber: z.string().regex(/^\d+$/, "must be a job number"),
  jobname: z.string().min(1, "must not be empty"),
  taskid: z.string().regex(/^(\d+|undefined)$/, 'must be a number or "undefined"').optional(),
  qname: optionalText.optional(),
  hostname: optionalText.optional(),
  failed: z.string().regex(/^\d+(\s*:.*)?$/, 'must be a code, optionally followed by ": reason"'),
  // Son of Grid Engine 8.1.9 adds the signal: "137                  (Killed)".
  exit_status: z.string().regex(/^\d+(\s+\(.*\))?$/, "must be a whole number")
    .transform((v) => Number.parseInt(v, 10)),
  ru_wallclock: seconds.optional(),
  maxvmem: sizeIn("").optional(),
  ru_maxrss: sizeIn("K").optional(),
});

function toRecord(
  f: z.infer<typeof recordSchema>,
  fields: Record<string, string>,
): SgeAccountingRecord {
  const failed = /^(\d+)(?:\s*:\s*(.*))?$/.exec(f.failed)!;
  return {
    jobId: f.jobnumber,
    taskId: f.taskid === undefined || f.taskid === "undefined" ? null : Number(f.taskid),
    name: f.jobname,
    queue: f.qname ?? null,
    hostname: f.hostname ?? null,
    failed: Number(failed[1]),
    failedReason: failed[2]?.trim() || null,
    exitStatus: f.exit_status,
    wallclock: f.ru_wallclock ?? null,
    maxvmem: f.maxvmem ?? null,
    maxrss: f.ru_maxrss ?? null,
    fields,
  };
}

interface Draft {
  start: NumberedLine;
  fields: Record<string, string>;
  lines: Record<string, NumberedLine>;
  /** A line that is not "<field> <value>". */
  bad: NumberedLine | null;
}

function finish(command: string, d: Draft): SgeAccountingRecord {
  if (d.bad) failLine(command, d.bad, 'is not "<field> <value>"');
  const parsed = recordSchema.safeParse(d.fields);
  if (parsed.success) return toRecord(parsed.data, d.fields);
  const key = String(parsed.error.issues[0].path[0]);
  if (!(key in d.fields)) failLine(command, d.start, `starts a record with no ${key}`);
  failLine(
    command,
    d.lines[key],
    `has ${key} ${JSON.stringify(d.fields[key])}, which ${parsed.error.issues[0].message}`,
  );
}

/**
 * Parses `qacct -j` text (Sun, Son of, Univa and Altair Grid Engine): records separated by
 * lines of `=`, each line a field name, then spaces, then its value. `jobnumber`,
 * `jobname`, `failed` and `exit_status` are required. Times and sizes are read with or
 * without units (`ru_wallclock 12.345s` or `12`, `maxvmem 953.344MB`, `812.340M` or
 * bytes). A record that cannot be read is skipped and reported with its job number; the
 * others are read.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns One record per job or task, in output order, and the problems.
 * @throws {SchedulerOutputError} When no record could be read but some could not.
 *
 * @example
 * ```ts
 * import { parseQacct } from "./sge_accounting.ts";
 * import assert from "node:assert/strict";
 * const { jobs: [task], problems } = parseQacct([
 *   "==============================================================",
 *   "jobname      drover-a1",
 *   "jobnumber    101",
 *   "taskid       3",
 *   "failed       37  : qmaster enforced h_rt, h_cpu, or h_vmem limit",
 *   "exit_status  137",
 *   "ru_wallclock 3601.250s",
 *   "maxvmem      953.344MB",
 *   "==============================================================",
 *   "jobname      drover-a1",
 *   "jobnumber    102",
 *   "failed       0",
 *   "exit_status  none",
 * ].join("\n"));
 * assert.equal(task.taskId, 3);
 * assert.equal(task.failed, 37);
 * assert.equal(task.failedReason, "qmaster enforced h_rt, h_cpu, or h_vmem limit");
 * assert.equal(task.wallclock, 3_601_250);
 * assert.equal(task.maxvmem, Math.round(953.344 * 2 ** 20));
 * assert.equal(problems[0].jobId, "102");
 * ```
 */
export function parseQacct(
  output: string,
  options: ParseOptions = {},
): ParsedListing<SgeAccountingRecord> {
  const command = options.command ?? COMMAND;
  const drafts: Draft[] = [];
  const problems: ParseProblem[] = [];
  for (const line of outputLines(output)) {
    if (/^=+\s*$/.test(line.text)) {
      drafts.push({ start: line, fields: {}, lines: {}, bad: null });
      continue;
    }
    const draft = drafts[drafts.length - 1];
    if (!draft) {
      readRecord(problems, null, () => failLine(command, line, "comes before the first line of ="));
      continue;
    }
    const m = /^(\S+)\s+(.*?)\s*$/.exec(line.text) ?? /^(\S+)()$/.exec(line.text);
    if (!m) {
      draft.bad ??= line;
      continue;
    }
    draft.fields[m[1]] = m[2];
    draft.lines[m[1]] = line;
  }
  const jobs: SgeAccountingRecord[] = [];
  for (const draft of drafts) {
    const record = readRecord(
      problems,
      draft.fields.jobnumber ?? null,
      () => finish(command, draft),
    );
    if (record) jobs.push(record);
  }
  return listing(command, jobs, problems);
}

/**
 * Like {@linkcode parseQacct}, but returns the error instead of throwing it.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The listing or the error.
 *
 * @example
 * ```ts
 * import { safeParseQacct } from "./sge_accounting.ts";
 * import assert from "node:assert/strict";
 * assert.equal(safeParseQacct("jobname x\n").success, false);
 * ```
 */
export function safeParseQacct(
  output: string,
  options: ParseOptions = {},
): ParseResult<ParsedListing<SgeAccountingRecord>> {
  return safely(() => parseQacct(output, options));
}
