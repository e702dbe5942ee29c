/**
 * What a system is once its config is read: the hand-written types the schema must agree
 * with. Durations are in ms and sizes in bytes; the config's "2-00:00:00" and "4G" are
 * parsed on the way in.
 *
 * @module
 */

/** The schedulers drover can drive. */
export type SchedulerName = "slurm" | "pbs" | "sge" | "local";

/** Every {@linkcode SchedulerName}, in the order messages list them. */
export const SCHEDULER_NAMES: readonly SchedulerName[] = ["slurm", "pbs", "sge", "local"];

/** Where a system stages runs when the config does not say. */
export const DEFAULT_RUNDIR = "~/.drover-runs";
/** Most jobs in flight on a system when the config does not say. */
export const DEFAULT_MAX_JOBS = 100;
/** How often a system's scheduler is polled when the config does not say, in ms. */
export const DEFAULT_POLL_MS = 2000;
/** The smallest `pollMs` allowed, in ms. */
export const MIN_POLL_MS = 10;

/** A partition (queue) of a system, with the limits drover checks requests against. */
export interface Partition {
  /** The scheduler's name for it. */
  readonly name: string;
  /** Cores on each node. Absent: unknown, not checked. */
  readonly coresPerNode?: number;
  /** The longest walltime a job may ask for, in ms. Absent: no limit (or `UNLIMITED`). */
  readonly maxTime?: number;
  /** Memory on each node, in bytes. Absent: unknown, not checked. */
  readonly memory?: number;
  /** GPUs on each node. Absent: none. */
  readonly gpus?: number;
}

/** One system (a cluster, or this machine) from the systems config. */
export interface System {
  /** The system's name: its key under `systems:`. */
  readonly name: string;
  /**
   * How to reach it: an SSH alias (resolved through ~/.ssh/config) or `user@host[:port]`.
   * Absent: this machine, no SSH.
   */
  readonly host?: string;
  /** Which scheduler runs its jobs. */
  readonly scheduler: SchedulerName;
  /** The directory on the system where runs are staged. Default: `~/.drover-runs`. */
  readonly rundir: string;
  /** Its partitions, in order of preference. Default: none (the scheduler's default). */
  readonly partitions: readonly Partition[];
  /** Extra scheduler directive lines written into every job script. Default: none. */
  readonly header: readonly string[];
  /** Shell lines run before the job body (`module load ...`). Default: none. */
  readonly setup: readonly string[];
  /**
   * `"upload"` (drover copies its own Deno binary there once) or the path of `deno` on the
   * system. Default: `"upload"`.
   */
  readonly deno: string;
  /** Most jobs in flight at once. Default: 100. */
  readonly maxJobs: number;
  /** Interval between scheduler polls, in ms, 10 or more. Default: 2000. */
  readonly pollMs: number;
  /**
   * Who may read what drover leaves there: `private` (directories 0700, files 0600,
   * whatever the login's umask) or `group` (0750 and 0640). Absent: private.
   */
  readonly access?: "private" | "group";
}

/** The systems of one config file, or of several merged. */
export interface SystemsConfig {
  /** Systems by name. */
  readonly systems: Readonly<Record<string, System>>;
}
