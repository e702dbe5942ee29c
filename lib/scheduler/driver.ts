/**
 * The interface the runtime drives every scheduler through: render a script, submit it,
 * list the user's jobs in one query, cancel, and read the array limits. {@linkcode driverFor}
 * picks the driver of a system's scheduler.
 *
 * @module
 */
import type { SchedulerName } from "../systems/mod.ts";
import type { Transport } from "../transport/mod.ts";
import type { JobSpec } from "./job_spec.ts";
import { LocalDriver } from "./local_driver.ts";
import { SgeDriver } from "./sge_driver.ts";
import { SlurmDriver } from "./slurm_driver.ts";

/** One array element as the scheduler reports it. */
export interface ElementStatus {
  /** The element's index, 0-based (0 for a job that is not an array). */
  readonly index: number;
  /**
   * A Slurm state name: `PENDING`, `RUNNING`, `COMPLETING`, `COMPLETED`, `FAILED`,
   * `CANCELLED`, `TIMEOUT`, `OUT_OF_MEMORY`, `NODE_FAIL`, `PREEMPTED`, ...
   */
  readonly state: string;
  /** Why it is pending or how it ended (`JobArrayTaskLimit`, `NonZeroExitCode`), if said. */
  readonly reason?: string;
  /**
   * The exit code of an element that ended, when the scheduler tells it without an extra
   * query (the local scheduler does; `squeue` does not).
   */
  readonly exitCode?: number;
}

/** One job (array) the scheduler still lists. */
export interface JobStatus {
  /** The job's name. */
  readonly name: string;
  /** The scheduler's job id (for an array, the array's id). */
  readonly id: string;
  /** Its elements by index; pending ranges are expanded to one entry per index. */
  readonly elements: ReadonlyMap<number, ElementStatus>;
}

/** How many jobs a scheduler takes. */
export interface SchedulerLimits {
  /** Most elements in one array (arrays are indexed 0 .. size-1). */
  readonly maxArraySize: number;
  /** Most jobs (each array element counts) the scheduler holds at once. */
  readonly maxJobCount: number;
}

/** Options of {@linkcode SchedulerDriver.submit}. */
export interface SubmitOptions {
  /** Aborts the wait (the submission may still happen). */
  readonly signal?: AbortSignal;
}

/** Options of {@linkcode SchedulerDriver.status}. */
export interface StatusOptions {
  /** Aborts the wait. */
  readonly signal?: AbortSignal;
}

/**
 * A scheduler as the runtime sees it. Drivers only use the {@linkcode Transport} they are
 * given, so they work the same on this machine and over SSH, and they never retry a command
 * on their own.
 */
export interface SchedulerDriver {
  /** Which scheduler. */
  readonly name: SchedulerName;
  /**
   * Renders a job as this scheduler's batch script.
   *
   * @throws {RangeError} When the spec is not valid (see `validateJobSpec`).
   */
  render(spec: JobSpec): string;
  /**
   * Submits the script already written at `scriptPath` on the system. Elements run in the
   * script's directory.
   *
   * @returns The job id.
   * @throws {SubmitError} When the scheduler refuses the job (nothing was queued).
   * @throws {SchedulerOutputError} When it answers something that is not a job id (the job
   *   may have been queued: look for it by name).
   * @throws {TransportError} When the system cannot be reached.
   */
  submit(transport: Transport, scriptPath: string, options?: SubmitOptions): Promise<string>;
  /**
   * Lists all of the user's jobs the scheduler still knows, in ONE query, keyed by job
   * name. When two jobs share a name, the newer one is listed.
   *
   * @throws {SchedulerCommandError} When the query fails.
   * @throws {SchedulerOutputError} When its output cannot be parsed.
   */
  status(transport: Transport, options?: StatusOptions): Promise<Map<string, JobStatus>>;
  /**
   * Cancels whole jobs (`"123"`) or elements (`"123_4"`). Ids of jobs that already ended
   * are no error.
   *
   * @throws {RangeError} For an id that is not a job or element id of this scheduler.
   * @throws {SchedulerCommandError} When the cancel command fails.
   */
  cancel(transport: Transport, ids: readonly string[]): Promise<void>;
  /**
   * The largest array and the most jobs the scheduler takes (read from the system once per
   * transport for Slurm; fixed for the local scheduler).
   */
  limits(transport: Transport): Promise<SchedulerLimits>;
}

let slurm: SlurmDriver | undefined;
let local: LocalDriver | undefined;
let sge: SgeDriver | undefined;

/**
 * The driver of a scheduler: one shared instance per scheduler. Slurm, Grid Engine and
 * the local scheduler can be driven; PBS scripts and output parsers exist, but submitting
 * to PBS does not yet.
 *
 * @param name The system's scheduler.
 * @returns Its driver.
 * @throws {RangeError} For `pbs` (not supported for submission yet) and for unknown
 *   names.
 *
 * @example
 * ```ts
 * import { driverFor } from "./driver.ts";
 * import assert from "node:assert/strict";
 * assert.equal(driverFor("slurm").name, "slurm");
 * assert.equal(driverFor("local"), driverFor("local"));
 * assert.equal(driverFor("sge").name, "sge");
 * assert.throws(() => driverFor("pbs"), /not supported for submission yet/);
 * ```
 */
export function driverFor(name: SchedulerName): SchedulerDriver {
  switch (name) {
    case "slurm":
      return slurm ??= new SlurmDriver();
    case "local":
      return local ??= new LocalDriver();
    case "sge":
      return sge ??= new SgeDriver();
    case "pbs":
      throw new RangeError(
        `Cannot drive pbs jobs: PBS is not supported for submission yet (its scripts and output parsers exist; use slurm, sge or local)`,
      );
    default:
      throw new RangeError(
        `Cannot drive ${JSON.stringify(name)} jobs: the scheduler must be slurm, sge or local`,
      );
  }
}
