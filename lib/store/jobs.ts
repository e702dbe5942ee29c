/**
 * Remote jobs as the store keeps them: one row per submitted job (an array), one row per
 * call in it, where result objects live on systems, and the shared poll lease of each
 * system.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { guard, transaction } from "./database.ts";
import { insertJobRows, logPendingChanges } from "./_job_rows.ts";
import type { ElementRecord, ElementState } from "./ledger_types.ts";

/**
 * Where a job is in its life. `staged`: row written, not (known to be) submitted yet;
 * `submitted`: the scheduler has it; `finished`: every call decided; `cancelled`: by the
 * user; `refused`: the scheduler would not take it.
 */
export type JobState = "staged" | "submitted" | "finished" | "cancelled" | "refused";

/** Every job state, for validation of user input. */
export const JOB_STATES: readonly JobState[] = [
  "staged",
  "submitted",
  "finished",
  "cancelled",
  "refused",
];

/** Job transitions the ledger applies (from -> allowed to); the last three are terminal. */
export const JOB_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  staged: ["submitted", "refused", "cancelled"],
  submitted: ["finished", "cancelled"],
  finished: [],
  cancelled: [],
  refused: [],
};

/** Where one call of a job is: undecided (`pending`, even while its element runs), or decided. */
export type JobCallState = "pending" | "done" | "failed";

/** Job-call transitions (from -> allowed to): a decision is final. */
export const JOB_CALL_TRANSITIONS: Readonly<Record<JobCallState, readonly JobCallState[]>> = {
  pending: ["done", "failed"],
  done: [],
  failed: [],
};

/** One job (a scheduler job array) as recorded. Times are ms since the epoch. */
export interface JobRecord {
  /** Row id, drover's job id. */
  readonly id: number;
  /** The scheduler job name: unique, how a crashed driver finds the job again. */
  readonly name: string;
  /** The system it runs on. */
  readonly system: string;
  /** The step its calls belong to. */
  readonly step: string;
  /** Its state. */
  readonly state: JobState;
  /** The scheduler's id, once known. */
  readonly schedulerId: string | null;
  /** Array elements. */
  readonly size: number;
  /** 1 for a first submission, 2 for the first restart of its calls, ... */
  readonly attempt: number;
  /** What was asked for (route key, resources, ...), as JSON data. */
  readonly spec: Readonly<Record<string, unknown>>;
  /** The job's directory on the system. */
  readonly dir: string;
  /** The run that submitted it. */
  readonly runId: number | null;
  /** When the row was written. */
  readonly createdAt: number;
  /** When the scheduler accepted it. */
  readonly submittedAt: number | null;
  /** When every call of it was decided, or it was cancelled. */
  readonly endedAt: number | null;
  /** Why it could not be submitted or was cancelled. */
  readonly error: string | null;
  /** When its (latest) submission started, if one did. */
  readonly submitStartedAt?: number | null;
  /** Why the scheduler keeps it pending (`ReqNodeNotAvail`), when it says. */
  readonly pendingReason?: string | null;
}

/** One call of a job. */
export interface JobCallRecord {
  /** The job. */
  readonly jobId: number;
  /** The call key. */
  readonly key: string;
  /** The array element that runs it. */
  readonly element: number;
  /** The inputs object. */
  readonly inputsRef: string;
  /** Its state in this job. */
  readonly state: JobCallState;
  /** Why it failed (`exception`, `timeout`, `lost`, ...). */
  readonly reason: string | null;
  /** One sentence on how it failed. */
  readonly detail: string | null;
  /** The result object, when done. */
  readonly resultRef: string | null;
}

/** Where a routed step call was made. */
export interface CallSiteRecord {
  /** The run. */
  readonly runId: number;
  /** The step. */
  readonly step: string;
  /** The file defining the step. */
  readonly stepFile?: string;
  /** The call's label. */
  readonly label?: string;
  /** The stack, outermost first. */
  readonly frames: readonly { file: string; function: string; line?: number; column?: number }[];
}

/** A job to record, before it is submitted. */
export type NewJob = Omit<
  JobRecord,
  | "id"
  | "state"
  | "schedulerId"
  | "submittedAt"
  | "endedAt"
  | "error"
  | "submitStartedAt"
  | "pendingReason"
>;

/** Filter of {@linkcode JobStore.listJobs}. */
export interface JobFilter {
  /** Only this system. */
  readonly system?: string;
  /** Only these states. */
  readonly states?: readonly JobState[];
  /** Only these ids. */
  readonly ids?: readonly number[];
  /** At most this many, newest first. */
  readonly limit?: number;
}

const JOB_COLUMNS =
  "id, name, system, step, state, scheduler_id, size, attempt, spec, dir, run_id, created_at, submitted_at, ended_at, error, submit_started_at, pending_reason";
const CALL_COLUMNS = "job_id, key, element, inputs_ref, state, reason, detail, result_ref";

/**
 * The job tables of a store (`store.jobs`). Every method is one statement or one
 * transaction, so a crash leaves the tables consistent.
 *
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const id = store.jobs.createJob({
 *   name: "dr-relax-1a2b", system: "hpc", step: "relax", size: 1, attempt: 1,
 *   spec: {}, dir: "/scratch/jobs/dr-relax-1a2b", runId: null, createdAt: 0,
 * }, [{ key: "k1", element: 0, inputsRef: "i1" }]);
 * store.jobs.markSubmitted(id, "123", 5);
 * assert.equal(store.jobs.getJob(id)?.schedulerId, "123");
 * assert.equal(store.jobs.latestCallOf("k1")?.job.name, "dr-relax-1a2b");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class JobStore {
  readonly #db: DatabaseSync;
  readonly #path: string;

  /**
   * Use `store.jobs`.
   *
   * @param db The connection.
   * @param path The database file, for error messages.
   */
  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.#path = path;
  }

  /**
   * Records a job, its calls and elements as they are (state `staged`, calls `pending`),
   * without touching the calls' own rows: for imports and test fixtures. The runtime records
   * jobs through `store.ledger.enqueueJob`.
   *
   * @param job The job.
   * @param calls Its calls: key, element, inputs object.
   * @returns The job id.
   */
  createJob(
    job: NewJob,
    calls: readonly { key: string; element: number; inputsRef: string }[],
  ): number {
    return guard(this.#path, () => insertJobRows(this.#db, job, calls));
  }

  /**
   * One job by id or name.
   *
   * @param idOrName The id, or the scheduler job name.
   * @returns The job, or undefined.
   */
  getJob(idOrName: number | string): JobRecord | undefined {
    const row = guard(this.#path, () =>
      this.#db.prepare(
        `SELECT ${JOB_COLUMNS} FROM jobs WHERE ${typeof idOrName === "number" ? "id" : "name"} = ?`,
      ).get(idOrName));
    return row ? toJob(row) : undefined;
  }

  /**
   * Lists jobs, newest first.
   *
   * @param filter System, states, ids, limit.
   * @returns The jobs.
   */
  listJobs(filter: JobFilter = {}): JobRecord[] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (filter.system !== undefined) {
      where.push("system = ?");
      params.push(filter.system);
    }
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => "?").join(", ")})`);
      params.push(...filter.states);
    }
    if (filter.ids?.length) {
      where.push(`id IN (${filter.ids.map(() => "?").join(", ")})`);
      params.push(...filter.ids);
    }
    const sql = `SELECT ${JOB_COLUMNS} FROM jobs ${
      where.length ? `WHERE ${where.join(" AND ")}` : ""
    } ORDER BY id DESC${filter.limit ? ` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : ""}`;
    return guard(this.#path, () => this.#db.prepare(sql).all(...params)).map(toJob);
  }

  /**
   * Records that the scheduler accepted a staged job (guarded: a job cancelled meanwhile
   * stays cancelled).
   *
   * @param id The job.
   * @param schedulerId The scheduler's id (`""` when not known: found by its markers).
   * @param at When.
   * @returns Whether it applied.
   */
  markSubmitted(id: number, schedulerId: string, at: number): boolean {
    return guard(this.#path, () =>
      Number(
        this.#db.prepare(
          "UPDATE jobs SET state = 'submitted', scheduler_id = ?, submitted_at = ? WHERE id = ? AND state = 'staged'",
        ).run(schedulerId || null, at, id).changes,
      ) > 0);
  }

  /**
   * Ends a live job: `finished` (every call decided) or `cancelled` (guarded: a job that
   * ended already keeps how it ended).
   *
   * @param id The job.
   * @param state How it ended.
   * @param at When.
   * @param error Why, for a cancelled job.
   * @returns Whether it applied.
   */
  markEnded(id: number, state: "finished" | "cancelled", at: number, error?: string): boolean {
    return guard(this.#path, () =>
      transaction(this.#db, this.#path, () => {
        const ended = Number(
          this.#db.prepare(
            "UPDATE jobs SET state = ?, ended_at = ?, error = ? WHERE id = ? AND state IN ('staged', 'submitted')",
          ).run(state, at, error ?? null, id).changes,
        ) > 0;
        if (ended) logPendingChanges(this.#db, id);
        return ended;
      }));
  }

  /**
   * The calls of a job.
   *
   * @param jobId The job.
   * @param state Only calls in this state.
   * @returns The calls, by element then key.
   */
  callsOf(jobId: number, state?: JobCallState): JobCallRecord[] {
    const rows = guard(this.#path, () =>
      state === undefined
        ? this.#db.prepare(
          `SELECT ${CALL_COLUMNS} FROM job_calls WHERE job_id = ? ORDER BY element, key`,
        ).all(jobId)
        : this.#db.prepare(
          `SELECT ${CALL_COLUMNS} FROM job_calls WHERE job_id = ? AND state = ? ORDER BY element, key`,
        ).all(jobId, state));
    return rows.map(toJobCall);
  }

  /**
   * The newest job a call was put in, and the call's row there.
   *
   * @param key The call key.
   * @returns Both, or undefined when the call never went to a job.
   */
  latestCallOf(key: string): { job: JobRecord; call: JobCallRecord } | undefined {
    const row = guard(this.#path, () =>
      this.#db.prepare(
        `SELECT ${CALL_COLUMNS} FROM job_calls WHERE key = ? ORDER BY job_id DESC LIMIT 1`,
      ).get(key));
    if (!row) return undefined;
    const call = toJobCall(row);
    const job = this.getJob(call.jobId);
    return job ? { job, call } : undefined;
  }

  /**
   * How many jobs a call has been put in (its attempts so far).
   *
   * @param key The call key.
   * @returns The count.
   */
  attemptsOf(key: string): number {
    const row = guard(
      this.#path,
      () => this.#db.prepare("SELECT COUNT(*) AS n FROM job_calls WHERE key = ?").get(key),
    );
    return Number(row?.n ?? 0);
  }

  /**
   * Decides one pending call of a job (the job-call row only; for fixtures; the runtime
   * decides through `store.ledger.applyPoll`).
   *
   * @param jobId The job.
   * @param key The call.
   * @param outcome Done with its result object, or failed with a reason.
   */
  decideCall(
    jobId: number,
    key: string,
    outcome:
      | { state: "done"; resultRef: string }
      | { state: "failed"; reason: string; detail: string },
  ): void {
    guard(this.#path, () =>
      this.#db.prepare(
        "UPDATE job_calls SET state = ?, reason = ?, detail = ?, result_ref = ? WHERE job_id = ? AND key = ? AND state = 'pending'",
      ).run(
        outcome.state,
        outcome.state === "failed" ? outcome.reason : null,
        outcome.state === "failed" ? outcome.detail : null,
        outcome.state === "done" ? outcome.resultRef : null,
        jobId,
        key,
      ));
  }

  /**
   * Jobs and their elements in flight on a system (staged or submitted, with calls still
   * queued), for in-flight caps.
   *
   * @param system The system.
   * @returns The number of array elements still running or waiting.
   */
  elementsInFlight(system: string): number {
    const row = guard(this.#path, () =>
      this.#db.prepare(
        `SELECT COUNT(*) AS n FROM (SELECT DISTINCT jc.job_id, jc.element FROM job_calls jc
           JOIN jobs j ON j.id = jc.job_id
           WHERE j.system = ? AND j.state IN ('staged', 'submitted') AND jc.state = 'pending')`,
      ).get(system));
    return Number(row?.n ?? 0);
  }

  /**
   * The persisted elements of a job (state, since when, exit code, scheduler state).
   *
   * @param jobId The job.
   * @returns Its elements by index.
   */
  elementsOf(jobId: number): ElementRecord[] {
    return guard(this.#path, () =>
      this.#db.prepare(
        "SELECT job_id, element, state, since, exit_code, native, reason FROM job_elements WHERE job_id = ? ORDER BY element",
      ).all(jobId)).map((r) => ({
        jobId: Number(r.job_id),
        element: Number(r.element),
        state: String(r.state) as ElementState,
        since: Number(r.since),
        ...(r.exit_code == null ? {} : { exitCode: Number(r.exit_code) }),
        ...(r.native == null ? {} : { native: String(r.native) }),
        ...(r.reason == null ? {} : { reason: String(r.reason) }),
      }));
  }

  /**
   * Calls of a system whose job call changed after `cursor` in commit order: decided, or
   * left undecided by a job that ended (cancelled, refused). What a waiter must look at.
   *
   * @param system The system.
   * @param cursor The sequence of the last change seen ({@linkcode JobStore.changeCursor}).
   * @returns The keys, the new cursor, and whether the log still reached back to `cursor`
   *   (false after {@linkcode JobStore.pruneChanges} dropped changes not seen: look at
   *   every waiting call instead).
   */
  changedSince(
    system: string,
    cursor: number,
  ): { keys: string[]; cursor: number; complete: boolean } {
    return guard(this.#path, () => {
      const rows = this.#db.prepare(
        "SELECT seq, key FROM job_changes WHERE system = ? AND seq > ? ORDER BY seq",
      ).all(system, cursor);
      // Read after the rows: a prune in between can only make this answer "incomplete".
      const first = this.#db.prepare("SELECT MIN(seq) AS s FROM job_changes").get()?.s;
      const last = rows.length ? Number(rows[rows.length - 1].seq) : cursor;
      return {
        keys: rows.map((r) => String(r.key)),
        cursor: Math.max(cursor, last),
        complete: first == null || Number(first) <= cursor + 1,
      };
    });
  }

  /**
   * The sequence of the latest job-call change (0 for none): a cursor from which
   * {@linkcode JobStore.changedSince} reports every later change.
   *
   * @returns The sequence.
   */
  changeCursor(): number {
    return Number(
      guard(
        this.#path,
        () => this.#db.prepare("SELECT COALESCE(MAX(seq), 0) AS s FROM job_changes").get()?.s ?? 0,
      ),
    );
  }

  /**
   * Drops all but the latest `keep` job-call changes (a waiter whose cursor is older looks
   * at every waiting call instead).
   *
   * @param keep How many to keep. Default: 100,000.
   * @returns How many were dropped.
   */
  pruneChanges(keep = 100_000): number {
    return Number(
      guard(this.#path, () =>
        this.#db.prepare(
          "DELETE FROM job_changes WHERE seq <= (SELECT MAX(seq) FROM job_changes) - ?",
        ).run(keep).changes),
    );
  }

  /**
   * Whether a call is in a live job (staged or submitted) and undecided there.
   *
   * @param key The call.
   * @returns True when a job still holds it.
   */
  inLiveJob(key: string): boolean {
    return guard(this.#path, () =>
      this.#db.prepare(
        `SELECT 1 AS x FROM job_calls jc JOIN jobs j ON j.id = jc.job_id
         WHERE jc.key = ? AND jc.state = 'pending' AND j.state IN ('staged', 'submitted') LIMIT 1`,
      ).get(key)) !== undefined;
  }

  /**
   * Records that an object is in a system's object store.
   *
   * @param hash The object.
   * @param system The system.
   * @param size Its size in bytes.
   */
  putRemoteObject(hash: string, system: string, size: number): void {
    guard(this.#path, () =>
      this.#db.prepare(
        "INSERT OR IGNORE INTO remote_objects (hash, system, size) VALUES (?, ?, ?)",
      ).run(hash, system, size));
  }

  /**
   * The systems known to hold an object.
   *
   * @param hash The object.
   * @returns System names.
   */
  systemsHolding(hash: string): string[] {
    return guard(
      this.#path,
      () =>
        this.#db.prepare("SELECT system FROM remote_objects WHERE hash = ? ORDER BY system")
          .all(hash),
    ).map((r) => String(r.system));
  }

  /**
   * Takes a system's poll turn if nobody took it in the last `intervalMs`: one process of
   * all those sharing the store queries the scheduler per interval.
   *
   * @param system The system.
   * @param owner Who asks (host:pid).
   * @param now The time.
   * @param intervalMs The interval.
   * @returns Whether the caller got the turn.
   */
  takePollTurn(system: string, owner: string, now: number, intervalMs: number): boolean {
    return guard(this.#path, () => {
      const r = this.#db.prepare(
        `INSERT INTO system_polls (system, polled_at, owner) VALUES (?, ?, ?)
         ON CONFLICT(system) DO UPDATE SET polled_at = excluded.polled_at, owner = excluded.owner
         WHERE system_polls.polled_at <= ? OR system_polls.owner = excluded.owner`,
      ).run(system, now, owner, now - intervalMs);
      return Number(r.changes) > 0;
    });
  }

  /**
   * Records where a routed step call was made (once per run, step and stack), for
   * `drover routes explain --script`.
   *
   * @param site The run, step, its file, the label and the stack as `file::function` frames.
   */
  putCallSite(site: CallSiteRecord): void {
    guard(this.#path, () =>
      this.#db.prepare(
        "INSERT OR IGNORE INTO call_sites (run_id, step, step_file, label, frames) VALUES (?, ?, ?, ?, ?)",
      ).run(
        site.runId,
        site.step,
        site.stepFile ?? null,
        site.label ?? null,
        JSON.stringify(site.frames),
      ));
  }

  /**
   * The call sites recorded for a run.
   *
   * @param runId The run.
   * @returns Its call sites.
   */
  callSitesOf(runId: number): CallSiteRecord[] {
    return guard(this.#path, () =>
      this.#db.prepare(
        "SELECT run_id, step, step_file, label, frames FROM call_sites WHERE run_id = ? ORDER BY step, frames",
      ).all(runId)).map((r) => ({
        runId: Number(r.run_id),
        step: String(r.step),
        stepFile: r.step_file == null ? undefined : String(r.step_file),
        label: r.label == null ? undefined : String(r.label),
        frames: JSON.parse(String(r.frames)),
      }));
  }

  /**
   * Removes jobs and their call rows.
   *
   * @param ids The jobs.
   */
  removeJobs(ids: readonly number[]): void {
    const delCalls = this.#db.prepare("DELETE FROM job_calls WHERE job_id = ?");
    const del = this.#db.prepare("DELETE FROM jobs WHERE id = ?");
    guard(this.#path, () => {
      for (const id of ids) {
        delCalls.run(id);
        del.run(id);
      }
    });
  }
}

function toJob(row: Record<string, SQLInputValue>): JobRecord {
  return {
    id: Number(row.id),
    name: String(row.name),
    system: String(row.system),
    step: String(row.step),
    state: row.state as JobState,
    schedulerId: row.scheduler_id == null ? null : String(row.scheduler_id),
    size: Number(row.size),
    attempt: Number(row.attempt),
    spec: JSON.parse(String(row.spec)),
    dir: String(row.dir),
    runId: row.run_id == null ? null : Number(row.run_id),
    createdAt: Number(row.created_at),
    submittedAt: row.submitted_at == null ? null : Number(row.submitted_at),
    endedAt: row.ended_at == null ? null : Number(row.ended_at),
    error: row.error == null ? null : String(row.error),
    submitStartedAt: row.submit_started_at == null ? null : Number(row.submit_started_at),
    pendingReason: row.pending_reason == null ? null : String(row.pending_reason),
  };
}

function toJobCall(row: Record<string, SQLInputValue>): JobCallRecord {
  return {
    jobId: Number(row.job_id),
    key: String(row.key),
    element: Number(row.element),
    inputsRef: String(row.inputs_ref),
    state: row.state as JobCallState,
    reason: row.reason == null ? null : String(row.reason),
    detail: row.detail == null ? null : String(row.detail),
    resultRef: row.result_ref == null ? null : String(row.result_ref),
  };
}
