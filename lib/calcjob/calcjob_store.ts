/**
 * The calcjob tables of the project store: labelled objects, codes, calcjobs, their files
 * and state history. `add` writes a whole plan in one transaction.
 *
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import type { Resources } from "../systems/mod.ts";
import { queryWithFilter, type Store } from "../store/mod.ts";
import type { AddPlan, PlannedCode } from "./plan_add.ts";

/**
 * A calcjob's state: `created` by `drover add`; later states belong to its lifecycle.
 * `retrying`: it ended with a transient failure and waits for the next retry array.
 */
export type CalcJobState =
  | "created"
  | "uploading"
  | "submitting"
  | "submitted"
  | "retrying"
  | "downloading"
  | "completed"
  | "failed";

/**
 * The states a calcjob may move to from each state. `uploading` … `downloading` are each
 * written before the step they name, so a run killed at any point resumes at that step. A
 * transient failure with retries left goes `submitted` → `retrying` → `uploading` (a new
 * array of the retried calcjobs).
 */
export const CALCJOB_TRANSITIONS: Readonly<Record<CalcJobState, readonly CalcJobState[]>> = {
  created: ["uploading"],
  uploading: ["submitting", "failed"],
  submitting: ["submitted", "failed"],
  submitted: ["downloading", "failed", "retrying"],
  retrying: ["uploading"],
  downloading: ["completed", "failed"],
  completed: [],
  failed: [],
};

/** One stored calcjob. */
export interface CalcJobRecord {
  /** Its UUID. */
  readonly id: string;
  /** Its number in the order added (1, 2, ...). */
  readonly seq: number;
  /** Its label; `""` when none. */
  readonly label: string;
  /** Its code's label. */
  readonly code: string;
  /** Its system's name. */
  readonly system: string;
  /** Template parameters. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Resources (ms, bytes). */
  readonly resources: Resources;
  /** sha256 of the rendered job script. */
  readonly scriptSha256: string;
  /** Download globs. */
  readonly download: readonly string[];
  /** Its state. */
  readonly state: CalcJobState;
  /** Its array's job name, once batched. */
  readonly batch: string | null;
  /** Its element index in the array, once batched. */
  readonly element: number | null;
  /** The scheduler's id of its array, once submitted. */
  readonly schedulerId: string | null;
  /** Why it failed, when it did. */
  readonly reason: string | null;
  /** The job's exit code, when known. */
  readonly exitCode: number | null;
  /** Arrays it was put in so far (1 + retries used; 0 before its first). */
  readonly attempts: number;
  /** Its retry limit from the jobs file; null: the run's default. */
  readonly maxRetries: number | null;
  /** When it was added (ms since the epoch). */
  readonly createdAt: number;
  /** When its state last changed. */
  readonly updatedAt: number;
}

/** A file recorded for a calcjob. */
export interface CalcJobFile {
  /** `in`: uploaded; `out`: downloaded. */
  readonly direction: "in" | "out";
  /** Relative path in the calcjob's directory. */
  readonly path: string;
  /** sha256 of its content (an object of the store). */
  readonly sha256: string;
}

/** One state change of a calcjob. */
export interface CalcJobEvent {
  /** When (ms since the epoch). */
  readonly at: number;
  /** The state entered. */
  readonly state: string;
  /** A note (`exit code 3`). */
  readonly detail: string | null;
}

/** A label already naming something different in the store. */
export interface LabelConflict {
  /** `objects` or `codes`. */
  readonly kind: "objects" | "codes";
  /** The label. */
  readonly label: string;
}

/** What {@linkcode CalcJobStore.add} did. */
export type AddOutcome =
  | {
    readonly ok: true;
    /** Calcjobs added. */
    readonly added: number;
    /** Calcjobs already present (same definition). */
    readonly existing: number;
    /** Codes added. */
    readonly codes: number;
    /** Labelled objects added. */
    readonly objects: number;
  }
  | { readonly ok: false; readonly conflict: LabelConflict };

/** Which calcjobs {@linkcode CalcJobStore.list} returns. */
export interface CalcJobFilter {
  /** A SQL boolean expression over the `calcjobs` columns. */
  readonly where?: string;
  /** Only this system's. */
  readonly system?: string;
  /** Only in these states. */
  readonly states?: readonly CalcJobState[];
}

const COLUMNS = `id, seq, label, code, system, parameters, resources, script_sha256, download,
  state, batch, element, scheduler_id, reason, exit_code, attempts, created_at, updated_at,
  (SELECT max_retries FROM calcjob_retry_limits WHERE calcjob = calcjobs.id) AS max_retries`;

/**
 * The calcjob tables of one store.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "../store/mod.ts";
 * import { CalcJobStore } from "./calcjob_store.ts";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ cwd: dir });
 * const calcjobs = new CalcJobStore(store);
 * assert.deepEqual(calcjobs.list(), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class CalcJobStore {
  readonly #store: Store;

  /**
   * Creates an instance.
   *
   * @param store The open project store.
   */
  constructor(store: Store) {
    this.#store = store;
  }

  /**
   * Writes a plan in one transaction: objects, labelled objects, codes and calcjobs (a
   * calcjob already stored is left as it is). A label that names a different object or code
   * in the store aborts the whole add.
   *
   * @param plan What `planAdd` produced.
   * @param now The time to record.
   * @returns Counts, or the conflict (nothing written).
   */
  add(plan: AddPlan, now: number): AddOutcome {
    const db = this.#store.db;
    return this.#store.transaction((): AddOutcome => {
      let objects = 0;
      for (const [label, sha] of plan.objects) {
        const row = db.prepare("SELECT sha256 FROM calcjob_objects WHERE label = ?").get(label);
        if (row !== undefined && row.sha256 !== sha) {
          return { ok: false, conflict: { kind: "objects", label } };
        }
        if (row === undefined) {
          db.prepare("INSERT INTO calcjob_objects (label, sha256, created_at) VALUES (?, ?, ?)")
            .run(label, sha, now);
          objects++;
        }
      }
      let codes = 0;
      for (const code of plan.codes) {
        const spec = codeSpec(code);
        const row = db.prepare(
          "SELECT system, script_sha256, spec FROM calcjob_codes WHERE label = ?",
        )
          .get(code.label);
        if (
          row !== undefined &&
          (row.system !== code.system || row.script_sha256 !== code.scriptSha256 ||
            row.spec !== spec)
        ) {
          return { ok: false, conflict: { kind: "codes", label: code.label } };
        }
        if (row === undefined) {
          db.prepare(
            `INSERT INTO calcjob_codes (label, system, script_sha256, spec, created_at)
             VALUES (?, ?, ?, ?, ?)`,
          ).run(code.label, code.system, code.scriptSha256, spec, now);
          codes++;
        }
      }
      for (const [sha, bytes] of plan.blobs) this.#store.objects.put(bytes, sha);
      const next = Number(db.prepare("SELECT COALESCE(MAX(seq), 0) AS n FROM calcjobs").get()!.n);
      const insert = db.prepare(
        `INSERT INTO calcjobs (id, seq, label, code, system, parameters, resources, script_sha256,
           download, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'created', ?, ?) ON CONFLICT(id) DO NOTHING`,
      );
      const file = db.prepare(
        "INSERT INTO calcjob_files (calcjob, direction, path, sha256) VALUES (?, 'in', ?, ?)",
      );
      const event = db.prepare(
        "INSERT INTO calcjob_events (calcjob, at, state, detail) VALUES (?, ?, 'created', NULL)",
      );
      const limit = db.prepare(
        "INSERT INTO calcjob_retry_limits (calcjob, max_retries) VALUES (?, ?)",
      );
      let added = 0;
      for (const c of plan.calcjobs) {
        const r = insert.run(
          c.id,
          next + added + 1,
          c.label,
          c.code,
          c.system,
          JSON.stringify(c.parameters),
          JSON.stringify(c.resources),
          c.scriptSha256,
          JSON.stringify(c.download),
          now,
          now,
        );
        if (Number(r.changes) === 0) continue;
        added++;
        for (const f of c.upload) file.run(c.id, f.path, f.sha256);
        if (c.maxRetries !== undefined) limit.run(c.id, c.maxRetries);
        event.run(c.id, now);
      }
      return {
        ok: true,
        added,
        existing: plan.calcjobs.length - added,
        codes,
        objects,
      };
    });
  }

  /**
   * Lists calcjobs in the order added.
   *
   * @param filter A `--where` clause, a system, states.
   * @returns The records.
   * @throws {FilterError} When the clause is not one valid SQL expression.
   */
  list(filter: CalcJobFilter = {}): CalcJobRecord[] {
    const clauses: string[] = [];
    const params: SQLInputValue[] = [];
    if (filter.system !== undefined) {
      clauses.push("system = ?");
      params.push(filter.system);
    }
    if (filter.states?.length) {
      clauses.push(`state IN (${filter.states.map(() => "?").join(", ")})`);
      params.push(...filter.states);
    }
    if (filter.where !== undefined) clauses.unshift(`(${filter.where}\n)`);
    const sql = `SELECT ${COLUMNS} FROM calcjobs${
      clauses.length ? ` WHERE ${clauses.join(" AND ")}` : ""
    } ORDER BY seq`;
    const rows = filter.where !== undefined
      ? queryWithFilter(this.#store.dbPath, filter.where, sql, params, "calcjobs")
      : this.#store.db.prepare(sql).all(...params);
    return rows.map(toRecord);
  }

  /**
   * Finds one calcjob by its number, UUID or a unique UUID prefix.
   *
   * @param ref `12`, a UUID, or its first characters (4 or more).
   * @returns The matches (none, one, or several for an ambiguous prefix).
   */
  find(ref: string): CalcJobRecord[] {
    const db = this.#store.db;
    if (/^\d+$/.test(ref)) {
      return db.prepare(`SELECT ${COLUMNS} FROM calcjobs WHERE seq = ?`).all(Number(ref)).map(
        toRecord,
      );
    }
    if (ref.length < 4) return [];
    const escaped = ref.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    return db.prepare(`SELECT ${COLUMNS} FROM calcjobs WHERE id LIKE ? ESCAPE '\\' LIMIT 10`)
      .all(`${escaped}%`).map(toRecord);
  }

  /**
   * A calcjob's files.
   *
   * @param id Its UUID.
   * @returns Uploaded then downloaded files, by path.
   */
  files(id: string): CalcJobFile[] {
    return this.#store.db.prepare(
      "SELECT direction, path, sha256 FROM calcjob_files WHERE calcjob = ? ORDER BY direction, path",
    ).all(id).map((r) => ({
      direction: r.direction as "in" | "out",
      path: String(r.path),
      sha256: String(r.sha256),
    }));
  }

  /**
   * A calcjob's state history.
   *
   * @param id Its UUID.
   * @returns Events, oldest first.
   */
  events(id: string): CalcJobEvent[] {
    return this.#store.db.prepare(
      "SELECT at, state, detail FROM calcjob_events WHERE calcjob = ? ORDER BY rowid",
    ).all(id).map((r) => ({
      at: Number(r.at),
      state: String(r.state),
      detail: r.detail === null ? null : String(r.detail),
    }));
  }

  /**
   * Puts `created` or `retrying` calcjobs into arrays (`uploading`, with their job name and
   * element index; one more attempt, the last failure's reason and exit code cleared), all in
   * one transaction.
   *
   * @param batches Job names and members in element order.
   * @param now The time to record.
   * @returns How many calcjobs moved (those neither `created` nor `retrying` are left alone).
   */
  assign(
    batches: readonly { readonly name: string; readonly calcjobs: readonly { id: string }[] }[],
    now: number,
  ): number {
    const db = this.#store.db;
    return this.#store.transaction(() => {
      const update = db.prepare(
        `UPDATE calcjobs SET state = 'uploading', batch = ?, element = ?, updated_at = ?,
           attempts = attempts + 1, reason = NULL, exit_code = NULL, scheduler_id = NULL
         WHERE id = ? AND state IN ('created', 'retrying') RETURNING attempts`,
      );
      let moved = 0;
      for (const b of batches) {
        b.calcjobs.forEach((c, i) => {
          const row = update.get(b.name, i, now, c.id);
          if (row !== undefined) {
            const attempt = Number(row.attempts);
            this.#event(
              c.id,
              now,
              "uploading",
              attempt > 1 ? `${b.name}: attempt ${attempt}` : b.name,
            );
            moved++;
          }
        });
      }
      return moved;
    });
  }

  /**
   * Moves every calcjob of an array from one state to the next (a transition of
   * {@linkcode CALCJOB_TRANSITIONS}), in one transaction.
   *
   * @param batch The array's job name.
   * @param from The state they must be in.
   * @param to The next state.
   * @param now The time to record.
   * @param schedulerId The scheduler's id, when `to` is `submitted`.
   * @returns How many moved.
   * @throws {RangeError} For a transition the table does not allow.
   */
  advanceBatch(
    batch: string,
    from: CalcJobState,
    to: CalcJobState,
    now: number,
    schedulerId?: string,
  ): number {
    checkTransition(from, to);
    return this.#store.transaction(() => {
      const ids = this.#store.db.prepare(
        "SELECT id FROM calcjobs WHERE batch = ? AND state = ? ORDER BY element",
      ).all(batch, from).map((r) => String(r.id));
      for (const id of ids) this.#move(id, from, to, now, { schedulerId });
      return ids.length;
    });
  }

  /**
   * Moves one calcjob to its next state, recording why and its exit code.
   *
   * @param id Its UUID.
   * @param from The state it must be in.
   * @param to The next state.
   * @param now The time to record.
   * @param details Reason, exit code, downloaded files (recorded with `completed`).
   * @returns Whether it moved.
   * @throws {RangeError} For a transition the table does not allow.
   */
  advance(
    id: string,
    from: CalcJobState,
    to: CalcJobState,
    now: number,
    details: {
      readonly reason?: string;
      readonly exitCode?: number;
      readonly detail?: string;
      readonly downloads?: readonly { readonly path: string; readonly sha256: string }[];
    } = {},
  ): boolean {
    checkTransition(from, to);
    return this.#store.transaction(() => {
      const moved = this.#move(id, from, to, now, details);
      if (moved && details.downloads) {
        const file = this.#store.db.prepare(
          `INSERT INTO calcjob_files (calcjob, direction, path, sha256) VALUES (?, 'out', ?, ?)
           ON CONFLICT DO UPDATE SET sha256 = excluded.sha256`,
        );
        for (const f of details.downloads) file.run(id, f.path, f.sha256);
      }
      return moved;
    });
  }

  #move(
    id: string,
    from: CalcJobState,
    to: CalcJobState,
    now: number,
    details: { reason?: string; exitCode?: number; detail?: string; schedulerId?: string },
  ): boolean {
    const r = this.#store.db.prepare(
      `UPDATE calcjobs SET state = ?, updated_at = ?, reason = COALESCE(?, reason),
         exit_code = COALESCE(?, exit_code), scheduler_id = COALESCE(?, scheduler_id)
       WHERE id = ? AND state = ?`,
    ).run(
      to,
      now,
      details.reason ?? null,
      details.exitCode ?? null,
      details.schedulerId ?? null,
      id,
      from,
    );
    if (Number(r.changes) !== 1) return false;
    const note = [details.reason, details.detail, details.schedulerId].filter((x) => x).join(": ");
    this.#event(id, now, to, note === "" ? null : note);
    return true;
  }

  #event(id: string, now: number, state: string, detail: string | null): void {
    this.#store.db.prepare(
      "INSERT INTO calcjob_events (calcjob, at, state, detail) VALUES (?, ?, ?, ?)",
    ).run(id, now, state, detail);
  }

  /**
   * Counts calcjobs by state.
   *
   * @returns State to count.
   */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (
      const r of this.#store.db.prepare("SELECT state, COUNT(*) AS n FROM calcjobs GROUP BY state")
        .all()
    ) {
      out[String(r.state)] = Number(r.n);
    }
    return out;
  }
}

function checkTransition(from: CalcJobState, to: CalcJobState): void {
  if (!CALCJOB_TRANSITIONS[from].includes(to)) {
    throw new RangeError(`Cannot move a calcjob from ${from} to ${to}: not a transition`);
  }
}

function codeSpec(code: PlannedCode): string {
  return JSON.stringify({ upload: code.upload, download: code.download });
}

function toRecord(r: Record<string, SQLInputValue>): CalcJobRecord {
  return {
    id: String(r.id),
    seq: Number(r.seq),
    label: String(r.label),
    code: String(r.code),
    system: String(r.system),
    parameters: JSON.parse(String(r.parameters)),
    resources: JSON.parse(String(r.resources)),
    scriptSha256: String(r.script_sha256),
    download: JSON.parse(String(r.download)),
    state: String(r.state) as CalcJobState,
    batch: r.batch === null ? null : String(r.batch),
    element: r.element === null ? null : Number(r.element),
    schedulerId: r.scheduler_id === null ? null : String(r.scheduler_id),
    reason: r.reason === null ? null : String(r.reason),
    exitCode: r.exit_code === null ? null : Number(r.exit_code),
    attempts: Number(r.attempts),
    maxRetries: r.max_retries === null ? null : Number(r.max_retries),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
