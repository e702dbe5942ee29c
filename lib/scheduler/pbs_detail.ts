/**
 * Every attribute of PBS Pro jobs, from `qstat -f -t -x <id>` (used to explain one job).
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";
import type { ParsedListing, ParseOptions, ParseProblem, ParseResult } from "./errors.ts";
import { failLine, listing, type NumberedLine, outputLines, readRecord, safely } from "./_lines.ts";
import { parseMemorySize, parseSlurmDuration } from "../units/mod.ts";
import { parsePbsJobId, PBS_JOB_STATES, type PbsJobRef, type PbsJobState } from "./pbs_job.ts";

/** One job of `qstat -f`. */
export interface PbsJobDetail extends PbsJobRef {
  /** `Job_Name`; null when not shown (e.g. output filtered to `job_state` lines). */
  readonly name: string | null;
  /** `job_state`. */
  readonly state: PbsJobState;
  /**
   * `Exit_status` (PBS Pro) or `exit_status` (Torque): the script's exit code, > 256 when
   * killed by signal (256 + signal), < 0 for PBS's own failures (e.g. -29 walltime).
   */
  readonly exitStatus: number | null;
  /** `queue`. */
  readonly queue: string | null;
  /** `comment`, e.g. "Job run at ... and finished". */
  readonly comment: string | null;
  /** `resources_used.walltime` in ms. */
  readonly walltimeUsed: number | null;
  /** `resources_used.mem` in bytes. */
  readonly memoryUsed: number | null;
  /**
   * Every attribute as printed: wrapped lines joined, lines of a value that holds newlines
   * (an exported bash function in `Variable_List`) joined with `\n`.
   */
  readonly attributes: Readonly<Record<string, string>>;
}

const intText = z.string().regex(/^-?\d+$/, "must be an integer").transform(Number);
const detailSchema = z.object({
  Job_Name: z.string().min(1, "must not be empty").optional(),
  job_state: z.enum(PBS_JOB_STATES as [PbsJobState, ...PbsJobState[]], {
    message: "must be one of B, C, E, F, H, M, Q, R, S, T, U, W, X",
  }),
  Exit_status: intText.optional(),
  exit_status: intText.optional(),
  queue: z.string().optional(),
  comment: z.string().optional(),
  "resources_used.walltime": z.string().regex(/^\d+:\d\d:\d\d$/, "must be HH:MM:SS")
    .transform(parseSlurmDuration).optional(),
  "resources_used.mem": z.string().regex(/^\d+[kmgtp]?b?$/i, "must be a size like 1024kb")
    .transform(parseMemorySize).optional(),
});
type DetailFields = Pick<
  PbsJobDetail,
  "name" | "state" | "exitStatus" | "queue" | "comment" | "walltimeUsed" | "memoryUsed"
>;
function detailFields(a: z.infer<typeof detailSchema>): DetailFields {
  return {
    name: a.Job_Name ?? null,
    state: a.job_state,
    exitStatus: a.Exit_status ?? a.exit_status ?? null,
    queue: a.queue ?? null,
    comment: a.comment ?? null,
    walltimeUsed: a["resources_used.walltime"] ?? null,
    memoryUsed: a["resources_used.mem"] ?? null,
  };
}

const FULL_COMMAND = "qstat -f -t -x";

/** One `Job Id:` line and the lines up to the next. */
interface Block {
  head: NumberedLine;
  id: string;
  lines: NumberedLine[];
}

const ATTRIBUTE = /^(\s*)([A-Za-z_][\w.]*) =(?: (.*))?$/;

function readBlock(command: string, block: Block): PbsJobDetail {
  const ref = parsePbsJobId(block.id);
  if (!ref) failLine(command, block.head, `has a malformed job id ${JSON.stringify(block.id)}`);
  const attributes: Record<string, string> = {};
  const lines: Record<string, NumberedLine> = {};
  let indent: string | null = null;
  let last: string | null = null;
  for (const line of block.lines) {
    const attr = ATTRIBUTE.exec(line.text);
    if (attr && (indent === null || attr[1] === indent)) {
      indent ??= attr[1];
      attributes[attr[2]] = attr[3] ?? "";
      lines[attr[2]] = line;
      last = attr[2];
      continue;
    }
    if (last === null) failLine(command, line, 'is not "    name = value"');
    const lead = /^\s*/.exec(line.text)![0];
    const attributeIndent = indent ?? "";
    if (line.text.startsWith("\t") && !attributeIndent.startsWith("\t")) {
      // PBS Pro wraps long values with a newline and a tab.
      attributes[last] += line.text.slice(1);
    } else if (lead.length > attributeIndent.length) {
      // Torque wraps them with a newline and deeper indentation.
      attributes[last] += line.text.slice(lead.length);
    } else {
      // A value that holds newlines itself (an exported bash function): kept as printed.
      attributes[last] += `\n${line.text}`;
    }
  }
  const parsed = detailSchema.safeParse(attributes);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]);
    if (!(key in attributes)) failLine(command, block.head, `starts a job with no ${key}`);
    failLine(
      command,
      lines[key],
      `has ${key} ${JSON.stringify(attributes[key])}, which ${issue.message}`,
    );
  }
  return { ...ref, ...detailFields(parsed.data), attributes };
}

/**
 * Parses PBS Pro and Torque `qstat -f` text (also with `-t -x`): blocks starting
 * `Job Id: <id>`, then `name = value` lines, all indented alike (PBS Pro and Torque use 4
 * spaces). A line indented otherwise continues the value before it: after a tab (PBS Pro)
 * or deeper indentation (Torque) the value was wrapped and goes on directly; a line
 * indented less, or not at all, is the next line of a value that holds newlines (an
 * exported bash function in `Variable_List`). `job_state` is required. A job that cannot
 * be read is skipped and reported with its id; the others are read.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns One detail per job or subjob, in output order, and the problems.
 * @throws {SchedulerOutputError} When no job could be read but some could not.
 *
 * @example
 * ```ts
 * import { parsePbsQstatFull } from "./pbs_detail.ts";
 * import assert from "node:assert/strict";
 * const { jobs: [job], problems } = parsePbsQstatFull([
 *   "Job Id: 2138[1].pbs01",
 *   "    Job_Name = drover-a1",
 *   "    job_state = F",
 *   "    Exit_status = 271",
 *   "    comment = Job run at Tue May 07 at 10:11 on (node01:ncpus=1) and fin",
 *   "\tished",
 *   "    Variable_List = PBS_O_HOME=/home/a,BASH_FUNC_ml%%=() {  eval $(ml_cmd \"$@\")",
 *   "},PBS_O_QUEUE=workq",
 *   "Job Id: 2139.pbs01",
 *   "    job_state = Z",
 * ].join("\n"));
 * assert.equal(job.arrayIndex, 1);
 * assert.equal(job.exitStatus, 271);
 * assert.match(job.comment ?? "", /and finished$/);
 * assert.match(job.attributes.Variable_List, /ml_cmd "\$@"\)\n\},PBS_O_QUEUE=workq$/);
 * assert.equal(problems[0].jobId, "2139.pbs01");
 * ```
 */
export function parsePbsQstatFull(
  output: string,
  options: ParseOptions = {},
): ParsedListing<PbsJobDetail> {
  const command = options.command ?? FULL_COMMAND;
  const jobs: PbsJobDetail[] = [];
  const problems: ParseProblem[] = [];
  const blocks: Block[] = [];
  for (const line of outputLines(output)) {
    const head = /^\s*Job Id:\s*(\S+)\s*$/.exec(line.text);
    if (head) {
      blocks.push({ head: line, id: head[1], lines: [] });
    } else if (blocks.length > 0) {
      blocks[blocks.length - 1].lines.push(line);
    } else {
      readRecord(
        problems,
        null,
        () => failLine(command, line, 'comes before the first "Job Id:" line'),
      );
    }
  }
  for (const block of blocks) {
    const job = readRecord(problems, block.id, () => readBlock(command, block));
    if (job) jobs.push(job);
  }
  return listing(command, jobs, problems);
}

/**
 * Like {@linkcode parsePbsQstatFull}, but returns the error instead of throwing it.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The details or the error.
 *
 * @example
 * ```ts
 * import { safeParsePbsQstatFull } from "./pbs_detail.ts";
 * import assert from "node:assert/strict";
 * const result = safeParsePbsQstatFull("Job Id: 7.pbs01\n    Job_Name = x\n");
 * assert.equal(result.success, false);
 * ```
 */
export function safeParsePbsQstatFull(
  output: string,
  options: ParseOptions = {},
): ParseResult<ParsedListing<PbsJobDetail>> {
  return safely(() => parsePbsQstatFull(output, options));
}
