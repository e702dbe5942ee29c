/**
 * Private to lib/cli: what the `jobs` commands share. Naming jobs on the command line,
 * per-job call counts, the `--where` filter over the jobs table, and the JSON form of a job.
 *
 * The two queries the store does not offer (call counts of many jobs at once, and jobs
 * matching user SQL) are read-only SQL here; user SQL runs on a read-only connection.
 *
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import {
  JOB_STATES,
  type JobRecord,
  type JobState,
  queryWithFilter,
  type Store,
} from "../store/mod.ts";
import { CommandError } from "./_errors.ts";
import { parseStateList } from "./_args.ts";

/** The states of a job still in the scheduler's hands (or about to be). */
export const LIVE_JOB_STATES: readonly JobState[] = ["staged", "submitted"];

/** How many calls of a job are in each state. */
export interface JobCallCounts {
  /** Calls with a result. */
  readonly done: number;
  /** Calls that failed in this job. */
  readonly failed: number;
  /** Calls still waiting for an outcome (`pending`). */
  readonly pending: number;
}

const NO_CALLS: JobCallCounts = { done: 0, failed: 0, pending: 0 };

/**
 * Whether a job is live: staged or submitted.
 *
 * @param job The job.
 * @returns True while the scheduler may still run it.
 */
export function isLive(job: Pick<JobRecord, "state">): boolean {
  return LIVE_JOB_STATES.includes(job.state);
}

/**
 * Parses `--state staged,submitted` for jobs.
 *
 * @param value Comma-separated job states.
 * @returns The states, without duplicates.
 * @throws {InvalidArgumentError} naming the valid states.
 */
export function parseJobStates(value: string): JobState[] {
  return parseStateList(value, JOB_STATES, "job");
}

/**
 * Finds one job by its id or its scheduler job name.
 *
 * @param store The store.
 * @param ref `12` or `dr-relax-1a2b3c4d5e`.
 * @returns The job.
 * @throws {CommandError} When no job has that id or name.
 */
export function resolveJob(store: Store, ref: string): JobRecord {
  const job = /^\d+$/.test(ref) ? store.jobs.getJob(Number(ref)) : store.jobs.getJob(ref);
  if (job) return job;
  throw new CommandError(`Cannot find job "${ref}": no recorded job has this id or name`);
}

/**
 * Counts the calls of jobs by state in one query.
 *
 * @param store The store.
 * @param ids The jobs.
 * @returns Counts by job id (jobs without calls have zeros).
 */
export function countJobCalls(store: Store, ids: readonly number[]): Map<number, JobCallCounts> {
  const out = new Map<number, JobCallCounts>(ids.map((id) => [id, NO_CALLS]));
  if (ids.length === 0) return out;
  const rows = store.db.prepare(
    `SELECT job_id, state, COUNT(*) AS n FROM job_calls WHERE job_id IN (${
      ids.map(() => "?").join(", ")
    }) GROUP BY job_id, state`,
  ).all(...ids);
  for (const row of rows) {
    const id = Number(row.job_id);
    const state = String(row.state) as keyof JobCallCounts;
    out.set(id, { ...out.get(id)!, [state]: Number(row.n) });
  }
  return out;
}

/** Filter of {@linkcode selectJobIds}. */
export interface JobSqlFilter {
  /** Only this system. */
  readonly system?: string;
  /** Only these states. */
  readonly states?: readonly JobState[];
  /** A SQL boolean expression over the jobs table's columns. */
  readonly where: string;
  /** At most this many, newest first; 0 or absent: all. */
  readonly limit?: number;
}

/**
 * The ids of jobs matching a user's SQL condition, newest first, read on a read-only
 * connection so the condition can never change the store.
 *
 * @param store The store.
 * @param filter The condition, system, states and limit.
 * @returns Job ids.
 * @throws {FilterError} When the condition is not one valid SQL expression (exit 2).
 */
export function selectJobIds(store: Store, filter: JobSqlFilter): number[] {
  const where = filter.where;
  const clauses = [`(${where}\n)`];
  const params: SQLInputValue[] = [];
  if (filter.system !== undefined) {
    clauses.push("system = ?");
    params.push(filter.system);
  }
  if (filter.states?.length) {
    clauses.push(`state IN (${filter.states.map(() => "?").join(", ")})`);
    params.push(...filter.states);
  }
  const limit = filter.limit ? ` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : "";
  const sql = `SELECT id FROM jobs WHERE ${clauses.join(" AND ")} ORDER BY id DESC${limit}`;
  return queryWithFilter(store.dbPath, where, sql, params, "jobs").map((r) => Number(r.id));
}

/**
 * The JSON form of a job, as `jobs ls --json` and `jobs show --json` print it.
 *
 * @param job The job.
 * @param calls Its call counts.
 * @returns A plain, stable object.
 */
export function jobSummary(job: JobRecord, calls: JobCallCounts): Record<string, unknown> {
  return {
    id: job.id,
    name: job.name,
    system: job.system,
    step: job.step,
    state: job.state,
    schedulerId: job.schedulerId,
    elements: job.size,
    calls,
    attempt: job.attempt,
    dir: job.dir,
    runId: job.runId,
    createdAt: job.createdAt,
    submittedAt: job.submittedAt,
    endedAt: job.endedAt,
    error: job.error,
    pendingReason: job.pendingReason ?? null,
  };
}
