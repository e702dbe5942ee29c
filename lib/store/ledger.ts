/**
 * The call ledger: the only writer of a call's state (`calls`, `jobs`, `job_calls`,
 * `job_elements`). Each method is one named transition applied as guarded UPDATEs in one
 * transaction (compare-and-set on the state it expects), and says whether it applied, so
 * two processes sharing a store can never both move the same row.
 *
 * Claims (`owner`, `lease_until` on a running call) are the first half of it, in
 * {@link ./claim_ledger.ts}; this class adds the call and job transitions.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { guard, transaction } from "./database.ts";
import { insertJobRows, logPendingChanges } from "./_job_rows.ts";
import { ClaimLedger } from "./claim_ledger.ts";
import type { ObjectStore } from "./objects.ts";
import { dropResultSets } from "./result_sets.ts";
import type { CallFailure, CallRecord, FailureReason, RetryState, StoredError } from "./records.ts";
import type { JobCallState, NewJob } from "./jobs.ts";
import type { FinishedCall, JobCallDecision, JobCallDraft, JobPollUpdate } from "./ledger_types.ts";

const CALL_COLUMNS =
  "key, step, state, code_hash, version, arg_hashes, inputs_ref, result_ref, error, run_id, location, attempts, created_at, started_at, ended_at, failure_reason, retryable, retry_state";

/**
 * The one writer of call, job, job-call and element state. Use `store.ledger`.
 *
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const entry = {
 *   key: "k1", step: "s", codeHash: "c", version: "", argHashes: {}, location: "local",
 *   runId: null, expect: "absent" as const,
 * };
 * const me = { owner: "host:1:a", now: 0, leaseMs: 1000 };
 * assert.deepEqual(store.ledger.claim([entry], me), ["claimed"]);
 * // Another owner finds the claim held while the lease lasts, and takes it over after.
 * const other = { owner: "elsewhere:2:b", now: 10, leaseMs: 1000 };
 * assert.deepEqual(store.ledger.claim([entry], other), ["held"]);
 * assert.deepEqual(store.ledger.claim([entry], { ...other, now: 2000 }), ["taken-over"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class CallLedger extends ClaimLedger {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #objects: ObjectStore;
  #stmts: Record<string, StatementSync> | undefined;

  /**
   * Use `store.ledger`.
   *
   * @param db The connection.
   * @param path The database file, for error messages.
   * @param objects The object store (results and inputs are written with their rows).
   */
  constructor(db: DatabaseSync, path: string, objects: ObjectStore) {
    super(db, path);
    this.#db = db;
    this.#path = path;
    this.#objects = objects;
  }

  get #s(): Record<string, StatementSync> {
    return this.#stmts ??= {
      claimRow: this.#db.prepare(
        "SELECT state, owner, lease_until, error FROM calls WHERE key = ?",
      ),
      liveJob: this.#db.prepare(
        `SELECT 1 AS x FROM job_calls jc JOIN jobs j ON j.id = jc.job_id
         WHERE jc.key = ? AND jc.state = 'pending' AND j.state IN ('staged', 'submitted') LIMIT 1`,
      ),
      upsert: this.#db.prepare(
        `INSERT INTO calls (${CALL_COLUMNS}, owner, lease_until)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)
         ON CONFLICT(key) DO UPDATE SET state = excluded.state, code_hash = excluded.code_hash,
           version = excluded.version, arg_hashes = excluded.arg_hashes,
           inputs_ref = excluded.inputs_ref, result_ref = excluded.result_ref,
           error = excluded.error, run_id = excluded.run_id, location = excluded.location,
           attempts = excluded.attempts, started_at = excluded.started_at,
           ended_at = excluded.ended_at, failure_reason = excluded.failure_reason,
           retryable = excluded.retryable, retry_state = excluded.retry_state,
           owner = NULL, lease_until = NULL`,
      ),
    };
  }

  /**
   * Records finished local calls (done, or failed by an exception) with their objects, in
   * one transaction. A call that a live job holds is left to its job.
   *
   * @param calls The calls.
   */
  recordLocal(calls: readonly FinishedCall[]): void {
    if (calls.length === 0) return;
    const s = this.#s;
    this.#tx(() => {
      for (const c of calls) {
        if (s.liveJob.get(c.record.key)) continue;
        const inputsRef = this.#objects.put(c.inputs, c.record.inputsRef ?? undefined);
        const resultRef = c.result
          ? this.#objects.put(c.result, c.record.resultRef ?? undefined)
          : null;
        this.#upsert({ ...c.record, inputsRef, resultRef });
      }
    });
  }

  /**
   * Writes a call row as given (no guard). For imports and test fixtures; the runtime uses
   * the named transitions.
   *
   * @param call The record.
   */
  putRecord(call: CallRecord): void {
    // One transaction: no set can be kept between the drop and the new row.
    transaction(this.#db, this.#path, () => {
      if (String(this.#s.claimRow.get(call.key)?.state) === "done") dropResultSets(this.#db);
      this.#upsert(call);
    });
  }

  #upsert(call: CallRecord): void {
    const f = call.failure ?? null;
    this.#s.upsert.run(
      call.key,
      call.step,
      call.state,
      call.codeHash,
      call.version,
      JSON.stringify(call.argHashes),
      call.inputsRef,
      call.resultRef,
      call.error ? JSON.stringify(call.error) : null,
      call.runId,
      call.location,
      call.attempts,
      call.createdAt,
      call.startedAt,
      call.endedAt,
      call.state === "failed" ? (f?.reason ?? "exception") : null,
      call.state === "failed" && f?.retryable ? 1 : 0,
      call.state === "failed" ? (f?.retryState ?? "non-retryable") : null,
    );
  }

  /**
   * Records a job before it is submitted: the job (`staged`), its calls (`pending`), its
   * elements (`pending`), and each call's row (`running`, one more attempt, its inputs).
   * No call may be in a live job already, and every call must be claimed by `owner` (or
   * have no live claim); otherwise nothing is written.
   *
   * @param job The job.
   * @param calls Its calls.
   * @param ctx Owner and time.
   * @returns The job id, or the keys another process holds (nothing written).
   */
  enqueueJob(
    job: NewJob,
    calls: readonly JobCallDraft[],
    ctx: { readonly owner: string; readonly now: number; readonly leaseMs: number },
  ): { jobId: number } | { conflicts: string[] } {
    return this.#tx(() => {
      const conflicts: string[] = [];
      let leavesDone = false;
      for (const c of calls) {
        // Never two live job calls for one key, whoever asks.
        if (this.#s.liveJob.get(c.key)) {
          conflicts.push(c.key);
          continue;
        }
        const row = this.#s.claimRow.get(c.key);
        if (row && String(row.state) === "done") leavesDone = true;
        const owner = row?.owner == null ? null : String(row.owner);
        const lease = row?.lease_until == null ? null : Number(row.lease_until);
        if (
          row && String(row.state) === "running" && owner !== ctx.owner &&
          !this.claimDead(owner, lease, ctx.now)
        ) {
          conflicts.push(c.key);
        }
      }
      if (conflicts.length > 0) return { conflicts };
      if (leavesDone) dropResultSets(this.#db);
      const jobId = insertJobRows(this.#db, job, calls);
      const call = this.#db.prepare(
        `UPDATE calls SET state = 'running', owner = ?, lease_until = ?, inputs_ref = ?,
           location = ?, run_id = ?, attempts = attempts + 1, started_at = ?, ended_at = NULL,
           result_ref = NULL
         WHERE key = ?`,
      );
      for (const c of calls) {
        call.run(
          ctx.owner,
          ctx.now + ctx.leaseMs,
          c.inputsRef,
          job.system,
          job.runId,
          ctx.now,
          c.key,
        );
      }
      return { jobId };
    });
  }

  /**
   * Notes that a job's submission starts now (a crash from here on may leave a job the
   * scheduler got: recovery waits for it to show up by name before submitting again).
   *
   * @param jobId The job.
   * @param now The time.
   * @returns Whether the job is still staged.
   */
  markSubmitting(jobId: number, now: number): boolean {
    return this.#changed(
      "UPDATE jobs SET submit_started_at = ? WHERE id = ? AND state = 'staged'",
      now,
      jobId,
    );
  }

  /**
   * staged -> submitted: the scheduler accepted the job.
   *
   * @param jobId The job.
   * @param schedulerId Its id (`""` when found by its markers).
   * @param now The time.
   * @returns Whether it applied (false when the job was cancelled meanwhile).
   */
  markSubmitted(jobId: number, schedulerId: string, now: number): boolean {
    return this.#changed(
      "UPDATE jobs SET state = 'submitted', scheduler_id = ?, submitted_at = ? WHERE id = ? AND state = 'staged'",
      schedulerId || null,
      now,
      jobId,
    );
  }

  /**
   * staged -> refused: the scheduler would not take the job. Its calls fail with reason
   * `refused` (retried by a later run, not within this one).
   *
   * @param jobId The job.
   * @param message The scheduler's answer.
   * @param now The time.
   * @returns The keys of the calls failed.
   */
  refuseJob(jobId: number, message: string, now: number): string[] {
    return this.#tx(() => {
      const r = this.#db.prepare(
        "UPDATE jobs SET state = 'refused', ended_at = ?, error = ? WHERE id = ? AND state = 'staged'",
      ).run(now, message, jobId);
      if (Number(r.changes) === 0) return [];
      const keys = this.#pendingKeys(jobId);
      for (const key of keys) {
        this.#decideJobCall(
          jobId,
          key,
          { state: "failed", reason: "refused", detail: message },
          now,
        );
        this.#failRunning(
          key,
          {
            reason: "refused",
            retryable: true,
            retryState: "refused",
          },
          { name: "SubmitError", message },
          now,
        );
      }
      this.#db.prepare("UPDATE job_elements SET state = 'decided', since = ? WHERE job_id = ?")
        .run(now, jobId);
      return keys;
    });
  }

  /**
   * staged | submitted -> cancelled (`drover jobs cancel`). Its undecided calls stay
   * undecided: whoever waits for them restarts them.
   *
   * @param jobId The job.
   * @param now The time.
   * @param message Why.
   * @returns Whether it applied.
   */
  cancelJob(jobId: number, now: number, message?: string): boolean {
    return this.#tx(() => {
      const done = this.#changed(
        "UPDATE jobs SET state = 'cancelled', ended_at = ?, error = ? WHERE id = ? AND state IN ('staged', 'submitted')",
        now,
        message ?? null,
        jobId,
      );
      if (done) logPendingChanges(this.#db, jobId);
      return done;
    });
  }

  /**
   * Applies one poll's findings for one job in one transaction: decides calls, moves
   * elements, notes the pending reason, and ends the job (`submitted -> finished`) when no
   * call is left pending.
   *
   * @param update What the poll found.
   * @param now The time.
   * @returns The keys decided now (a call decided before is not decided twice).
   */
  applyPoll(update: JobPollUpdate, now: number): string[] {
    return this.#tx(() => {
      const decided: string[] = [];
      for (const [key, d] of update.decisions) {
        if (!this.#decideJobCall(update.jobId, key, d, now)) continue;
        decided.push(key);
        if (d.state === "done") {
          this.#db.prepare(
            "INSERT OR IGNORE INTO remote_objects (hash, system, size) VALUES (?, ?, ?)",
          ).run(d.resultRef, update.system, d.size);
          this.#db.prepare(
            `UPDATE calls SET state = 'done', result_ref = ?, error = NULL, failure_reason = NULL,
               retryable = 0, retry_state = NULL, owner = NULL, lease_until = NULL, ended_at = ?,
               started_at = COALESCE(?, started_at)
             WHERE key = ? AND state = 'running'`,
          ).run(d.resultRef, now, d.runMs === undefined ? null : now - d.runMs, key);
        } else if (d.reason === "exception" || d.reason === "crashed") {
          this.#failRunning(
            key,
            { reason: d.reason, retryable: false, retryState: "non-retryable" },
            d.error ??
              { name: d.reason === "crashed" ? "CallCrashedError" : "Error", message: d.detail },
            now,
          );
        }
      }
      const setEl = this.#db.prepare(
        `UPDATE job_elements SET state = ?, since = CASE WHEN state = ? THEN since ELSE ? END,
           exit_code = ?, native = ?, reason = ?
         WHERE job_id = ? AND element = ? AND state != 'decided'`,
      );
      for (const e of update.elements) {
        setEl.run(
          e.state,
          e.state,
          now,
          e.exitCode ?? null,
          e.native ?? null,
          e.reason ?? null,
          update.jobId,
          e.element,
        );
      }
      if (update.pendingReason !== undefined) {
        this.#db.prepare("UPDATE jobs SET pending_reason = ? WHERE id = ?")
          .run(update.pendingReason, update.jobId);
      }
      if (this.#pendingKeys(update.jobId).length === 0) {
        this.#db.prepare(
          "UPDATE jobs SET state = 'finished', ended_at = ?, pending_reason = NULL WHERE id = ? AND state = 'submitted'",
        ).run(now, update.jobId);
        this.#db.prepare("UPDATE job_elements SET state = 'decided' WHERE job_id = ?")
          .run(update.jobId);
      }
      return decided;
    });
  }

  /**
   * running -> failed, for good in this run: a transient failure whose restarts are used up
   * (`max-restarts`, retried by a later run), or a failure before any job was recorded.
   *
   * @param key The call.
   * @param failure drover's verdict.
   * @param error The error to store.
   * @param now The time.
   * @returns Whether it applied.
   */
  giveUp(key: string, failure: CallFailure, error: StoredError, now: number): boolean {
    return this.#tx(() => this.#failRunning(key, failure, error, now));
  }

  /**
   * done -> failed (`result-missing`, retryable): the result object is gone or corrupt on
   * the system that held it, so the store stops pointing at it and the call runs again.
   *
   * @param key The call.
   * @param system The system that should have held it.
   * @param now The time.
   * @returns Whether it applied.
   */
  forgetResult(key: string, system: string, now: number): boolean {
    return this.#tx(() => {
      const row = this.#db.prepare("SELECT result_ref FROM calls WHERE key = ? AND state = 'done'")
        .get(key);
      if (!row) return false;
      if (row.result_ref != null) {
        this.#db.prepare("DELETE FROM remote_objects WHERE hash = ? AND system = ?")
          .run(String(row.result_ref), system);
      }
      dropResultSets(this.#db);
      this.#db.prepare(
        `UPDATE calls SET state = 'failed', result_ref = NULL, ended_at = ?,
           error = ?, failure_reason = 'result-missing', retryable = 1, retry_state = 'max-restarts'
         WHERE key = ? AND state = 'done'`,
      ).run(
        now,
        JSON.stringify({
          name: "ResultMissingError",
          message: `the result object of call ${key} is missing or corrupt on system "${system}"`,
        }),
        key,
      );
      return true;
    });
  }

  #failRunning(key: string, failure: CallFailure, error: StoredError, now: number): boolean {
    const r = this.#db.prepare(
      `UPDATE calls SET state = 'failed', error = ?, failure_reason = ?, retryable = ?,
         retry_state = ?, owner = NULL, lease_until = NULL, ended_at = ?, result_ref = NULL
       WHERE key = ? AND state = 'running'`,
    ).run(
      JSON.stringify(error),
      failure.reason,
      failure.retryable ? 1 : 0,
      failure.retryState,
      now,
      key,
    );
    return Number(r.changes) > 0;
  }

  #decideJobCall(jobId: number, key: string, d: JobCallDecision, now: number): boolean {
    const r = this.#db.prepare(
      `UPDATE job_calls SET state = ?, reason = ?, detail = ?, result_ref = ?, decided_at = ?
       WHERE job_id = ? AND key = ? AND state = 'pending'`,
    ).run(
      d.state satisfies JobCallState,
      d.state === "failed" ? d.reason : null,
      d.state === "failed" ? d.detail : null,
      d.state === "done" ? d.resultRef : null,
      now,
      jobId,
      key,
    );
    if (Number(r.changes) === 0) return false;
    this.#db.prepare(
      "INSERT INTO job_changes (system, key) SELECT system, ? FROM jobs WHERE id = ?",
    )
      .run(key, jobId);
    return true;
  }

  #pendingKeys(jobId: number): string[] {
    return this.#db.prepare("SELECT key FROM job_calls WHERE job_id = ? AND state = 'pending'")
      .all(jobId).map((r) => String(r.key));
  }

  #changed(sql: string, ...params: SQLInputValue[]): boolean {
    return guard(this.#path, () => Number(this.#db.prepare(sql).run(...params).changes) > 0);
  }

  #tx<T>(fn: () => T): T {
    return transaction(this.#db, this.#path, fn);
  }
}

/**
 * The failure reasons drover restarts within a run. `exception` is the user's; `refused`
 * would be refused again.
 *
 * @param reason The reason.
 * @returns Whether restarting can help.
 *
 * @example
 * ```ts
 * import { isTransient } from "./ledger.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isTransient("timeout"), true);
 * assert.equal(isTransient("exception"), false);
 * ```
 */
export function isTransient(reason: FailureReason): boolean {
  return reason !== "exception" && reason !== "refused" && reason !== "crashed";
}

/** Re-exported for callers that build failures. */
export type { CallFailure, FailureReason, RetryState };
