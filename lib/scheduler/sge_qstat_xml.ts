/**
 * Grid Engine jobs, from `qstat -xml` (what the SGE driver polls with: names are not cut
 * short and columns cannot run together, unlike plain `qstat`).
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";
import type { ParsedListing, ParseOptions, ParseProblem, ParseResult } from "./errors.ts";
import { failLine, failOutput, listing, type NumberedLine, readRecord, safely } from "./_lines.ts";
import { parseTaskList, type TaskRange } from "./slurm_job_id.ts";
import { type SgeJobStatus, sgeStatusOf } from "./sge_status.ts";

/** One `<job_list>` element of `qstat -xml`: a job, or some tasks of an array job. */
export interface SgeXmlJob {
  /** `JB_job_number`. */
  readonly jobId: string;
  /** `JB_name`, whole (XML entities decoded). */
  readonly name: string;
  /** `JB_owner`. */
  readonly owner: string;
  /** `state` as printed: `qw`, `hqw`, `r`, `t`, `Rr`, `s`, `Eqw`, `dr`, `z`, ... */
  readonly state: string;
  /** What the state means. */
  readonly status: SgeJobStatus | "finished";
  /** `queue_name` (`all.q@node01`) while running; null while pending. */
  readonly queue: string | null;
  /** `slots`. */
  readonly slots: number;
  /** `tasks`: array task ids (1-based, as SGE numbers them); null for a plain job. */
  readonly tasks: readonly TaskRange[] | null;
}

const COMMAND = "qstat -xml";

const ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e];
  });
}

const jobSchema = z.object({
  JB_job_number: z.string().regex(/^\d+$/, "must be a job number"),
  JB_name: z.string().min(1, "must not be empty"),
  JB_owner: z.string().min(1, "must not be empty"),
  state: z.string().regex(/^[dEhNPrRsStTwqz]+$/, "must be a Grid Engine state like qw or r"),
  queue_name: z.string().optional(),
  slots: z.string().regex(/^\d+$/, "must be a whole number").transform(Number).optional(),
  tasks: z.string().optional(),
});

function lineAt(text: string, offset: number): NumberedLine {
  const before = text.slice(0, offset);
  const number = before.split("\n").length;
  const start = before.lastIndexOf("\n") + 1;
  const end = text.indexOf("\n", offset);
  return { number, text: text.slice(start, end < 0 ? undefined : end).replace(/\r$/, "") };
}

function readJob(
  command: string,
  body: string,
  at: (offset: number) => NumberedLine,
  start: number,
): SgeXmlJob {
  const fields: Record<string, string> = {};
  const offsets: Record<string, number> = {};
  for (const m of body.matchAll(/<([A-Za-z_][\w.-]*)(?:\s[^>]*)?(?:\/>|>([^<]*)<\/\1>)/g)) {
    fields[m[1]] = decode(m[2] ?? "");
    offsets[m[1]] = start + m.index;
  }
  const parsed = jobSchema.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]);
    if (!(key in fields)) failLine(command, at(start), `starts a job with no <${key}>`);
    failLine(
      command,
      at(offsets[key]),
      `has <${key}> ${JSON.stringify(fields[key])}, which ${issue.message}`,
    );
  }
  const f = parsed.data;
  let tasks: TaskRange[] | null = null;
  if (f.tasks !== undefined && f.tasks !== "") {
    const list = parseTaskList(f.tasks);
    if (!list || list.throttle !== null) {
      failLine(command, at(offsets.tasks), `has a malformed task list ${JSON.stringify(f.tasks)}`);
    }
    tasks = list.ranges;
  }
  return {
    jobId: f.JB_job_number,
    name: f.JB_name,
    owner: f.JB_owner,
    state: f.state,
    status: f.state.includes("z") ? "finished" : sgeStatusOf(f.state),
    queue: f.queue_name ? f.queue_name : null,
    slots: f.slots ?? 1,
    tasks,
  };
}

/**
 * Parses `qstat -xml` (also with `-u <user>` and `-s <states>`): every `<job_list>`
 * element, running ones (under `<queue_info>`) and pending ones (under `<job_info>`). A
 * running array task has one element each (`<tasks>3</tasks>`); pending tasks share one
 * (`<tasks>4-20:1</tasks>`). A job element that cannot be read is skipped and reported
 * with its job id; the others are read.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The jobs in output order, and the problems.
 * @throws {SchedulerOutputError} When the output is not a `qstat -xml` document, or no
 *   job element could be read but some could not.
 *
 * @example
 * ```ts
 * import { parseSgeQstatXml } from "./sge_qstat_xml.ts";
 * import assert from "node:assert/strict";
 * const { jobs, problems } = parseSgeQstatXml(`<?xml version='1.0'?>
 * <job_info>
 *   <queue_info>
 *     <job_list state="running">
 *       <JB_job_number>7</JB_job_number><JB_name>drover-a1</JB_name>
 *       <JB_owner>alice</JB_owner><state>r</state>
 *       <queue_name>all.q@node01</queue_name><slots>1</slots><tasks>1</tasks>
 *     </job_list>
 *   </queue_info>
 *   <job_info>
 *     <job_list state="pending">
 *       <JB_job_number>7</JB_job_number><JB_name>drover-a1</JB_name>
 *       <JB_owner>alice</JB_owner><state>qw</state>
 *       <queue_name></queue_name><slots>1</slots><tasks>2-5:1</tasks>
 *     </job_list>
 *   </job_info>
 * </job_info>`);
 * assert.equal(problems.length, 0);
 * assert.deepEqual(jobs.map((j) => [j.jobId, j.status, j.queue]), [
 *   ["7", "running", "all.q@node01"],
 *   ["7", "pending", null],
 * ]);
 * assert.deepEqual(jobs[1].tasks, [{ first: 2, last: 5, step: 1 }]);
 * ```
 */
export function parseSgeQstatXml(
  output: string,
  options: ParseOptions = {},
): ParsedListing<SgeXmlJob> {
  const command = options.command ?? COMMAND;
  if (!/<job_info[\s>]/.test(output)) {
    failOutput(command, output, "expected a qstat -xml document with <job_info>");
  }
  const jobs: SgeXmlJob[] = [];
  const problems: ParseProblem[] = [];
  const at = (offset: number) => lineAt(output, offset);
  for (const m of output.matchAll(/<job_list\b[^>]*>([\s\S]*?)<\/job_list>/g)) {
    const id = /<JB_job_number>\s*(\d+)\s*</.exec(m[1])?.[1] ?? null;
    const job = readRecord(problems, id, () => readJob(command, m[0], at, m.index));
    if (job) jobs.push(job);
  }
  return listing(command, jobs, problems);
}

/**
 * Like {@linkcode parseSgeQstatXml}, but returns the error instead of throwing it.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The listing or the error.
 *
 * @example
 * ```ts
 * import { safeParseSgeQstatXml } from "./sge_qstat_xml.ts";
 * import assert from "node:assert/strict";
 * assert.equal(safeParseSgeQstatXml("error: commlib error").success, false);
 * ```
 */
export function safeParseSgeQstatXml(
  output: string,
  options: ParseOptions = {},
): ParseResult<ParsedListing<SgeXmlJob>> {
  return safely(() => parseSgeQstatXml(output, options));
}
