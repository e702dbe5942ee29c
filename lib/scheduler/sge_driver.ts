/**
 * The Grid Engine driver (Son of Grid Engine, Sun/Oracle/Univa Grid Engine): `qsub`,
 * `qstat -xml`, `qdel` and `qconf -sconf` through a transport.
 *
 * @module
 */
import type { Transport } from "../transport/mod.ts";
import { readListing, runCommand, stdoutOf, submittedOutput } from "./_command.ts";
import { JobCollector } from "./_job_status.ts";
import type {
  ElementStatus,
  JobStatus,
  SchedulerDriver,
  SchedulerLimits,
  StatusOptions,
  SubmitOptions,
} from "./driver.ts";
import { SchedulerOutputError } from "./errors.ts";
import type { JobSpec } from "./job_spec.ts";
import { shellQuote } from "./shell_quote.ts";
import { parseSgeConfig } from "./sge_config.ts";
import { parseSgeQstatXml, type SgeXmlJob } from "./sge_qstat_xml.ts";
import { renderSgeScript, type SgeScriptOptions } from "./sge_script.ts";
import { expandTaskRanges } from "./slurm_job_id.ts";

/** The one query `status()` runs: every job of the user (pending, running, suspended). */
export const SGE_STATUS_COMMAND = `qstat -xml -u "$(id -un)"`;

const JOB_OR_ELEMENT = /^(\d+)(?:_(\d+))?$/;
const SUBMITTED = /^(\d+)(?:\.\d+-\d+:\d+)?$/;

/** The directory part of a path, for `cd` (`""` when there is none). */
function directoryOf(path: string): string {
  const at = path.lastIndexOf("/");
  if (at < 0) return "";
  return at === 0 ? "/" : path.slice(0, at);
}

/**
 * One listed SGE job element as a Slurm-named state: pending states (`qw`, `hqw`, `Rq`)
 * are `PENDING` (reason `Held` with `h`), `r`/`t`/`Rr` are `RUNNING`, `s`/`S`/`T` are
 * `SUSPENDED`, `d...` (being deleted) is `CANCELLED`, and `E...` (error: it will not run
 * until an operator clears it with `qmod -cj`) is `PENDING` with reason `JobErrorState`.
 *
 * @param job The listed job.
 * @param index The element's 0-based index.
 * @returns The element's status.
 */
function elementOf(job: SgeXmlJob, index: number): ElementStatus {
  switch (job.status) {
    case "deleting":
      return { index, state: "CANCELLED", reason: "Deleted" };
    case "error":
      return { index, state: "PENDING", reason: "JobErrorState" };
    case "suspended":
      return { index, state: "SUSPENDED" };
    case "running":
      return { index, state: "RUNNING" };
    case "finished":
      return { index, state: "COMPLETED" };
    default:
      return job.state.includes("h")
        ? { index, state: "PENDING", reason: "Held" }
        : { index, state: "PENDING" };
  }
}

/**
 * Drives Grid Engine with its commands, run through the transport it is given: `qsub
 * -terse -cwd` from the script's directory, {@linkcode SGE_STATUS_COMMAND}, `qdel`, and
 * `qconf -sconf` (once per transport).
 *
 * SGE numbers array tasks from 1, drover elements from 0: the script runs tasks `1-n`
 * (`-t 1-n`) and sets `DROVER_ARRAY_INDEX=$((SGE_TASK_ID - 1))`; `status()` reports task
 * `t` as element `t - 1`, and `cancel("123_4")` deletes task 5 (`qdel 123.5`).
 *
 * Grid Engine forgets a job as soon as it ends (`qstat` has no ended states), so ended
 * elements leave the listing; their outcome is in the job's marker files (and `qacct`).
 *
 * @example
 * ```ts
 * import { SgeDriver } from "./sge_driver.ts";
 * import assert from "node:assert/strict";
 * const sge = new SgeDriver();
 * const script = sge.render({ name: "drover-1", array: { size: 5 }, body: ["true"] });
 * assert.match(script, /^#\$ -t 1-5$/m);
 * assert.equal(sge.name, "sge");
 * ```
 */
export class SgeDriver implements SchedulerDriver {
  /** Always `"sge"`. */
  readonly name = "sge" as const;
  #limits = new WeakMap<Transport, Promise<SchedulerLimits>>();
  #script: SgeScriptOptions;

  /**
   * Creates a driver.
   *
   * @param script Site-specific names for rendered scripts (parallel environment, memory
   *   and GPU resources; see `renderSgeScript`).
   */
  constructor(script: SgeScriptOptions = {}) {
    this.#script = script;
  }

  /**
   * Renders a `qsub` script (see `renderSgeScript`).
   *
   * @param spec The job.
   * @returns The script.
   * @throws {RangeError} When the spec is not valid.
   */
  render(spec: JobSpec): string {
    return renderSgeScript(spec, this.#script);
  }

  /**
   * Runs `cd <dir> && qsub -terse -cwd <script>`, once.
   *
   * @param transport The system.
   * @param scriptPath The script on the system.
   * @param options Abort signal.
   * @returns The job id (`"123"`, also for an array, which qsub prints as `123.1-5:1`).
   * @throws {SubmitError} When qsub exits with a non-zero code.
   * @throws {SchedulerOutputError} When it prints something that is not a job id.
   */
  async submit(
    transport: Transport,
    scriptPath: string,
    options: SubmitOptions = {},
  ): Promise<string> {
    const dir = directoryOf(scriptPath);
    const qsub = `qsub -terse -cwd ${shellQuote(scriptPath)}`;
    const command = dir === "" ? qsub : `cd ${shellQuote(dir)} && ${qsub}`;
    const out = await runCommand(transport, command, { signal: options.signal });
    const text = submittedOutput(out, scriptPath).trim();
    const m = SUBMITTED.exec(text);
    if (!m) {
      throw new SchedulerOutputError(
        `Cannot parse ${command} output: expected a job id like 123 or 123.1-5:1 (got ${
          JSON.stringify(text.slice(0, 200))
        })`,
        { command, line: text, lineNumber: 1 },
      );
    }
    return m[1];
  }

  /**
   * Runs {@linkcode SGE_STATUS_COMMAND} and groups its jobs by name. Pending task ranges
   * become one element per task; task `t` is element `t - 1`; a job that is not an array
   * is element 0.
   *
   * @param transport The system.
   * @param options Abort signal.
   * @returns The jobs by name.
   * @throws {SchedulerCommandError} When qstat fails.
   * @throws {SchedulerOutputError} When its output cannot be parsed, or one of its jobs
   *   cannot (a job drover cannot read must not look like one that ended).
   */
  async status(
    transport: Transport,
    options: StatusOptions = {},
  ): Promise<Map<string, JobStatus>> {
    const listing = await readListing(
      transport,
      SGE_STATUS_COMMAND,
      "list Grid Engine jobs",
      parseSgeQstatXml,
      options.signal,
    );
    const jobs = new JobCollector();
    for (const job of listing.jobs) {
      if (job.status === "finished") continue;
      const entry = { name: job.name, id: job.jobId, order: Number(job.jobId) };
      const indices = job.tasks ? expandTaskRanges(job.tasks).map((t) => t - 1) : [0];
      for (const index of indices) jobs.add(entry, elementOf(job, index));
    }
    return jobs.byName();
  }

  /**
   * Runs one `qdel` for all ids (nothing when there are none): `"123"` deletes the job,
   * `"123_4"` element 4, i.e. task 5 (`qdel 123.5`). Ids of jobs that already ended are no
   * error (qdel says they do not exist).
   *
   * @param transport The system.
   * @param ids Job ids (`"123"`) or element ids (`"123_4"`).
   * @throws {RangeError} For an id of another form.
   * @throws {SchedulerCommandError} When qdel fails for another reason.
   */
  async cancel(transport: Transport, ids: readonly string[]): Promise<void> {
    const args: string[] = [];
    for (const id of ids) {
      const m = typeof id === "string" ? JOB_OR_ELEMENT.exec(id) : null;
      if (!m) {
        throw new RangeError(
          `Cannot cancel Grid Engine job ${
            JSON.stringify(id)
          }: expected a job id like 123 or 123_4`,
        );
      }
      args.push(m[2] === undefined ? m[1] : `${m[1]}.${Number(m[2]) + 1}`);
    }
    if (args.length === 0) return;
    const command = `qdel ${args.join(" ")}`;
    const out = await runCommand(transport, command);
    if (out.code === 0) return;
    const said = `${out.stdout}\n${out.stderr}`.split("\n").map((l) => l.trim()).filter(Boolean);
    const refused = said.filter((l) => / has (registered|deleted)\b/.test(l) === false);
    if (refused.length > 0 && refused.every((l) => /does not exist/.test(l))) return;
    stdoutOf(out, `cancel Grid Engine jobs ${ids.join(", ")}`);
  }

  /**
   * Reads `max_aj_tasks` (the largest array) and `max_jobs` / `max_u_jobs` (the most
   * jobs; each element is counted as a job, which is conservative since Grid Engine counts
   * an array once) from `qconf -sconf`, once per transport (a failed read is tried again
   * next time). A limit of 0 (none) is reported as `Number.MAX_SAFE_INTEGER`.
   *
   * @param transport The system.
   * @returns The limits.
   * @throws {SchedulerCommandError} When qconf fails.
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
  const command = "qconf -sconf";
  const out = await runCommand(transport, command);
  const config = parseSgeConfig(stdoutOf(out, "read the Grid Engine configuration"), {
    command,
  });
  const unlimited = Number.MAX_SAFE_INTEGER;
  return {
    maxArraySize: config.maxArrayTasks ?? unlimited,
    maxJobCount: Math.min(config.maxJobs ?? unlimited, config.maxUserJobs ?? unlimited),
  };
}
