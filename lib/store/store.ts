/**
 * The project store: one SQLite database plus content-addressed objects under `.drover/`.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { join } from "node:path";
import { sha256Hex } from "../codec/mod.ts";
import { guard, openDatabase, transaction } from "./database.ts";
import { StoreError } from "./errors.ts";
import { queryWithFilter } from "./filter.ts";
import { type ObjectEvent, ObjectStore } from "./objects.ts";
import { findProjectDir } from "./project.ts";
import { JobStore } from "./jobs.ts";
import { FlowRunStore } from "./flow_runs.ts";
import { CallLedger } from "./ledger.ts";
import { QueueStore } from "./queue_store.ts";
import { ResultSets } from "./result_sets.ts";
import { RunStore } from "./runs.ts";
import { CodeStore } from "./code_records.ts";
import type {
  CallFailure,
  CallRecord,
  CallState,
  FailureReason,
  RetryState,
  StoredError,
} from "./records.ts";

export { FilterError, hasStatementBreak } from "./filter.ts";

/** Options for {@linkcode openStore}. */
export interface OpenStoreOptions {
  /** The `.drover` directory. Default: {@linkcode findProjectDir} from `cwd`. */
  readonly dir?: string;
  /** Where to start looking when `dir` is absent. Default: `Deno.cwd()`. */
  readonly cwd?: string;
  /** Receives what the store notices (corrupted objects). */
  readonly onEvent?: (event: ObjectEvent) => void;
}

/** Filter for listing, counting and removing calls. */
export interface CallFilter {
  /** Only this step. */
  readonly step?: string;
  /** Only these states. */
  readonly states?: readonly CallState[];
  /** A raw SQL boolean expression over the `calls` table's columns. */
  readonly where?: string;
  /** Only calls last run by this run. */
  readonly runId?: number;
  /** Only these keys (or unique key prefixes of at least 6 characters). */
  readonly keys?: readonly string[];
  /** At most this many rows, newest first. */
  readonly limit?: number;
}

/** What the cache needs to know about a call: see {@linkcode Store.lookupCall}. */
export interface CallLookup {
  /** Current state. */
  readonly state: CallState;
  /** Reference of the result object. */
  readonly resultRef: string | null;
  /** Verified result bytes, when done and intact. */
  readonly result: Uint8Array | undefined;
  /** The stored error, when failed. */
  readonly error: StoredError | null;
  /** How many attempts were made. */
  readonly attempts: number;
  /** When the row was first written. */
  readonly createdAt: number;
  /** drover's verdict, when failed. */
  readonly failure?: CallFailure | null;
  /** Who claims the call while it runs (`host:pid:nonce`). */
  readonly owner?: string | null;
  /** Until when the claim holds, ms. */
  readonly leaseUntil?: number | null;
  /** Where it runs or ran. */
  readonly location?: string;
}

/** Count of calls for one step and state. */
export interface StepStateCount {
  /** Step name. */
  readonly step: string;
  /** State. */
  readonly state: CallState;
  /** How many. */
  readonly count: number;
}

const CALL_COLUMNS =
  "key, step, state, code_hash, version, arg_hashes, inputs_ref, result_ref, error, run_id, location, attempts, created_at, started_at, ended_at, failure_reason, retryable, retry_state";

/**
 * The open store of one project. Dispose it (or call `close`) when done.
 *
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const runId = store.runs.start({ script: "x.ts", argv: [], cwd: dir });
 * assert.equal(store.runs.get(runId)?.status, "running");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Store implements Disposable {
  /** The `.drover` directory. */
  readonly dir: string;
  /** The database file. */
  readonly dbPath: string;
  /** The object store. */
  readonly objects: ObjectStore;
  /** The job tables (reads, and the poll turn). */
  readonly jobs: JobStore;
  /** The only writer of call, job, job-call and element state. */
  readonly ledger: CallLedger;
  /** Flow runs: their steps, elements and logs. */
  readonly flowRuns: FlowRunStore;
  /** Table queues: tables, tasks, items. */
  readonly queue: QueueStore;
  /** Results of chunks of finished calls, one row each, for fast replays. */
  readonly resultSets: ResultSets;
  /** Script runs: one row per run of a workflow script. */
  readonly runs: RunStore;
  /** Code identities: their parts, and the identity cached per step and file. */
  readonly code: CodeStore;
  /**
   * Whether calls may be recorded under keys of drover 0.1's hashing rules: true for a
   * store that an earlier version made, false for one made since the rules are marked
   * (`meta.key_rules`), where a cache miss is not looked up a second time.
   */
  readonly mayHoldLegacyKeys: boolean;
  readonly #db: DatabaseSync;
  readonly #getCall: StatementSync;
  readonly #lookup: StatementSync;
  readonly #lookupDone: StatementSync;
  #doneResults: StatementSync | undefined;
  #hasResult: StatementSync | undefined;
  #closed = false;

  /**
   * Use {@linkcode openStore}.
   *
   * @param dir The `.drover` directory (must exist).
   * @param options Event sink.
   */
  constructor(dir: string, options: OpenStoreOptions = {}) {
    this.dir = dir;
    this.dbPath = join(dir, "drover.db");
    this.#db = openDatabase(this.dbPath);
    this.objects = new ObjectStore(this.#db, dir, this.dbPath, { onEvent: options.onEvent });
    this.jobs = new JobStore(this.#db, this.dbPath);
    this.ledger = new CallLedger(this.#db, this.dbPath, this.objects);
    this.flowRuns = new FlowRunStore(this.#db, this.dbPath);
    this.queue = new QueueStore(this.#db, this.dbPath);
    this.resultSets = new ResultSets(this.#db, this.dbPath);
    this.runs = new RunStore(this.#db, this.dbPath);
    this.code = new CodeStore(this.#db, this.dbPath);
    this.mayHoldLegacyKeys = guard(
      this.dbPath,
      () => this.#db.prepare("SELECT 1 AS x FROM meta WHERE key = 'key_rules'").get(),
    ) === undefined;
    this.#getCall = this.#db.prepare(`SELECT ${CALL_COLUMNS} FROM calls WHERE key = ?`);
    this.#lookup = this.#db.prepare(
      `SELECT c.state, c.result_ref, c.error, c.attempts, c.created_at, c.failure_reason,
         c.retryable, c.retry_state, c.owner, c.lease_until, c.location, o.data
       FROM calls c LEFT JOIN objects o ON o.hash = c.result_ref WHERE c.key = ?`,
    );
    // The cache hit's query: only what a done row has, as an array (no column names).
    this.#lookupDone = this.#db.prepare(
      `SELECT c.state, c.result_ref, c.attempts, c.created_at, c.location, o.data
       FROM calls c LEFT JOIN objects o ON o.hash = c.result_ref WHERE c.key = ?`,
    );
    (this.#lookupDone as StatementSync & { setReturnArrays(on: boolean): void })
      .setReturnArrays(true);
  }

  /** The raw connection, for adapters within lib/store. */
  get db(): DatabaseSync {
    return this.#db;
  }

  /**
   * Runs `fn` in one write transaction.
   *
   * @param fn The work.
   * @returns What `fn` returns.
   */
  transaction<T>(fn: () => T): T {
    return transaction(this.#db, this.dbPath, fn);
  }

  /**
   * Looks up one call by its full key.
   *
   * @param key The call key.
   * @returns The record, or undefined.
   */
  getCall(key: string): CallRecord | undefined {
    const row = guard(this.dbPath, () => this.#getCall.get(key));
    return row ? toCall(row) : undefined;
  }

  /**
   * The cache lookup of the hot path: a call's outcome and its result bytes in one query.
   * Result bytes are verified against their hash; corrupted or missing ones come back as
   * `result: undefined` (and corruption is reported through `onEvent`).
   *
   * @param key The call key.
   * @returns The outcome, or undefined when no call has this key.
   */
  lookupCall(key: string): CallLookup | undefined {
    const done = guard(this.dbPath, () => this.#lookupDone.get(key)) as unknown as
      | [string, string | null, number, number, string, Uint8Array | null]
      | undefined;
    if (!done) return undefined;
    if (done[0] === "done" && done[1] !== null) {
      // A done row has no error, failure or claim (every transition to done clears them).
      const [, resultRef, attempts, createdAt, location, inline] = done;
      return {
        state: "done",
        resultRef,
        result: inline && sha256Hex(inline) === resultRef ? inline : this.objects.get(resultRef),
        error: null,
        attempts: Number(attempts),
        createdAt: Number(createdAt),
        failure: null,
        owner: null,
        leaseUntil: null,
        location: String(location),
      };
    }
    const row = guard(this.dbPath, () => this.#lookup.get(key));
    if (!row) return undefined;
    const resultRef = row.result_ref == null ? null : String(row.result_ref);
    let result: Uint8Array | undefined;
    if (resultRef && row.state === "done") {
      const inline = row.data as Uint8Array | null;
      result = inline && sha256Hex(inline) === resultRef ? inline : this.objects.get(resultRef);
    }
    return {
      state: row.state as CallState,
      resultRef,
      result,
      error: row.error == null ? null : JSON.parse(String(row.error)) as StoredError,
      attempts: Number(row.attempts),
      createdAt: Number(row.created_at),
      failure: failureOf(row),
      owner: row.owner == null ? null : String(row.owner),
      leaseUntil: row.lease_until == null ? null : Number(row.lease_until),
      location: String(row.location),
    };
  }

  /**
   * The batch form of the cache's hit path: the result bytes of those of `keys` whose calls
   * are done with an intact result here (inline and verified against its hash, or in the
   * object store), in one query per 10,000 keys. A key left out needs the full lookup
   * ({@linkcode Store.lookupCall}): absent, running, failed, or its result is elsewhere.
   *
   * @param keys Call keys.
   * @returns Result bytes by key.
   *
   * @example
   * ```ts
   * import { openStore } from "./store.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * using store = openStore({ dir: `${dir}/.drover` });
   * assert.equal(store.doneResults(["ab".repeat(32)]).size, 0);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  doneResults(keys: readonly string[]): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    const stmt = this.#doneResults ??= this.#db.prepare(
      `SELECT c.key, c.result_ref, o.data FROM calls c
         LEFT JOIN objects o ON o.hash = c.result_ref
       WHERE c.key IN (SELECT value FROM json_each(?)) AND +c.state = 'done'
         AND c.result_ref IS NOT NULL`,
      // `+c.state`: look the keys up by primary key. Left to itself SQLite walks every done
      // call through calls_state and tests each against the list (220 ms a chunk at 100k).
    );
    // In key order, each lookup's index pages are next to the previous one's.
    const sorted = [...keys].sort();
    for (let i = 0; i < sorted.length; i += 10_000) {
      const chunk = JSON.stringify(sorted.slice(i, i + 10_000));
      const rows = guard(this.dbPath, () => stmt.all(chunk));
      for (const row of rows) {
        const ref = String(row.result_ref);
        const inline = row.data as Uint8Array | null;
        const bytes = inline && sha256Hex(inline) === ref ? inline : this.objects.get(ref);
        if (bytes) out.set(String(row.key), bytes);
      }
    }
    return out;
  }

  /**
   * Inserts or replaces a call row as given (keyed by `key`; `created_at` of an existing row
   * is kept). For imports and test fixtures: the runtime moves calls through
   * {@linkcode Store.ledger}'s guarded transitions.
   *
   * @param call The record.
   */
  putCall(call: CallRecord): void {
    this.ledger.putRecord(call);
  }

  /**
   * Resolves a key prefix (as shown by `calls ls`) to full keys.
   *
   * @param prefix At least 6 hex characters.
   * @returns Matching full keys (empty, one, or ambiguous several).
   */
  resolveKey(prefix: string): string[] {
    if (!/^[0-9a-f]{6,64}$/.test(prefix)) return [];
    const rows = guard(
      this.dbPath,
      () =>
        this.#db.prepare("SELECT key FROM calls WHERE key >= ? AND key < ? LIMIT 10").all(
          prefix,
          prefix + "g",
        ),
    );
    return rows.map((r) => String(r.key));
  }

  /**
   * Lists calls matching a filter, newest first.
   *
   * @param filter Step, states, raw SQL, keys, limit.
   * @returns The records.
   * @throws {FilterError} for an invalid `where` clause (nothing is changed).
   */
  listCalls(filter: CallFilter = {}): CallRecord[] {
    const { sql, params } = filterSql(filter);
    const limit = filter.limit ? ` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : "";
    const query = `SELECT ${CALL_COLUMNS} FROM calls ${sql} ORDER BY created_at DESC, key${limit}`;
    return this.#readFiltered(filter.where, query, params).map(toCall);
  }

  /**
   * Counts calls by step and state.
   *
   * @param filter Optional filter.
   * @returns One entry per (step, state) present.
   */
  countCalls(filter: CallFilter = {}): StepStateCount[] {
    const { sql, params } = filterSql(filter);
    const query =
      `SELECT step, state, COUNT(*) AS n FROM calls ${sql} GROUP BY step, state ORDER BY step, state`;
    return this.#readFiltered(filter.where, query, params).map((r) => ({
      step: String(r.step),
      state: r.state as CallState,
      count: Number(r.n),
    }));
  }

  /**
   * Removes calls matching a filter. The keys are selected first (a `where` clause on a
   * read-only connection, holding no write lock however long it takes), then deleted in
   * one short write transaction; a call whose state changed in between is kept.
   *
   * @param filter Which calls.
   * @param options `dryRun` only selects.
   * @returns The keys removed (or that would be).
   * @throws {FilterError} for an invalid `where` clause (nothing is changed).
   */
  removeCalls(filter: CallFilter, options: { readonly dryRun?: boolean } = {}): string[] {
    const selected = this.listCalls(filter).map((c) => ({ key: c.key, state: c.state }));
    if (options.dryRun) return selected.map((c) => c.key);
    return this.removeSelectedCalls(selected);
  }

  /**
   * Deletes calls selected earlier, in one short write transaction, each only when its
   * state is still the one seen when it was selected.
   *
   * @param calls Keys and the states they had when selected.
   * @returns The keys deleted.
   */
  removeSelectedCalls(calls: readonly { key: string; state: CallState }[]): string[] {
    if (calls.length === 0) return [];
    const del = this.#db.prepare("DELETE FROM calls WHERE key = ? AND state = ?");
    return this.transaction(() =>
      calls.filter((c) => Number(del.run(c.key, c.state).changes) > 0).map((c) => c.key)
    );
  }

  /**
   * Whether a call is done and its result's bytes are in this store (not only on the
   * system that made it).
   *
   * @param key The call key.
   * @returns True when {@linkcode Store.lookupCall} can hand the result back.
   */
  hasResult(key: string): boolean {
    const stmt = this.#hasResult ??= this.#db.prepare(
      `SELECT 1 AS x FROM calls c JOIN objects o ON o.hash = c.result_ref
       WHERE c.key = ? AND c.state = 'done'`,
    );
    return guard(this.dbPath, () => stmt.get(key)) !== undefined;
  }

  /** Whether {@linkcode Store.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the database. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  /** Same as {@linkcode Store.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #readFiltered(
    where: string | undefined,
    query: string,
    params: SQLInputValue[],
  ): Record<string, SQLInputValue>[] {
    if (where === undefined) {
      return guard(this.dbPath, () => this.#db.prepare(query).all(...params));
    }
    return queryWithFilter(this.dbPath, where, query, params);
  }
}

/**
 * Opens the project store, creating `.drover/` and the database on first use.
 *
 * @param options Directory or start directory, event sink.
 * @returns The open store.
 * @throws {StoreError} when the directory cannot be created or the database opened.
 *
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = openStore({ cwd: dir });
 * assert.equal(store.dir, `${dir}/.drover`);
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openStore(options: OpenStoreOptions = {}): Store {
  const dir = options.dir ?? findProjectDir({ cwd: options.cwd });
  try {
    Deno.mkdirSync(join(dir, "objects"), { recursive: true });
  } catch (cause) {
    throw new StoreError(
      `Cannot create store "${dir}": ${(cause as Error).message}`,
      dir,
      { cause },
    );
  }
  return new Store(dir, options);
}

function filterSql(filter: CallFilter): { sql: string; params: SQLInputValue[] } {
  const clauses: string[] = [];
  const params: SQLInputValue[] = [];
  if (filter.step !== undefined) {
    clauses.push("step = ?");
    params.push(filter.step);
  }
  if (filter.states?.length) {
    clauses.push(`state IN (${filter.states.map(() => "?").join(", ")})`);
    params.push(...filter.states);
  }
  if (filter.runId !== undefined) {
    clauses.push("run_id = ?");
    params.push(filter.runId);
  }
  if (filter.keys?.length) {
    clauses.push(`(${filter.keys.map(() => "key LIKE ?").join(" OR ")})`);
    params.push(...filter.keys.map((k) => `${k.replace(/[^0-9a-f]/g, "")}%`));
  }
  // The line break ends a trailing -- comment of the clause before its closing parenthesis.
  if (filter.where !== undefined) clauses.push(`(${filter.where}\n)`);
  return { sql: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "", params };
}

function toCall(r: Record<string, SQLInputValue>): CallRecord {
  return {
    key: String(r.key),
    step: String(r.step),
    state: r.state as CallState,
    codeHash: String(r.code_hash),
    version: String(r.version),
    argHashes: JSON.parse(String(r.arg_hashes)),
    inputsRef: r.inputs_ref == null ? null : String(r.inputs_ref),
    resultRef: r.result_ref == null ? null : String(r.result_ref),
    error: r.error == null ? null : JSON.parse(String(r.error)) as StoredError,
    runId: r.run_id == null ? null : Number(r.run_id),
    location: String(r.location),
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
    startedAt: r.started_at == null ? null : Number(r.started_at),
    endedAt: r.ended_at == null ? null : Number(r.ended_at),
    ...withFailure(r),
  };
}

function withFailure(r: Record<string, SQLInputValue>): { failure?: CallFailure } {
  const failure = failureOf(r);
  return failure ? { failure } : {};
}

function failureOf(r: Record<string, SQLInputValue>): CallFailure | null {
  if (r.state !== "failed" || r.failure_reason == null) return null;
  return {
    reason: String(r.failure_reason) as FailureReason,
    retryable: Number(r.retryable) === 1,
    retryState: (r.retry_state == null ? "non-retryable" : String(r.retry_state)) as RetryState,
  };
}
