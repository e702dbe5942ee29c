/**
 * The per-user state of drover on this machine, shared by every drover process of the user
 * whatever project store it works in: for each system (by its identity, see
 * `systemIdentity`), whose turn it is to ask the scheduler and the last answer. One SQLite
 * file (`polls.db`) under `$DROVER_STATE_DIR`, else `$XDG_STATE_HOME/drover`, else
 * `~/.local/state/drover`; the directory is private (0700) and the file too (0600).
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import type { ElementStatus, JobStatus, SchedulerLimits } from "../scheduler/mod.ts";

/** The environment variable that moves the per-user state directory (tests use it). */
export const STATE_DIR_ENV = "DROVER_STATE_DIR";

/** A scheduler's answer as one process read it. */
export interface StatusSnapshot {
  /** When the query started, epoch ms (the answer is at least this fresh). */
  readonly takenAt: number;
  /** Who asked (host:pid). */
  readonly owner: string;
  /** The user's jobs by name. */
  readonly jobs: ReadonlyMap<string, JobStatus>;
}

/** A turn still marked busy this long after it was taken belongs to a process gone, ms. */
export const TURN_LEASE_MS = 10_000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS poll_turns (
    system TEXT PRIMARY KEY,
    taken_at INTEGER NOT NULL,
    owner TEXT NOT NULL,
    busy INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS scheduler_limits (
    system TEXT PRIMARY KEY,
    taken_at INTEGER NOT NULL,
    body TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS status_snapshots (
    system TEXT PRIMARY KEY,
    taken_at INTEGER NOT NULL,
    owner TEXT NOT NULL,
    body TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS ended_jobs (
    system TEXT NOT NULL,
    name TEXT NOT NULL,
    ended_at INTEGER NOT NULL,
    PRIMARY KEY (system, name)
  ) WITHOUT ROWID;
`;

/**
 * The per-user state directory: `$DROVER_STATE_DIR`, else `$XDG_STATE_HOME/drover`, else
 * `$HOME/.local/state/drover`, else undefined (no sharing).
 *
 * @returns The directory, or undefined.
 *
 * @example
 * ```ts
 * import { userStateDir } from "./user_polls.ts";
 * import assert from "node:assert/strict";
 * const dir = userStateDir();
 * assert.ok(dir === undefined || dir.startsWith("/"));
 * ```
 */
export function userStateDir(): string | undefined {
  try {
    const own = Deno.env.get(STATE_DIR_ENV);
    if (own) return own;
    const xdg = Deno.env.get("XDG_STATE_HOME");
    if (xdg?.startsWith("/")) return join(xdg, "drover");
    const home = Deno.env.get("HOME");
    return home ? join(home, ".local", "state", "drover") : undefined;
  } catch {
    return undefined; // no --allow-env
  }
}

/**
 * The per-user poll state: turns and the last scheduler answer of each system.
 *
 * @example
 * ```ts
 * import { UserPolls } from "./user_polls.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using polls = UserPolls.open(dir);
 * assert.equal(polls.takeTurn("slurm:me@here", "a", 1000, 500), true);
 * assert.equal(polls.takeTurn("slurm:me@here", "b", 1100, 500), false); // a is asking
 * polls.publish("slurm:me@here", "a", 1000, new Map());
 * assert.equal(polls.latest("slurm:me@here")?.takenAt, 1000);
 * assert.equal(polls.takeTurn("slurm:me@here", "b", 1200, 500), false); // answered 200 ms ago
 * assert.equal(polls.takeTurn("slurm:me@here", "b", 1500, 500), true);
 * assert.equal((Deno.statSync(`${dir}/polls.db`).mode! & 0o777), 0o600);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class UserPolls implements Disposable {
  readonly #db: DatabaseSync;
  /** The database file. */
  readonly path: string;

  private constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.path = path;
  }

  /**
   * Opens (creating) the per-user state in a directory.
   *
   * @param dir The directory. Default: {@linkcode userStateDir}.
   * @returns The state.
   * @throws {Error} When the directory cannot be made or the file opened.
   */
  static open(dir: string | undefined = userStateDir()): UserPolls {
    if (dir === undefined) throw new Error("Cannot open drover's user state: HOME is not set");
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    Deno.chmodSync(dir, 0o700);
    const path = join(dir, "polls.db");
    // Create the file private before SQLite opens it (it would use the umask).
    Deno.openSync(path, { create: true, write: true, mode: 0o600 }).close();
    Deno.chmodSync(path, 0o600);
    const db = new DatabaseSync(path);
    try {
      db.exec("PRAGMA busy_timeout = 5000");
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      db.exec(SCHEMA);
    } catch (e) {
      db.close();
      throw e;
    }
    for (const suffix of ["-wal", "-shm"]) {
      try {
        Deno.chmodSync(path + suffix, 0o600);
      } catch {
        // not there
      }
    }
    return new UserPolls(db, path);
  }

  /**
   * Takes a system's turn to ask its scheduler: granted when nobody asked in the last
   * `intervalMs`, or the one asking has held the turn longer than {@linkcode TURN_LEASE_MS}
   * (it died). The turn is marked busy until {@linkcode publish}.
   *
   * @param system The system's identity.
   * @param owner Who asks.
   * @param now Epoch ms.
   * @param intervalMs The least time between two questions.
   * @returns Whether the caller got the turn.
   */
  takeTurn(system: string, owner: string, now: number, intervalMs: number): boolean {
    const r = this.#db.prepare(
      `INSERT INTO poll_turns (system, taken_at, owner, busy) VALUES (?, ?, ?, 1)
       ON CONFLICT(system) DO UPDATE SET taken_at = excluded.taken_at, owner = excluded.owner,
         busy = 1
       WHERE (poll_turns.busy = 0 AND poll_turns.taken_at <= ?) OR poll_turns.taken_at <= ?`,
    ).run(system, now, owner, now - intervalMs, now - TURN_LEASE_MS);
    return Number(r.changes) > 0;
  }

  /**
   * Ends a turn without an answer (the query failed): the next asker need not wait.
   *
   * @param system The system's identity.
   * @param owner Who held the turn.
   */
  dropTurn(system: string, owner: string): void {
    this.#db.prepare("UPDATE poll_turns SET busy = 0, taken_at = 0 WHERE system = ? AND owner = ?")
      .run(system, owner);
  }

  /**
   * Publishes a scheduler's answer and ends the turn.
   *
   * @param system The system's identity.
   * @param owner Who asked.
   * @param takenAt When the query started, epoch ms.
   * @param jobs The answer.
   */
  publish(
    system: string,
    owner: string,
    takenAt: number,
    jobs: ReadonlyMap<string, JobStatus>,
  ): void {
    const body = JSON.stringify([...jobs.values()].map((j) => [j.name, j.id, [
      ...j.elements.values(),
    ]]));
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      this.#db.prepare(
        `INSERT INTO status_snapshots (system, taken_at, owner, body) VALUES (?, ?, ?, ?)
         ON CONFLICT(system) DO UPDATE SET taken_at = excluded.taken_at,
           owner = excluded.owner, body = excluded.body
         WHERE excluded.taken_at >= status_snapshots.taken_at`,
      ).run(system, takenAt, owner, body);
      this.#db.prepare("UPDATE poll_turns SET busy = 0 WHERE system = ? AND owner = ?")
        .run(system, owner);
      this.#db.exec("COMMIT");
    } catch (e) {
      this.#db.exec("ROLLBACK");
      throw e;
    }
  }

  /**
   * The last answer published for a system.
   *
   * @param system The system's identity.
   * @returns It, or undefined.
   */
  latest(system: string): StatusSnapshot | undefined {
    const row = this.#db.prepare(
      "SELECT taken_at, owner, body FROM status_snapshots WHERE system = ?",
    ).get(system);
    if (!row) return undefined;
    const jobs = new Map<string, JobStatus>();
    try {
      const list = JSON.parse(String(row.body)) as [string, string, ElementStatus[]][];
      for (const [name, id, elements] of list) {
        jobs.set(name, { name, id, elements: new Map(elements.map((e) => [e.index, e])) });
      }
    } catch {
      return undefined;
    }
    return { takenAt: Number(row.taken_at), owner: String(row.owner), jobs };
  }

  /**
   * Remembers a scheduler's limits (they change rarely; reading them costs a command).
   *
   * @param system The system's identity.
   * @param takenAt When they were read, epoch ms.
   * @param limits The limits.
   */
  putLimits(system: string, takenAt: number, limits: SchedulerLimits): void {
    this.#db.prepare(
      `INSERT INTO scheduler_limits (system, taken_at, body) VALUES (?, ?, ?)
       ON CONFLICT(system) DO UPDATE SET taken_at = excluded.taken_at, body = excluded.body`,
    ).run(system, takenAt, JSON.stringify(limits));
  }

  /**
   * A scheduler's limits remembered since `since`.
   *
   * @param system The system's identity.
   * @param since Epoch ms: older ones do not count.
   * @returns The limits, or undefined.
   */
  limits(system: string, since: number): SchedulerLimits | undefined {
    const row = this.#db.prepare(
      "SELECT body FROM scheduler_limits WHERE system = ? AND taken_at >= ?",
    ).get(system, since);
    if (!row) return undefined;
    try {
      const l = JSON.parse(String(row.body)) as SchedulerLimits;
      return typeof l.maxArraySize === "number" && typeof l.maxJobCount === "number"
        ? { maxArraySize: l.maxArraySize, maxJobCount: l.maxJobCount }
        : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Notes jobs a process has seen end (every call decided), so a snapshot taken before
   * does not count their elements as still in flight; notes older than `keepMs` go.
   *
   * @param system The system's identity.
   * @param names The jobs' names.
   * @param at Epoch ms.
   * @param keepMs How long notes are kept.
   */
  noteEnded(system: string, names: readonly string[], at: number, keepMs: number): void {
    if (names.length === 0) return;
    const put = this.#db.prepare(
      `INSERT INTO ended_jobs (system, name, ended_at) VALUES (?, ?, ?)
       ON CONFLICT(system, name) DO UPDATE SET ended_at = excluded.ended_at`,
    );
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (const name of names) put.run(system, name, at);
      this.#db.prepare("DELETE FROM ended_jobs WHERE ended_at < ?").run(at - keepMs);
      this.#db.exec("COMMIT");
    } catch (e) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw e;
    }
  }

  /**
   * Names of the jobs of a system noted as ended since `since`.
   *
   * @param system The system's identity.
   * @param since Epoch ms.
   * @returns The names.
   */
  endedSince(system: string, since: number): Set<string> {
    return new Set(
      this.#db.prepare("SELECT name FROM ended_jobs WHERE system = ? AND ended_at >= ?")
        .all(system, since).map((r) => String(r.name)),
    );
  }

  /** Closes the database. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  /** Closes the database (`using`). */
  [Symbol.dispose](): void {
    this.close();
  }
}
