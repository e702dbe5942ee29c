/**
 * Every attribute of PBS Pro jobs, from `qstat -f -t -x <id>` (used to explain one job).
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";
import type { ParseOptions, ParseResult } from "./errors.ts";
import { failLine, type NumberedLine, outputLines, safely } from "./_lines.ts";
import { parseMemorySize, parseSlurmDuration } from "../units/mod.ts";
import { parsePbsJobId, PBS_JOB_STATES, type PbsJobRef, type PbsJobState } from "./pbs_job.ts";

/** One job of `qstat -f`. */
export interface PbsJobDetail extends PbsJobRef {
  /** `Job_Name`. */
  readonly name: string;
  /** `job_state`. */
  readonly state: PbsJobState;
  /** `Exit_status`: the script's exit code, > 256 when killed by signal (256 + signal), < 0 for PBS's own failures (e.g. -29 walltime). */
  readonly exitStatus: number | null;
  /** `queue`. */
  readonly queue: string | null;
  /** `comment`, e.g. "Job run at ... and finished". */
  readonly comment: string | null;
  /** `resources_used.walltime` in ms. */
  readonly walltimeUsed: number | null;
  /** `resources_used.mem` in bytes. */
  readonly memoryUsed: number | null;
  /** Every attribute as printed, continuation lines joined. */
  readonly attributes: Readonly<Record<string, string>>;
}

function parseId(command: string, line: NumberedLine, id: string): PbsJobRef {
  const ref = parsePbsJobId(id);
  if (!ref) failLine(command, line, `has a malformed job id ${JSON.stringify(id)}`);
  return ref;
}

const intText = z.string().regex(/^-?\d+$/, "must be an integer").transform(Number);
const detailSchema = z.object({
  Job_Name: z.string().min(1, "must not be empty"),
  job_state: z.enum(PBS_JOB_STATES as [PbsJobState, ...PbsJobState[]], {
    message: "must be one of B, E, F, H, M, Q, R, S, T, U, W, X",
  }),
  Exit_status: intText.optional(),
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
    name: a.Job_Name,
    state: a.job_state,
    exitStatus: a.Exit_status ?? null,
    queue: a.queue ?? null,
    comment: a.comment ?? null,
    walltimeUsed: a["resources_used.walltime"] ?? null,
    memoryUsed: a["resources_used.mem"] ?? null,
  };
}

const FULL_COMMAND = "qstat -f -t -x";

interface Draft {
  head: NumberedLine;
  ref: PbsJobRef;
  attributes: Record<string, string>;
  lines: Record<string, NumberedLine>;
  last: string | null;
}

function finish(command: string, d: Draft): PbsJobDetail {
  const parsed = detailSchema.safeParse(d.attributes);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]);
    if (!(key in d.attributes)) failLine(command, d.head, `starts a job with no ${key}`);
    failLine(
      command,
      d.lines[key],
      `has ${key} ${JSON.stringify(d.attributes[key])}, which ${issue.message}`,
    );
  }
  return { ...d.ref, ...detailFields(parsed.data), attributes: d.attributes };
}

/**
 * Parses PBS Pro `qstat -f` text (also with `-t -x`): blocks starting `Job Id: <id>`,
 * then `    name = value` lines; a line starting with a tab continues the previous value.
 * `Job_Name` and `job_state` are required.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns One detail per job or subjob, in output order.
 * @throws {SchedulerOutputError} On a line that is neither, a malformed id, or a missing
 *   or malformed required attribute.
 *
 * @example
 * ```ts
 * import { parsePbsQstatFull } from "./pbs_detail.ts";
 * import assert from "node:assert/strict";
 * const [job] = parsePbsQstatFull([
 *   "Job Id: 2138[1].pbs01",
 *   "    Job_Name = drover-a1",
 *   "    job_state = F",
 *   "    Exit_status = 271",
 *   "    comment = Job run at Tue May 07 at 10:11 on (node01:ncpus=1) and fin",
 *   "\tished",
 * ].join("\n"));
 * assert.equal(job.arrayIndex, 1);
 * assert.equal(job.exitStatus, 271);
 * assert.match(job.comment ?? "", /and finished$/);
 * ```
 */
export function parsePbsQstatFull(output: string, options: ParseOptions = {}): PbsJobDetail[] {
  const command = options.command ?? FULL_COMMAND;
  const jobs: PbsJobDetail[] = [];
  let draft: Draft | null = null;
  for (const line of outputLines(output)) {
    const head = /^Job Id:\s*(\S+)\s*$/.exec(line.text);
    if (head) {
      if (draft) jobs.push(finish(command, draft));
      draft = {
        head: line,
        ref: parseId(command, line, head[1]),
        attributes: {},
        lines: {},
        last: null,
      };
      continue;
    }
    if (!draft) failLine(command, line, 'comes before the first "Job Id:" line');
    if (line.text.startsWith("\t") && draft.last !== null) {
      draft.attributes[draft.last] += line.text.slice(1);
      continue;
    }
    const attr = /^\s+([A-Za-z_][\w.]*)\s=\s?(.*)$/.exec(line.text);
    if (!attr) failLine(command, line, 'is not "    name = value"');
    draft.attributes[attr[1]] = attr[2];
    draft.lines[attr[1]] = line;
    draft.last = attr[1];
  }
  if (draft) jobs.push(finish(command, draft));
  return jobs;
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
 * const result = safeParsePbsQstatFull("Job Id: 7.pbs01\n    job_state = R\n");
 * assert.equal(result.success, false);
 * ```
 */
export function safeParsePbsQstatFull(
  output: string,
  options: ParseOptions = {},
): ParseResult<PbsJobDetail[]> {
  return safely(() => parsePbsQstatFull(output, options));
}
