/**
 * The call ledger: the only writer of a call's state (`calls`, `jobs`, `job_calls`,
 * `job_elements`). Each method is one named transition applied as guarded UPDATEs in one
 * transaction (compare-and-set on the state it expects), and says whether it applied, so
 * two processes sharing a store can never both move the same row.
 *
 * Claims: before a call runs (here or in a job), the process that will run it claims the
 * call's row (`state = 'running'`, `owner`, `lease_until`). Another process that finds the
 * row claimed by a live owner waits for it instead of running it again; a claim whose
 * owner died (its process is gone on this host, or its lease ran out) is taken over.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { sha256Hex } from "../codec/mod.ts";
import { guard, transaction } from "./database.ts";
import type { ObjectStore } from "./objects.ts";
import type {
  CallFailure,
  CallRecord,
  CallState,
  FailureReason,
  RetryState,
  StoredError,
} from "./records.ts";
import type { JobCallState, NewJob } from "./jobs.ts";

/** What a process needs to claim a call: the row written while it runs. */
export interface ClaimEntry {
  /** The call key. */
  readonly key: string;
  /** The step. */
  readonly step: string;
  /** Code identity hash. */
  readonly codeHash: string;
  /** The step's version salt. */
  readonly version: string;
  /** Hash of each argument. */
  readonly argHashes: Readonly<Record<string, string>>;
  /** Where it will run (`local`, `local:isolate`, a system name). */
  readonly location: string;
  /** The run claiming it. */
  readonly runId: number | null;
  /** The state the claimer saw when it decided to run the call. */
  readonly expect: CallState | "absent";
}

/**
 * How a claim went: `claimed` (the caller runs the call), `taken-over` (its owner died; the
 * caller runs it, or attaches to its job when one is live), `held` (a live owner runs it:
 * wait for it), `changed` (the row moved since the caller looked: look again).
 */
export type ClaimOutcome = "claimed" | "taken-over" | "held" | "changed";

/** Who claims, and until when. */
export interface ClaimContext {
  /** The claiming process: `host:pid:nonce`. */
  readonly owner: string;
  /** The time now, ms. */
  readonly now: number;
  /** How long a claim lasts without renewal, ms. */
  readonly leaseMs: number;
}

/** A finished local call to record, with the bytes of its objects. */
export interface FinishedCall {
  /** The record (`inputsRef`/`resultRef` name the bytes below). */
  readonly record: CallRecord;
  /** Encoded inputs. */
  readonly inputs: Uint8Array;
  /** Encoded result, when done. */
  readonly result: Uint8Array | undefined;
}

/** One call put in a job. */
export interface JobCallDraft {
  /** The call key. */
  readonly key: string;
  /** Its array element. */
  readonly element: number;
  /** The inputs object (already in the object store). */
  readonly inputsRef: string;
}

/** How a job call was decided by a poll. */
export type JobCallDecision =
  | { readonly state: "done"; readonly resultRef: string; readonly size: number }
  | {
    readonly state: "failed";
    readonly reason: FailureReason;
    readonly detail: string;
    /** For `exception`: the user's error, stored on the call. */
    readonly error?: StoredError;
  };

/** The persisted state of one array element. */
export type ElementState = "pending" | "running" | "missing" | "exited" | "decided";

/** Element transitions (from -> allowed to). `decided` is terminal. */
export const ELEMENT_TRANSITIONS: Readonly<Record<ElementState, readonly ElementState[]>> = {
  pending: ["pending", "running", "missing", "exited", "decided"],
  running: ["running", "missing", "exited", "decided"],
  missing: ["missing", "running", "exited", "decided"],
  exited: ["exited", "decided"],
  decided: [],
};

/** What a poll saw of one element. */
export interface ElementObservation {
  /** The element. */
  readonly element: number;
  /** Its state now. */
  readonly state: ElementState;
  /** Exit code, when exited. */
  readonly exitCode?: number;
  /** The scheduler's own state name, for display. */
  readonly native?: string;
  /** The scheduler's reason (`ReqNodeNotAvail`). */
  readonly reason?: string;
}

/** A persisted element. */
export interface ElementRecord extends ElementObservation {
  /** The job. */
  readonly jobId: number;
  /** Since when it is in this state, ms. */
  readonly since: number;
}

/** Everything one poll decided for one job, applied in one transaction. */
export interface JobPollUpdate {
  /** The job. */
  readonly jobId: number;
  /** The system it runs on (results live there). */
  readonly system: string;
  /** Calls decided. */
  readonly decisions: ReadonlyMap<string, JobCallDecision>;
  /** Elements whose state changed (or stayed missing). */
  readonly elements: readonly ElementObservation[];
  /** Why the scheduler keeps the job pending, if it says. */
  readonly pendingReason?: string | null;
}

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
export class CallLedger {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #objects: ObjectStore;
  readonly #host = hostName();
  #stmts: Record<string, StatementSync> | undefined;

  /**
   * Use `store.ledger`.
   *
   * @param db The connection.
   * @param path The database file, for error messages.
   * @param objects The object store (results and inputs are written with their rows).
   */
  constructor(db: DatabaseSync, path: string, objects: ObjectStore) {
    this.#db = db;
    this.#path = path;
    this.#objects = objects;
  }

  get #s(): Record<string, StatementSync> {
    return this.#stmts ??= {
      claimRow: this.#db.prepare(
        "SELECT state, owner, lease_until, error FROM calls WHERE key = ?",
      ),
      insertClaim: this.#db.prepare(
        `INSERT INTO calls (key, step, state, code_hash, version, arg_hashes, location, run_id,
           attempts, created_at, started_at, owner, lease_until)
         VALUES (?, ?, 'running', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
      ),
      updateClaim: this.#db.prepare(
        `UPDATE calls SET state = 'running', owner = ?, lease_until = ?, location = ?, run_id = ?,
           code_hash = ?, version = ?, arg_hashes = ?, started_at = ?
         WHERE key = ? AND state = ?`,
      ),
      takeOver: this.#db.prepare(
        `UPDATE calls SET owner = ?, lease_until = ?, run_id = ?
         WHERE key = ? AND state = 'running' AND owner IS ? AND lease_until IS ?`,
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
   * Claims calls for this process (one transaction for all of them).
   *
   * @param entries The calls, each with the state its claimer saw.
   * @param ctx Owner, time, lease.
   * @returns One outcome per entry, in order.
   */
  claim(entries: readonly ClaimEntry[], ctx: ClaimContext): ClaimOutcome[] {
    if (entries.length === 0) return [];
    const s = this.#s;
    const until = ctx.now + ctx.leaseMs;
    return this.#tx(() =>
      entries.map((e): ClaimOutcome => {
        const row = s.claimRow.get(e.key);
        if (!row) {
          if (e.expect !== "absent") return "changed";
          s.insertClaim.run(
            e.key,
            e.step,
            e.codeHash,
            e.version,
            JSON.stringify(e.argHashes),
            e.location,
            e.runId,
            ctx.now,
            ctx.now,
            ctx.owner,
            until,
          );
          return "claimed";
        }
        const state = String(row.state) as CallState;
        const owner = row.owner == null ? null : String(row.owner);
        const lease = row.lease_until == null ? null : Number(row.lease_until);
        if (state === "running") {
          if (owner === ctx.owner) return "claimed";
          if (!this.claimDead(owner, lease, ctx.now)) return "held";
          const r = s.takeOver.run(ctx.owner, until, e.runId, e.key, owner, lease);
          return Number(r.changes) > 0 ? "taken-over" : "changed";
        }
        if (state !== e.expect) return "changed";
        const r = s.updateClaim.run(
          ctx.owner,
          until,
          e.location,
          e.runId,
          e.codeHash,
          e.version,
          JSON.stringify(e.argHashes),
          ctx.now,
          e.key,
          state,
        );
        return Number(r.changes) > 0 ? "claimed" : "changed";
      })
    );
  }

  /**
   * Whether a claim's owner is gone: no owner, a lease that ran out, or a process of this
   * host that no longer exists.
   *
   * @param owner The owner (`host:pid:nonce`), or null.
   * @param leaseUntil The lease end, or null.
   * @param now The time now.
   * @returns True when the claim can be taken over.
   */
  claimDead(owner: string | null, leaseUntil: number | null, now: number): boolean {
    if (owner === null || leaseUntil === null || leaseUntil <= now) return true;
    const [host, pid] = owner.split(":");
    if (host === this.#host && /^\d+$/.test(pid ?? "")) return !processAlive(Number(pid));
    return false;
  }

  /**
   * Extends every claim of an owner.
   *
   * @param owner The owner.
   * @param until The new lease end.
   * @returns How many claims were renewed.
   */
  renewClaims(owner: string, until: number): number {
    return Number(
      guard(this.#path, () =>
        this.#db.prepare(
          "UPDATE calls SET lease_until = ? WHERE owner = ? AND state = 'running'",
        ).run(until, owner)).changes,
    );
  }

  /**
   * Gives up the claims of an owner on calls that are not in a live job (the process is
   * closing with calls unfinished): a call that had failed before goes back to `failed`,
   * others are removed, so the next run decides them afresh. Claims of calls in live jobs
   * just lose their owner (the job goes on; anyone may attach).
   *
   * @param owner The owner.
   * @returns How many claims were released.
   */
  releaseClaims(owner: string): number {
    return this.#tx(() => {
      const inJob =
        "EXISTS (SELECT 1 FROM job_calls jc WHERE jc.key = calls.key AND jc.state = 'pending')";
      const a = this.#db.prepare(
        `UPDATE calls SET owner = NULL, lease_until = NULL
         WHERE owner = ? AND state = 'running' AND ${inJob}`,
      ).run(owner);
      const b = this.#db.prepare(
        `UPDATE calls SET state = 'failed', owner = NULL, lease_until = NULL
         WHERE owner = ? AND state = 'running' AND error IS NOT NULL AND NOT ${inJob}`,
      ).run(owner);
      const c = this.#db.prepare(
        `DELETE FROM calls WHERE owner = ? AND state = 'running' AND NOT ${inJob}`,
      ).run(owner);
      return Number(a.changes) + Number(b.changes) + Number(c.changes);
    });
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
    guard(this.#path, () => this.#upsert(call));
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
      for (const c of calls) {
        // Never two live job calls for one key, whoever asks.
        if (this.#s.liveJob.get(c.key)) {
          conflicts.push(c.key);
          continue;
        }
        const row = this.#s.claimRow.get(c.key);
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
      const r = this.#db.prepare(
        `INSERT INTO jobs (name, system, step, state, size, attempt, spec, dir, run_id, created_at)
         VALUES (?, ?, ?, 'staged', ?, ?, ?, ?, ?, ?)`,
      ).run(
        job.name,
        job.system,
        job.step,
        job.size,
        job.attempt,
        JSON.stringify(job.spec),
        job.dir,
        job.runId,
        job.createdAt,
      );
      const jobId = Number(r.lastInsertRowid);
      const ins = this.#db.prepare(
        `INSERT INTO job_calls (job_id, key, element, inputs_ref, state)
         VALUES (?, ?, ?, ?, 'pending')`,
      );
      const el = this.#db.prepare(
        "INSERT OR IGNORE INTO job_elements (job_id, element, state, since) VALUES (?, ?, 'pending', ?)",
      );
      const call = this.#db.prepare(
        `UPDATE calls SET state = 'running', owner = ?, lease_until = ?, inputs_ref = ?,
           location = ?, run_id = ?, attempts = attempts + 1, started_at = ?, ended_at = NULL,
           result_ref = NULL
         WHERE key = ?`,
      );
      for (const c of calls) {
        ins.run(jobId, c.key, c.element, c.inputsRef);
        el.run(jobId, c.element, ctx.now);
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
    return this.#changed(
      "UPDATE jobs SET state = 'cancelled', ended_at = ?, error = ? WHERE id = ? AND state IN ('staged', 'submitted')",
      now,
      message ?? null,
      jobId,
    );
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
               retryable = 0, retry_state = NULL, owner = NULL, lease_until = NULL, ended_at = ?
             WHERE key = ? AND state = 'running'`,
          ).run(d.resultRef, now, key);
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
    return Number(r.changes) > 0;
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
 * The owner id of this process for claims: `host:pid:nonce`.
 *
 * @returns A new owner id.
 *
 * @example
 * ```ts
 * import { newOwnerId } from "./ledger.ts";
 * import assert from "node:assert/strict";
 * assert.match(newOwnerId(), new RegExp(`:${Deno.pid}:[0-9a-f]{8}$`));
 * ```
 */
export function newOwnerId(): string {
  return `${hostName()}:${Deno.pid}:${
    sha256Hex(crypto.getRandomValues(new Uint8Array(8))).slice(0, 8)
  }`;
}

function hostName(): string {
  try {
    return Deno.hostname().replaceAll(":", "_");
  } catch {
    return "localhost";
  }
}

function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (e) {
    // Without /proc (not Linux) assume alive: the lease decides.
    return !(e instanceof Deno.errors.NotFound);
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
