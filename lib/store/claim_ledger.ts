/**
 * Claims (the first half of the ledger): before a call runs, here or in a job, the process
 * that will run it claims its row (`state = 'running'`, `owner`, `lease_until`). Another
 * process finding the row claimed by a live owner waits for it; a claim whose owner died
 * (its process is gone on this host, or its lease ran out) is taken over. The ledger
 * ({@link ./ledger.ts}) extends this class with the call and job transitions.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { sha256Hex } from "../codec/mod.ts";
import { guard, transaction } from "./database.ts";
import type { CallState } from "./records.ts";
import { dropResultSets } from "./result_sets.ts";
import type { ClaimContext, ClaimEntry, ClaimOutcome } from "./ledger_types.ts";

/** The claim transitions of the ledger; use `store.ledger`. */
export class ClaimLedger {
  readonly #cdb: DatabaseSync;
  readonly #cpath: string;
  readonly #host = hostName();
  #stmts: Record<string, StatementSync> | undefined;

  /**
   * Use `store.ledger`.
   *
   * @param db The connection.
   * @param path The database file, for error messages.
   */
  constructor(db: DatabaseSync, path: string) {
    this.#cdb = db;
    this.#cpath = path;
  }

  get #c(): Record<string, StatementSync> {
    return this.#stmts ??= {
      claimRow: this.#cdb.prepare(
        "SELECT state, owner, lease_until, error FROM calls WHERE key = ?",
      ),
      insertClaim: this.#cdb.prepare(
        `INSERT INTO calls (key, step, state, code_hash, version, arg_hashes, location, run_id,
           attempts, created_at, started_at, owner, lease_until)
         VALUES (?, ?, 'running', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
      ),
      updateClaim: this.#cdb.prepare(
        `UPDATE calls SET state = 'running', owner = ?, lease_until = ?, location = ?, run_id = ?,
           code_hash = ?, version = ?, arg_hashes = ?, started_at = ?
         WHERE key = ? AND state = ?`,
      ),
      takeOver: this.#cdb.prepare(
        `UPDATE calls SET owner = ?, lease_until = ?, run_id = ?
         WHERE key = ? AND state = 'running' AND owner IS ? AND lease_until IS ?`,
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
    const s = this.#c;
    const until = ctx.now + ctx.leaseMs;
    return transaction(this.#cdb, this.#cpath, () =>
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
        if (Number(r.changes) === 0) return "changed";
        // A done call claimed to run again (its result is gone): sets listing it go too.
        if (state === "done") dropResultSets(this.#cdb);
        return "claimed";
      }));
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
      guard(this.#cpath, () =>
        this.#cdb.prepare(
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
    return transaction(this.#cdb, this.#cpath, () => {
      const inJob =
        "EXISTS (SELECT 1 FROM job_calls jc WHERE jc.key = calls.key AND jc.state = 'pending')";
      const a = this.#cdb.prepare(
        `UPDATE calls SET owner = NULL, lease_until = NULL
         WHERE owner = ? AND state = 'running' AND ${inJob}`,
      ).run(owner);
      const b = this.#cdb.prepare(
        `UPDATE calls SET state = 'failed', owner = NULL, lease_until = NULL
         WHERE owner = ? AND state = 'running' AND error IS NOT NULL AND NOT ${inJob}`,
      ).run(owner);
      const c = this.#cdb.prepare(
        `DELETE FROM calls WHERE owner = ? AND state = 'running' AND NOT ${inJob}`,
      ).run(owner);
      return Number(a.changes) + Number(b.changes) + Number(c.changes);
    });
  }
}

/**
 * The owner id of this process for claims: `host:pid:nonce`.
 *
 * @returns A new owner id.
 *
 * @example
 * ```ts
 * import { newOwnerId } from "./claim_ledger.ts";
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
