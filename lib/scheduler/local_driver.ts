/**
 * The local scheduler: jobs run as detached background processes on the system, for
 * laptops and tests.
 *
 * @module
 */
import type { Transport } from "../transport/mod.ts";
import { runCommand, stdoutOf, submittedOutput } from "./_command.ts";
import { LOCAL_CANCEL, LOCAL_STATUS, LOCAL_SUBMIT } from "./_local_shell.ts";
import { parseLocalStatus } from "./_local_status.ts";
import type {
  JobStatus,
  SchedulerDriver,
  SchedulerLimits,
  StatusOptions,
  SubmitOptions,
} from "./driver.ts";
import { SchedulerOutputError } from "./errors.ts";
import type { JobSpec } from "./job_spec.ts";
import { renderLocalScript } from "./local_script.ts";
import { shellJoin } from "./shell_quote.ts";

/** Options of {@linkcode LocalDriver}. */
export interface LocalDriverOptions {
  /**
   * The registry directory on the system, absolute. Default: `$HOME/.drover-local` (the
   * system's `$HOME`).
   */
  readonly registry?: string;
  /**
   * At most this many elements of one job run at once; an array's `%throttle` lowers it.
   * Default: the system's CPU count (`getconf _NPROCESSORS_ONLN`).
   */
  readonly maxParallel?: number;
  /** What {@linkcode LocalDriver.limits} reports. Default: 10 000 per array, 100 000 jobs. */
  readonly limits?: SchedulerLimits;
}

/** What the local scheduler takes when not told otherwise. */
export const LOCAL_LIMITS: SchedulerLimits = { maxArraySize: 10_000, maxJobCount: 100_000 };

const LOCAL_ID = /^[A-Za-z0-9-]+(?:_\d+)?$/;

/** A new job id: milliseconds since the epoch in base 36, a dash, 8 random hex digits. */
function newJobId(): string {
  const nonce = Array.from(crypto.getRandomValues(new Uint8Array(4)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${Date.now().toString(36)}-${nonce}`;
}

/**
 * Runs jobs as background processes on the system behind a transport (this machine, or a
 * host over SSH), with no scheduler installed. Submitting copies the script (as `sbatch`
 * does, so later edits do not change the job) and starts a manager detached in its own
 * session (`setsid`, else Perl's `POSIX::setsid`), so the job outlives the process that
 * submitted it and the SSH connection. The manager runs the elements with at most
 * `maxParallel` at once (`xargs -P`), each in its own session with `DROVER_LOCAL_TASK_ID`
 * set, from the script's directory, and records each element's state and exit code in the
 * registry (`$HOME/.drover-local/jobs/<id>/`), which `status()` reads in one command.
 * Cancelling stops the process groups. Jobs that ended are forgotten a day later.
 *
 * States reported: `PENDING`, `RUNNING`, `COMPLETED`, `FAILED` (with the exit code),
 * `CANCELLED`, and `NODE_FAIL` (reason `ManagerGone`) for elements whose manager died on
 * this host without finishing them. Resources and time limits are not enforced.
 *
 * @example
 * ```ts
 * import { LocalDriver } from "./local_driver.ts";
 * import assert from "node:assert/strict";
 * const local = new LocalDriver({ maxParallel: 2 });
 * const script = local.render({ name: "drover-1", array: { size: 3 }, body: ["true"] });
 * assert.match(script, /^#DROVER --array=0-2$/m);
 * assert.deepEqual(await local.limits(), { maxArraySize: 10_000, maxJobCount: 100_000 });
 * ```
 */
export class LocalDriver implements SchedulerDriver {
  /** Always `"local"`. */
  readonly name = "local" as const;
  #registry: string;
  #maxParallel: string;
  #limits: SchedulerLimits;

  /**
   * Creates a driver.
   *
   * @param options Registry, parallelism and limits.
   * @throws {RangeError} For a relative registry or a `maxParallel` that is not a whole
   *   number >= 1.
   */
  constructor(options: LocalDriverOptions = {}) {
    const { registry, maxParallel } = options;
    if (registry !== undefined && (!registry.startsWith("/") || registry.includes("\0"))) {
      throw new RangeError(
        `Cannot use local registry ${JSON.stringify(registry)}: it must be an absolute path`,
      );
    }
    if (maxParallel !== undefined && (!Number.isSafeInteger(maxParallel) || maxParallel < 1)) {
      throw new RangeError(
        `Cannot run ${maxParallel} elements at once: maxParallel must be a whole number >= 1`,
      );
    }
    this.#registry = registry ?? "";
    this.#maxParallel = maxParallel === undefined ? "" : String(maxParallel);
    this.#limits = options.limits ?? LOCAL_LIMITS;
  }

  /**
   * Renders a script with `#DROVER` directives (see `renderLocalScript`).
   *
   * @param spec The job.
   * @returns The script.
   * @throws {RangeError} When the spec is not valid.
   */
  render(spec: JobSpec): string {
    return renderLocalScript(spec);
  }

  /**
   * Starts the job's manager, detached, and waits until it runs (one command).
   *
   * @param transport The system.
   * @param scriptPath The script on the system (absolute, or relative to the login
   *   directory).
   * @param options Abort signal.
   * @returns The job id, e.g. `"lx4k2a9b-3f2a9c01"`.
   * @throws {SubmitError} When the script is missing or its directives are not valid, or the
   *   manager does not start.
   * @throws {SchedulerOutputError} When the answer is not the job id.
   */
  async submit(
    transport: Transport,
    scriptPath: string,
    options: SubmitOptions = {},
  ): Promise<string> {
    const id = newJobId();
    const command = `sh -s -- ${shellJoin([this.#registry, scriptPath, id, this.#maxParallel])}`;
    const out = await runCommand(transport, command, {
      stdin: LOCAL_SUBMIT,
      signal: options.signal,
    });
    const stdout = submittedOutput(out, scriptPath);
    if (stdout.trim() !== id) {
      throw new SchedulerOutputError(
        `Cannot parse ${command} output: expected the job id ${id} (got ${
          JSON.stringify(stdout.slice(0, 200))
        })`,
        { command, line: stdout, lineNumber: 0 },
      );
    }
    return id;
  }

  /**
   * Reads the registry in one command.
   *
   * @param transport The system.
   * @param options Abort signal.
   * @returns The jobs by name (the newest of each name), every element listed.
   * @throws {SchedulerCommandError} When the command fails.
   * @throws {SchedulerOutputError} When its output cannot be parsed.
   */
  async status(
    transport: Transport,
    options: StatusOptions = {},
  ): Promise<Map<string, JobStatus>> {
    const command = `sh -s -- ${shellJoin([this.#registry])}`;
    const out = await runCommand(transport, command, {
      stdin: LOCAL_STATUS,
      signal: options.signal,
    });
    return parseLocalStatus(stdoutOf(out, "list local jobs"), command);
  }

  /**
   * Cancels jobs (`"<id>"`: the manager and every running element are sent SIGTERM, the
   * rest never start) or elements (`"<id>_<i>"`). Unknown or ended ids are skipped.
   *
   * @param transport The system.
   * @param ids Job or element ids.
   * @throws {RangeError} For an id of another form.
   * @throws {SchedulerCommandError} When the command fails.
   */
  async cancel(transport: Transport, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      if (typeof id !== "string" || !LOCAL_ID.test(id)) {
        throw new RangeError(
          `Cannot cancel local job ${JSON.stringify(id)}: expected a job id like ` +
            `lx4k2a9b-3f2a9c01 or lx4k2a9b-3f2a9c01_4`,
        );
      }
    }
    if (ids.length === 0) return;
    const command = `sh -s -- ${shellJoin([this.#registry, ...ids])}`;
    stdoutOf(await runCommand(transport, command, { stdin: LOCAL_CANCEL }), "cancel local jobs");
  }

  /**
   * The fixed limits of the local scheduler.
   *
   * @returns The limits given to the constructor, else {@linkcode LOCAL_LIMITS}.
   */
  limits(): Promise<SchedulerLimits> {
    return Promise.resolve(this.#limits);
  }
}
