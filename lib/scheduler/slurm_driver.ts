/**
 * The Slurm driver: `sbatch`, `squeue`, `scancel` and `scontrol` through a transport.
 *
 * @module
 */
import type { Transport } from "../transport/mod.ts";
import { readListing, runCommand, stdoutOf, submittedOutput } from "./_command.ts";
import { JobCollector } from "./_job_status.ts";
import type {
  JobStatus,
  SchedulerDriver,
  SchedulerLimits,
  StatusOptions,
  SubmitOptions,
} from "./driver.ts";
import type { JobSpec } from "./job_spec.ts";
import { shellQuote } from "./shell_quote.ts";
import { parseSlurmConfig } from "./slurm_config.ts";
import { expandTaskRanges } from "./slurm_job_id.ts";
import { renderSlurmScript } from "./slurm_script.ts";
import { parseSqueue, SQUEUE_FORMAT } from "./slurm_status.ts";
import { parseSbatch } from "./slurm_submit.ts";

/** The one query `status()` runs: every job of the user, ended ones for `MinJobAge` too. */
export const SLURM_STATUS_COMMAND =
  `squeue --me --noheader --states=all --format='${SQUEUE_FORMAT}'`;

const JOB_OR_ELEMENT = /^\d+(?:_\d+)?$/;

/** The directory part of a path, for `cd` (`""` when there is none). */
function directoryOf(path: string): string {
  const at = path.lastIndexOf("/");
  if (at < 0) return "";
  return at === 0 ? "/" : path.slice(0, at);
}

/**
 * Drives Slurm with its commands, run through the transport it is given: `sbatch
 * --parsable` from the script's directory, {@linkcode SLURM_STATUS_COMMAND}, `scancel`, and
 * `scontrol show config` (once per transport).
 *
 * @example
 * ```ts
 * import { SlurmDriver } from "./slurm_driver.ts";
 * import assert from "node:assert/strict";
 * const slurm = new SlurmDriver();
 * const script = slurm.render({ name: "drover-1", array: { size: 5 }, body: ["true"] });
 * assert.match(script, /^#SBATCH --array=0-4$/m);
 * ```
 */
export class SlurmDriver implements SchedulerDriver {
  /** Always `"slurm"`. */
  readonly name = "slurm" as const;
  #limits = new WeakMap<Transport, Promise<SchedulerLimits>>();

  /**
   * Renders an `sbatch` script (see `renderSlurmScript`).
   *
   * @param spec The job.
   * @returns The script.
   * @throws {RangeError} When the spec is not valid.
   */
  render(spec: JobSpec): string {
    return renderSlurmScript(spec);
  }

  /**
   * Runs `cd <dir> && sbatch --parsable <script>`, once.
   *
   * @param transport The system.
   * @param scriptPath The script on the system.
   * @param options Abort signal.
   * @returns The job id.
   * @throws {SubmitError} When sbatch exits with a non-zero code.
   * @throws {SchedulerOutputError} When it prints something that is not a job id.
   */
  async submit(
    transport: Transport,
    scriptPath: string,
    options: SubmitOptions = {},
  ): Promise<string> {
    const dir = directoryOf(scriptPath);
    const sbatch = `sbatch --parsable ${shellQuote(scriptPath)}`;
    const command = dir === "" ? sbatch : `cd ${shellQuote(dir)} && ${sbatch}`;
    const out = await runCommand(transport, command, { signal: options.signal });
    return parseSbatch(submittedOutput(out, scriptPath), { command }).jobId;
  }

  /**
   * Runs {@linkcode SLURM_STATUS_COMMAND} and groups its lines by job name. Pending ranges
   * (`123_[2-19%8]`) become one element per index; a job that is not an array is element 0.
   *
   * @param transport The system.
   * @param options Abort signal.
   * @returns The jobs by name.
   * @throws {SchedulerCommandError} When squeue fails.
   * @throws {SchedulerOutputError} When its output cannot be parsed, or one of its lines
   *   cannot (a job drover cannot read must not look like one that ended).
   */
  async status(
    transport: Transport,
    options: StatusOptions = {},
  ): Promise<Map<string, JobStatus>> {
    const listing = await readListing(
      transport,
      SLURM_STATUS_COMMAND,
      "list Slurm jobs",
      parseSqueue,
      options.signal,
    );
    const jobs = new JobCollector();
    for (const row of listing.jobs) {
      const job = { name: row.name, id: row.jobId, order: Number.parseInt(row.jobId, 10) };
      const indices = row.arrayTasks ? expandTaskRanges(row.arrayTasks) : [0];
      for (const index of indices) {
        jobs.add(job, { index, state: row.state, ...(row.reason ? { reason: row.reason } : {}) });
      }
    }
    return jobs.byName();
  }

  /**
   * Runs `scancel` with the ids (nothing when there are none). scancel accepts ids of jobs
   * that already ended.
   *
   * @param transport The system.
   * @param ids Job ids (`"123"`) or element ids (`"123_4"`).
   * @throws {RangeError} For an id of another form.
   * @throws {SchedulerCommandError} When scancel fails.
   */
  async cancel(transport: Transport, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      if (typeof id !== "string" || !JOB_OR_ELEMENT.test(id)) {
        throw new RangeError(
          `Cannot cancel Slurm job ${JSON.stringify(id)}: expected a job id like 123 or 123_4`,
        );
      }
    }
    if (ids.length === 0) return;
    const out = await runCommand(transport, `scancel ${ids.join(" ")}`);
    stdoutOf(out, `cancel Slurm jobs ${ids.join(", ")}`);
  }

  /**
   * Reads `MaxArraySize` (capped by `max_array_tasks`, when set) and `MaxJobCount` from
   * `scontrol show config`, once per transport (a failed read is tried again next time).
   *
   * @param transport The system.
   * @returns The limits.
   * @throws {SchedulerCommandError} When scontrol fails.
   * @throws {SchedulerOutputError} When a limit is missing from its output.
   */
  limits(transport: Transport): Promise<SchedulerLimits> {
    let limits = this.#limits.get(transport);
    if (!limits) {
      limits = readLimits(transport);
      this.#limits.set(transport, limits);
      limits.catch(() => this.#limits.delete(transport));
    }
    return limits;
  }
}

async function readLimits(transport: Transport): Promise<SchedulerLimits> {
  const command = "scontrol show config";
  const out = await runCommand(transport, command);
  const config = parseSlurmConfig(stdoutOf(out, "read the Slurm configuration"), { command });
  return {
    maxArraySize: Math.min(config.maxArraySize, config.maxArrayTasks ?? Infinity),
    maxJobCount: config.maxJobCount,
  };
}
