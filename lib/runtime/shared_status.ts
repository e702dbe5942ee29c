/**
 * One scheduler query per interval for all of a user's drover processes on this machine,
 * whatever project each works in: a system's `status()` answer is shared through the
 * per-user {@linkcode UserPolls}, so a process whose turn it is not reads the answer
 * another one published; and the elements other projects have in flight count against the
 * system's `maxJobs`.
 *
 * @module
 */
import type { JobStatus, SchedulerDriver, StatusOptions } from "../scheduler/mod.ts";
import type { System } from "../systems/mod.ts";
import type { Transport } from "../transport/mod.ts";
import { type Clock, systemClock } from "./clock.ts";
import { TURN_LEASE_MS, UserPolls } from "./user_polls.ts";

/** Element states of a job still queued or running. */
const LIVE = new Set([
  "PENDING",
  "CONFIGURING",
  "RUNNING",
  "COMPLETING",
  "SUSPENDED",
  "REQUEUED",
  "REQUEUE_HOLD",
  "REQUEUE_FED",
  "RESIZING",
  "SIGNALING",
  "STAGE_OUT",
  "STOPPED",
]);

/** Scheduler limits read by any process of the user count this long, ms. */
const LIMITS_TTL_MS = 60 * 60_000;

/** An answer older than this says nothing about what is in flight now, ms. */
const IN_FLIGHT_HORIZON_MS = 5 * 60_000;

/** A job noted ended this long before a snapshot that still lists it is taken as ended, ms. */
const ENDED_LAG_MS = 30_000;

/** Options of {@linkcode SharedStatus}. */
export interface SharedStatusOptions {
  /** Who asks (host:pid). Default: this host and process. */
  readonly owner?: string;
  /** Wall time (shared with other processes) and waiting. Default: the system clock. */
  readonly clock?: Clock;
  /** Environment the scheduler's commands see here (SLURM_CONF, ...). Default: this process's. */
  readonly env?: (name: string) => string | undefined;
}

/**
 * A system's identity across projects: its scheduler, host and user (not its label),
 * plus, on this machine, the variables that pick the scheduler's cluster (and `HOME`, where
 * the local scheduler keeps its jobs).
 *
 * @param system The system.
 * @param env Reads this process's environment.
 * @returns The identity.
 *
 * @example
 * ```ts
 * import { systemIdentity } from "./shared_status.ts";
 * import assert from "node:assert/strict";
 * const a = { name: "a", scheduler: "slurm" as const, host: "me@hpc", rundir: "/r",
 *   partitions: [], header: [], setup: [], deno: "upload", maxJobs: 10, pollMs: 2000 };
 * assert.equal(systemIdentity(a, () => undefined), systemIdentity({ ...a, name: "b" }, () => undefined));
 * assert.notEqual(systemIdentity(a, () => undefined), systemIdentity({ ...a, host: "you@hpc" }, () => undefined));
 * ```
 */
export function systemIdentity(
  system: System,
  env: (name: string) => string | undefined = safeEnv,
): string {
  const here = system.host === undefined;
  const cluster = here
    ? ["SLURM_CONF", "SGE_ROOT", "SGE_CELL", "PBS_SERVER", "HOME"].map((n) => env(n) ?? "")
    : [];
  // Over SSH the host (`user@host:port` or an alias) names the user too.
  const user = here ? env("USER") ?? env("LOGNAME") ?? "" : "";
  return JSON.stringify([system.scheduler, system.host ?? "localhost", user, ...cluster]);
}

/**
 * Shares scheduler answers and in-flight counts between the user's drover processes.
 *
 * @example
 * ```ts
 * import { ManualClock, SharedStatus, UserPolls } from "./mod.ts";
 * import type { SchedulerDriver } from "../scheduler/mod.ts";
 * import { LocalTransport } from "../transport/mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using polls = UserPolls.open(dir);
 * const system = { name: "hpc", scheduler: "slurm" as const, rundir: dir, partitions: [],
 *   header: [], setup: [], deno: "upload", maxJobs: 10, pollMs: 1000 };
 * let queries = 0;
 * const slurm: SchedulerDriver = {
 *   name: "slurm", render: () => "", submit: () => Promise.resolve("1"),
 *   cancel: () => Promise.resolve(), limits: () => Promise.resolve({ maxArraySize: 9, maxJobCount: 9 }),
 *   status: () => (queries++, Promise.resolve(new Map())),
 * };
 * const clock = new ManualClock(1_000_000);
 * const a = new SharedStatus(polls, { owner: "a", clock }).wrap(system, slurm);
 * const b = new SharedStatus(polls, { owner: "b", clock }).wrap(system, slurm);
 * await a.status(new LocalTransport());
 * await b.status(new LocalTransport()); // reads a's answer
 * assert.equal(queries, 1);
 * clock.advance(1000);
 * await b.status(new LocalTransport()); // a new interval
 * assert.equal(queries, 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SharedStatus {
  readonly #polls: UserPolls;
  readonly #owner: string;
  readonly #clock: Clock;
  readonly #env: (name: string) => string | undefined;
  /** When this process last heard a submission accepted, by system identity. */
  readonly #submitted = new Map<string, number>();

  /**
   * Creates an instance.
   *
   * @param polls The per-user state.
   * @param options Owner, clock, environment.
   */
  constructor(polls: UserPolls, options: SharedStatusOptions = {}) {
    this.#polls = polls;
    this.#owner = options.owner ?? `${safeHostname()}:${Deno.pid}`;
    this.#clock = options.clock ?? systemClock;
    this.#env = options.env ?? safeEnv;
  }

  /**
   * A driver for a system whose `status()` is shared (at most one query per `pollMs` among
   * all of the user's processes, an answer at least as fresh as this process's last
   * submission), whose `limits()` are read once an hour for all of them, and whose
   * `submit()` notes when it was accepted; the rest is the driver's.
   *
   * @param system The system.
   * @param driver Its scheduler driver.
   * @returns The sharing driver.
   */
  wrap(system: System, driver: SchedulerDriver): SchedulerDriver {
    const id = systemIdentity(system, this.#env);
    return {
      name: driver.name,
      render: (spec) => driver.render(spec),
      cancel: (transport, ids) => driver.cancel(transport, ids),
      limits: async (transport) => {
        const since = this.#clock.now() - LIMITS_TTL_MS;
        const known = this.#tryPolls(() => this.#polls.limits(id, since));
        if (known) return known;
        const limits = await driver.limits(transport);
        this.#tryPolls(() => this.#polls.putLimits(id, this.#clock.now(), limits));
        return limits;
      },
      submit: async (transport, script, options) => {
        const jobId = await driver.submit(transport, script, options);
        this.#submitted.set(id, this.#clock.now());
        return jobId;
      },
      status: (transport, options) => this.#status(id, system.pollMs, driver, transport, options),
    };
  }

  /**
   * Elements of drover jobs (named `dr-...`) that other projects have queued or running on
   * a system, from the last shared answer (0 when there is none recent).
   *
   * @param system The system.
   * @param own Names of this project's live jobs (not counted).
   * @returns How many.
   */
  othersInFlight(system: System, own: ReadonlySet<string>): number {
    const id = systemIdentity(system, this.#env);
    const snap = this.#tryPolls(() => this.#polls.latest(id));
    if (!snap || this.#clock.now() - snap.takenAt > IN_FLIGHT_HORIZON_MS) return 0;
    // Jobs their own process saw end are not in flight, even when a snapshot taken shortly
    // after still lists them (COMPLETING, or not yet purged).
    const ended = this.#tryPolls(() => this.#polls.endedSince(id, snap.takenAt - ENDED_LAG_MS)) ??
      new Set();
    let n = 0;
    for (const job of snap.jobs.values()) {
      if (!job.name.startsWith("dr-") || own.has(job.name) || ended.has(job.name)) continue;
      for (const e of job.elements.values()) if (LIVE.has(e.state)) n++;
    }
    return n;
  }

  /**
   * Notes jobs of this process that ended (every call decided), so other processes of the
   * user stop counting their elements against the in-flight cap before the next poll.
   *
   * @param system The system.
   * @param names The jobs' names.
   */
  jobsEnded(system: System, names: readonly string[]): void {
    const id = systemIdentity(system, this.#env);
    this.#tryPolls(() => this.#polls.noteEnded(id, names, this.#clock.now(), IN_FLIGHT_HORIZON_MS));
  }

  async #status(
    id: string,
    pollMs: number,
    driver: SchedulerDriver,
    transport: Transport,
    options: StatusOptions | undefined,
  ): Promise<Map<string, JobStatus>> {
    const started = this.#clock.now();
    const floor = Math.max(started - pollMs, this.#submitted.get(id) ?? 0);
    const step = Math.max(5, Math.min(25, pollMs / 4));
    while (true) {
      const now = this.#clock.now();
      // The shared state is a courtesy: when it fails, this process asks for itself.
      const turn = this.#tryPolls((): Map<string, JobStatus> | boolean => {
        const snap = this.#polls.latest(id);
        if (snap && snap.takenAt > floor) return new Map(snap.jobs);
        return this.#polls.takeTurn(id, this.#owner, now, pollMs);
      }) ?? true;
      if (turn instanceof Map) return turn;
      // Someone else is asking (or asked just now): wait for the answer, but not forever.
      if (turn || now - started > TURN_LEASE_MS) {
        let jobs: Map<string, JobStatus>;
        try {
          jobs = await driver.status(transport, options);
        } catch (e) {
          this.#tryPolls(() => this.#polls.dropTurn(id, this.#owner));
          throw e;
        }
        this.#tryPolls(() => this.#polls.publish(id, this.#owner, now, jobs));
        return jobs;
      }
      await this.#clock.sleep(step, options?.signal);
    }
  }

  /** Runs an operation on the shared state; undefined when it failed (locked, disk full). */
  #tryPolls<T>(op: () => T): T | undefined {
    try {
      return op();
    } catch {
      return undefined;
    }
  }
}

let shared: SharedStatus | undefined | null;

/**
 * This process's sharing through the user's state directory (see `userStateDir`), or
 * undefined when it cannot be opened (then each process asks for itself).
 *
 * @returns The sharing, one per process.
 *
 * @example
 * ```ts
 * import { userSharedStatus } from "./shared_status.ts";
 * import assert from "node:assert/strict";
 * assert.equal(userSharedStatus(), userSharedStatus());
 * ```
 */
export function userSharedStatus(): SharedStatus | undefined {
  if (shared === undefined) {
    try {
      shared = new SharedStatus(UserPolls.open());
    } catch {
      shared = null;
    }
  }
  return shared ?? undefined;
}

function safeEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

function safeHostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}
