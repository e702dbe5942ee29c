/**
 * Reading what the local scheduler's status program prints (private to lib/scheduler).
 *
 * @module
 */
import type { ElementStatus, JobStatus } from "./driver.ts";
import { failLine, outputLines } from "./_lines.ts";
import { JobCollector } from "./_job_status.ts";

const JOB = /^J\|(([a-z0-9]+)-[0-9a-f]+)\|-([cdg]*)\|(\d+)\|[^|]*\|(.+)$/;
const ELEMENT =
  /^E\|\.\/([A-Za-z0-9-]+)\/el\.(\d+)\|(RUNNING|COMPLETED|FAILED|CANCELLED)(?: (\d+))?$/;
const CANCEL = /^C\|\.\/([A-Za-z0-9-]+)\/cancel\.(\d+)$/;

interface Job {
  readonly name: string;
  readonly size: number;
  readonly order: number;
  readonly flags: string;
  readonly ended: Map<number, { state: string; number?: number }>;
  readonly cancelled: Set<number>;
}

/** The state of element `index` of `job` from its record, its cancel mark and the job's flags. */
function elementStatus(job: Job, index: number): ElementStatus {
  const record = job.ended.get(index);
  const cancelled = job.flags.includes("c") || job.cancelled.has(index);
  const gone = job.flags.includes("g") || job.flags.includes("d");
  if (record && record.state !== "RUNNING") {
    const exitCode = record.number === undefined ? {} : { exitCode: record.number };
    const reason = record.state === "FAILED" ? { reason: "NonZeroExitCode" } : {};
    return { index, state: record.state, ...exitCode, ...reason };
  }
  if (cancelled) return { index, state: "CANCELLED" };
  if (gone) return { index, state: "NODE_FAIL", reason: "ManagerGone" };
  return { index, state: record ? "RUNNING" : "PENDING" };
}

/**
 * Parses the status program's output into jobs by name (the newest of each name).
 *
 * @param output Its standard output.
 * @param command The command line, for errors.
 * @returns The jobs.
 * @throws {SchedulerOutputError} On a line of no known form.
 */
export function parseLocalStatus(output: string, command: string): Map<string, JobStatus> {
  const jobs = new Map<string, Job>();
  const lines = outputLines(output);
  for (const line of lines) {
    const m = JOB.exec(line.text);
    if (!m) continue;
    jobs.set(m[1], {
      name: m[5],
      size: Number(m[4]),
      order: Number.parseInt(m[2], 36), // the id starts with the submission time
      flags: m[3],
      ended: new Map(),
      cancelled: new Set(),
    });
  }
  for (const line of lines) {
    if (JOB.test(line.text)) continue;
    const e = ELEMENT.exec(line.text);
    const c = e ? null : CANCEL.exec(line.text);
    if (!e && !c) failLine(command, line, "is not a J|, E| or C| line of the local scheduler");
    const job = jobs.get((e ?? c)![1]);
    if (!job) continue; // a job directory without meta: not started yet
    if (e) {
      job.ended.set(Number(e[2]), {
        state: e[3],
        number: e[4] === undefined ? undefined : Number(e[4]),
      });
    } else job.cancelled.add(Number(c![2]));
  }
  const collector = new JobCollector();
  for (const [id, job] of jobs) {
    for (let index = 0; index < job.size; index++) {
      collector.add({ name: job.name, id, order: job.order }, elementStatus(job, index));
    }
  }
  return collector.byName();
}
