/**
 * Finished Grid Engine jobs, from `qacct -j <job>`.
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";
import type { ParseOptions, ParseResult } from "./errors.ts";
import { failLine, type NumberedLine, outputLines, safely } from "./_lines.ts";
import { parseMemorySize } from "../units/mod.ts";

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
  /** `exit_status`: the script's exit code (128 + signal when killed). */
  readonly exitStatus: number;
  /** `ru_wallclock` in ms. */
  readonly wallclock: number | null;
  /** `maxvmem` in bytes. */
  readonly maxvmem: number | null;
  /** Every field as printed. */
  readonly fields: Readonly<Record<string, string>>;
}

const COMMAND = "qacct -j";

const seconds = z.string().regex(/^\d+(\.\d+)?s?$/, 'must be seconds like "62s"')
  .transform((v) => Math.round(Number(v.replace(/s$/, "")) * 1000));
const size = z.string().regex(/^\d+(\.\d+)?[KMGTP]?$/i, 'must be a size like "812.340M"')
  .transform(parseMemorySize);
const optionalText = z.string().transform((v) => (v === "" || v === "undefined" ? null : v));
const recordSchema = z.object({
  jobnumber: z.string().regex(/^\d+$/, "must be a job number"),
  jobname: z.string().min(1, "must not be empty"),
  taskid: z.string().regex(/^(\d+|undefined)$/, 'must be a number or "undefined"').optional(),
  qname: optionalText.optional(),
  hostname: optionalText.optional(),
  failed: z.string().regex(/^\d+(\s*:.*)?$/, 'must be a code, optionally followed by ": reason"'),
  exit_status: z.string().regex(/^\d+$/, "must be a whole number").transform(Number),
  ru_wallclock: seconds.optional(),
  maxvmem: size.optional(),
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
    fields,
  };
}

interface Draft {
  start: NumberedLine;
  fields: Record<string, string>;
  lines: Record<string, NumberedLine>;
}

function finish(command: string, d: Draft): SgeAccountingRecord {
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
 * Parses `qacct -j` text: records separated by lines of `=`, each line a field name, then
 * spaces, then its value. `jobnumber`, `jobname`, `failed` and `exit_status` are required.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns One record per job or task, in output order.
 * @throws {SchedulerOutputError} On a field line outside a record or a missing or
 *   malformed required field.
 *
 * @example
 * ```ts
 * import { parseQacct } from "./sge_accounting.ts";
 * import assert from "node:assert/strict";
 * const [task] = parseQacct([
 *   "==============================================================",
 *   "jobname      drover-a1",
 *   "jobnumber    101",
 *   "taskid       3",
 *   "failed       37  : qmaster enforced h_rt, h_cpu, or h_vmem limit",
 *   "exit_status  137",
 *   "ru_wallclock 3601s",
 * ].join("\n"));
 * assert.equal(task.taskId, 3);
 * assert.equal(task.failed, 37);
 * assert.equal(task.failedReason, "qmaster enforced h_rt, h_cpu, or h_vmem limit");
 * assert.equal(task.wallclock, 3_601_000);
 * ```
 */
export function parseQacct(output: string, options: ParseOptions = {}): SgeAccountingRecord[] {
  const command = options.command ?? COMMAND;
  const records: SgeAccountingRecord[] = [];
  let draft: Draft | null = null;
  for (const line of outputLines(output)) {
    if (/^=+\s*$/.test(line.text)) {
      if (draft) records.push(finish(command, draft));
      draft = { start: line, fields: {}, lines: {} };
      continue;
    }
    if (!draft) failLine(command, line, "comes before the first line of =");
    const m = /^(\S+)\s+(.*?)\s*$/.exec(line.text) ?? /^(\S+)()$/.exec(line.text);
    if (!m) failLine(command, line, 'is not "<field> <value>"');
    draft.fields[m[1]] = m[2];
    draft.lines[m[1]] = line;
  }
  if (draft) records.push(finish(command, draft));
  return records;
}

/**
 * Like {@linkcode parseQacct}, but returns the error instead of throwing it.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The records or the error.
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
): ParseResult<SgeAccountingRecord[]> {
  return safely(() => parseQacct(output, options));
}
