/**
 * Finished (and unfinished) Slurm jobs, from `sacct`.
 *
 * The runtime runs, where accounting exists (`SlurmConfig.accounting`):
 *
 * ```sh
 * sacct --noheader --parsable2 --starttime=<YYYY-MM-DDTHH:MM:SS> --jobs=<id>,<id> \
 *   --format=JobID,JobIDRaw,State,ExitCode,Elapsed,MaxRSS,NodeList,JobName
 * ```
 *
 * `--parsable2` separates fields with `|` and adds no trailing `|`; the job name comes last
 * because it is the only field that may contain `|`. Step lines (`123_4.batch`,
 * `123_4.extern`, `123_4.0`) are folded into their element.
 *
 * @module
 */
import type { ParsedListing, ParseOptions, ParseProblem, ParseResult } from "./errors.ts";
import {
  failLine,
  listing,
  type NumberedLine,
  outputLines,
  readRecord,
  safely,
  splitFields,
} from "./_lines.ts";
import { parseMemorySize, parseSlurmDuration } from "../units/mod.ts";
import { parseSlurmJobId, type SlurmJobRef } from "./slurm_job_id.ts";
import { isSlurmJobState, type SlurmJobState } from "./slurm_state.ts";

/** The `--format` fields {@linkcode parseSacct} reads, in order. */
export const SACCT_FIELDS: readonly string[] = [
  "JobID",
  "JobIDRaw",
  "State",
  "ExitCode",
  "Elapsed",
  "MaxRSS",
  "NodeList",
  "JobName",
];

/** A job step of an element (`batch`, `extern`, `0`, ...). */
export interface SacctStep {
  /** The step name after the dot: `"batch"`, `"extern"`, `"0"`. */
  readonly step: string;
  /** The step's state. */
  readonly state: SlurmJobState;
  /** Exit code of the step's process (0-255). */
  readonly exitCode: number;
  /** Signal that ended it, 0 when none. */
  readonly signal: number;
  /** Run time in ms. */
  readonly elapsed: number;
  /** Peak resident memory in bytes, when recorded. */
  readonly maxRss: number | null;
}

/** One job, array element or pending array range, with its steps. */
export interface SacctRecord extends SlurmJobRef {
  /** `JobIDRaw`: the element's own numeric job id (`"127"` for `123_4`). */
  readonly rawJobId: string;
  /** The job's state; `CANCELLED by <uid>` is `CANCELLED` with {@linkcode cancelledBy} set. */
  readonly state: SlurmJobState;
  /** The uid that cancelled the job, from `CANCELLED by <uid>`. */
  readonly cancelledBy: number | null;
  /** Exit code of the batch script (0-255). */
  readonly exitCode: number;
  /** Signal that ended it, 0 when none. */
  readonly signal: number;
  /** Run time in ms. */
  readonly elapsed: number;
  /** Peak resident memory over the steps, in bytes; null when no step recorded one. */
  readonly maxRss: number | null;
  /** Nodes it ran on; null when none were assigned. */
  readonly nodeList: string | null;
  /** The job name. */
  readonly name: string;
  /** The job's steps, in output order. */
  readonly steps: readonly SacctStep[];
}

const COMMAND = `sacct --noheader --parsable2 --format=${SACCT_FIELDS.join(",")}`;

interface Common {
  state: SlurmJobState;
  cancelledBy: number | null;
  exitCode: number;
  signal: number;
  elapsed: number;
  maxRss: number | null;
}

function common(command: string, line: NumberedLine, fields: string[]): Common {
  const [, , stateText, exitText, elapsedText, rssText] = fields;
  const s = /^([A-Z_]+)(?: by (\d+))?$/.exec(stateText);
  if (!s || !isSlurmJobState(s[1])) {
    failLine(command, line, `has an unknown state ${JSON.stringify(stateText)}`);
  }
  const e = /^(\d+):(\d+)$/.exec(exitText);
  if (!e) failLine(command, line, `has a malformed ExitCode ${JSON.stringify(exitText)}`);
  let elapsed: number;
  let maxRss: number | null = null;
  try {
    elapsed = parseSlurmDuration(elapsedText);
    if (rssText !== "" && rssText !== "0") maxRss = parseMemorySize(rssText);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    failLine(command, line, `has a malformed Elapsed or MaxRSS (${error.message})`);
  }
  return {
    state: s[1],
    cancelledBy: s[2] === undefined ? null : Number(s[2]),
    exitCode: Number(e[1]),
    signal: Number(e[2]),
    elapsed,
    maxRss,
  };
}

/**
 * Parses `sacct --noheader --parsable2 --format=JobID,JobIDRaw,State,ExitCode,Elapsed,
 * MaxRSS,NodeList,JobName` output into one record per job or array element, with its
 * step lines (`.batch`, `.extern`, `.0`) folded in as `steps`. `CANCELLED by 0` becomes
 * state `CANCELLED` with `cancelledBy: 0`; `ExitCode` `0:9` becomes exit code 0, signal 9.
 *
 * A line without eight fields, with a malformed id, state, exit code, duration or size, or
 * a step without its job line before it is skipped and reported with its job id; the
 * others are read.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The records, in output order, and the problems.
 * @throws {SchedulerOutputError} When no line could be read but some could not.
 *
 * @example
 * ```ts
 * import { parseSacct } from "./slurm_accounting.ts";
 * import assert from "node:assert/strict";
 * const { jobs: [element], problems } = parseSacct([
 *   "123_4|127|OUT_OF_MEMORY|0:125|00:01:02||node01|drover-a1",
 *   "123_4.batch|127.batch|OUT_OF_MEMORY|0:125|00:01:02|2097152K|node01|batch",
 *   "123_4.extern|127.extern|COMPLETED|0:0|00:01:02|0|node01|extern",
 *   "124|128|EXPLODED|0:0|00:00:01||node02|other",
 * ].join("\n"));
 * assert.equal(problems[0].jobId, "124");
 * assert.equal(element.jobId, "123");
 * assert.equal(element.state, "OUT_OF_MEMORY");
 * assert.equal(element.maxRss, 2 * 1024 ** 3);
 * assert.deepEqual(element.steps.map((s) => s.step), ["batch", "extern"]);
 * ```
 */
export function parseSacct(
  output: string,
  options: ParseOptions = {},
): ParsedListing<SacctRecord> {
  const command = options.command ?? COMMAND;
  const records: SacctRecord[] = [];
  const problems: ParseProblem[] = [];
  const byId = new Map<string, { record: SacctRecord; steps: SacctStep[] }>();
  for (const line of outputLines(output)) {
    const id = line.text.split("|")[0].split(".")[0] || null;
    readRecord(problems, id, () => readLine(command, line, records, byId));
  }
  const jobs = records.map((record) => {
    const rss = [record.maxRss, ...record.steps.map((s) => s.maxRss)].filter((v) => v !== null);
    return rss.length === 0 ? record : { ...record, maxRss: Math.max(...rss) };
  });
  return listing(command, jobs, problems);
}

/** Reads one line: an element (added to `records`) or a step of one read before. */
function readLine(
  command: string,
  line: NumberedLine,
  records: SacctRecord[],
  byId: Map<string, { record: SacctRecord; steps: SacctStep[] }>,
): void {
  {
    const fields = splitFields(line.text, "|", SACCT_FIELDS.length);
    if (!fields) {
      failLine(
        command,
        line,
        `has fewer than ${SACCT_FIELDS.length} fields (expected ${SACCT_FIELDS.join("|")})`,
      );
    }
    const [jobIdText, rawJobId, , , , , nodeList, name] = fields;
    const dot = jobIdText.indexOf(".");
    const idText = dot < 0 ? jobIdText : jobIdText.slice(0, dot);
    const c = common(command, line, fields);
    if (dot >= 0) {
      const parent = byId.get(idText);
      const step = jobIdText.slice(dot + 1);
      if (!parent) failLine(command, line, `is a step of ${idText}, which has no line before it`);
      if (!/^[A-Za-z0-9_+-]+$/.test(step)) failLine(command, line, `has a malformed step name`);
      parent.steps.push({
        step,
        state: c.state,
        exitCode: c.exitCode,
        signal: c.signal,
        elapsed: c.elapsed,
        maxRss: c.maxRss,
      });
      return;
    }
    const ref = parseSlurmJobId(idText);
    if (!ref) failLine(command, line, `has a malformed JobID ${JSON.stringify(jobIdText)}`);
    const steps: SacctStep[] = [];
    const record: SacctRecord = {
      ...ref,
      rawJobId,
      ...c,
      nodeList: nodeList === "" || nodeList === "None assigned" ? null : nodeList,
      name,
      steps,
    };
    byId.set(idText, { record, steps });
    records.push(record);
  }
}

/**
 * Like {@linkcode parseSacct}, but returns the error instead of throwing it.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The listing or the error.
 *
 * @example
 * ```ts
 * import { safeParseSacct } from "./slurm_accounting.ts";
 * import assert from "node:assert/strict";
 * const result = safeParseSacct("123.batch|123.batch|COMPLETED|0:0|00:00:01||n1|batch\n");
 * assert.equal(result.success, false);
 * ```
 */
export function safeParseSacct(
  output: string,
  options: ParseOptions = {},
): ParseResult<ParsedListing<SacctRecord>> {
  return safely(() => parseSacct(output, options));
}
