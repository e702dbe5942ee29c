/**
 * What a batch job asks for, independent of the scheduler, and its validation. The
 * renderers (`renderSlurmScript`, `renderPbsScript`, `renderSgeScript`) turn a
 * {@linkcode JobSpec} into a script.
 *
 * @module
 */
import { RESOURCE_VARIABLES } from "./resource_variables.ts";

/**
 * The placeholder for the array element's index in {@linkcode JobSpec.stdout} and
 * {@linkcode JobSpec.stderr}. Each renderer writes its scheduler's token instead: Slurm
 * `%a`, PBS `^array_index^`, SGE `$TASK_ID` (1-based on SGE); `0` for a job that is not an
 * array.
 */
export const ARRAY_INDEX_PLACEHOLDER = "{index}";

/**
 * The environment variable every rendered script exports: the 0-based index of the array
 * element on every scheduler (SGE's 1-based `SGE_TASK_ID` is converted), `0` for a job that
 * is not an array.
 */
export const ARRAY_INDEX_VARIABLE = "DROVER_ARRAY_INDEX";

/** An array of identical jobs, told apart by their index. */
export interface JobArray {
  /** Number of elements (indices 0 .. size-1), >= 1. */
  readonly size: number;
  /** At most this many elements run at once (`%throttle`); unlimited when absent. */
  readonly throttle?: number;
}

/**
 * What each element of a job needs. Every field is optional; an absent one leaves the
 * scheduler's default. Units are drover's: ms and bytes.
 */
export interface JobResources {
  /** Nodes, >= 1. */
  readonly nodes?: number;
  /** Cores (CPUs) per node, >= 1. */
  readonly cores?: number;
  /** Time limit in ms, > 0. */
  readonly time?: number;
  /** Memory per node in bytes, > 0 (on SGE divided among the cores' slots). */
  readonly memory?: number;
  /** GPUs per node, >= 0. */
  readonly gpus?: number;
  /** Partition (Slurm) or queue (PBS, SGE). */
  readonly partition?: string;
}

/** A batch job, as scheduler-neutral data. */
export interface JobSpec {
  /**
   * Job name: a letter, then letters, digits, `.`, `_` or `-`; at most 128 characters.
   * drover finds its jobs again by name, so it must be unique.
   */
  readonly name: string;
  /** Make the job an array; a single job when absent. */
  readonly array?: JobArray;
  /** Resources of each element. */
  readonly resources?: JobResources;
  /**
   * Extra directive lines written after drover's own (so they win), verbatim, e.g.
   * `"#SBATCH --account=chem"`. Each must start with `#` and be a single line.
   */
  readonly header?: readonly string[];
  /**
   * Shell lines run before the body, verbatim (`module load gcc`). They are commands by
   * design and come from the systems config: they are not quoted. Each must be one line.
   */
  readonly setup?: readonly string[];
  /**
   * The job's commands, verbatim. Build them with `shellJoin` so that paths and arguments
   * are quoted. At least one; each must be one line (Grid Engine reads `#$` at the start of
   * any line as a directive).
   */
  readonly body: readonly string[];
  /** Directory the script changes to before the setup (`cd -- '<dir>'`); any path. */
  readonly workdir?: string;
  /**
   * Absolute path of the scheduler's stdout file. May contain
   * {@linkcode ARRAY_INDEX_PLACEHOLDER}; otherwise only letters, digits and `_./+@=,-`
   * (these paths are written into directives, which no shell quoting protects).
   */
  readonly stdout?: string;
  /** Absolute path of the scheduler's stderr file; same rules as `stdout`. */
  readonly stderr?: string;
  /**
   * Environment variables exported before the setup, after the resource variables
   * (`DROVER_NODES`, `DROVER_CORES_PER_NODE`, `DROVER_CORES`, `DROVER_MEMORY_MB`,
   * `DROVER_GPUS`, `DROVER_TIME_S`, from `resources`); names match `[A-Za-z_][A-Za-z0-9_]*`.
   * In values, `${DROVER_CORES}` and the other resource variables (or ExPyRe's names for
   * them, `${EXPYRE_NUM_CORES_PER_NODE}`) expand in the job; everything else is literal.
   */
  readonly env?: Readonly<Record<string, string>>;
}

const JOB_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,127}$/;
const PARTITION = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LOG_PATH = /^\/[A-Za-z0-9_./+@=,-]*$/;

function fail(what: string): never {
  throw new RangeError(`Cannot render job script: ${what}`);
}

function checkCount(value: number | undefined, what: string, min: number): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) {
    fail(`${what} must be an integer >= ${min} (got ${value})`);
  }
}

function checkPositive(value: number | undefined, what: string): void {
  if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
    fail(`${what} must be a positive finite number (got ${value})`);
  }
}

function checkLogPath(path: string | undefined, what: string): void {
  if (path === undefined) return;
  if (!LOG_PATH.test(path.replaceAll(ARRAY_INDEX_PLACEHOLDER, "0"))) {
    fail(
      `${what} ${
        JSON.stringify(path)
      } must be an absolute path of letters, digits, "_./+@=,-" and "${ARRAY_INDEX_PLACEHOLDER}"`,
    );
  }
}

function checkText(text: string, what: string): void {
  if (text.includes("\0")) fail(`${what} ${JSON.stringify(text)} contains a NUL character`);
}

function checkLine(text: string, what: string): void {
  if (typeof text !== "string" || /[\r\n\0]/.test(text)) {
    fail(`${what} ${JSON.stringify(text)} must be one line without NUL characters`);
  }
}

/**
 * Checks that a job spec can be written into a script safely: names and paths that go into
 * directives match their patterns, numbers are in range, environment variable names are
 * valid, header, setup and body entries are single lines (header lines comments that do not
 * continue onto the next line) and nothing contains a NUL character.
 * Every renderer calls it first.
 *
 * @param spec The job.
 * @throws {RangeError} Naming the first field that is not acceptable.
 *
 * @example
 * ```ts
 * import { validateJobSpec } from "./job_spec.ts";
 * import assert from "node:assert/strict";
 * validateJobSpec({ name: "drover-1", body: ["true"] });
 * assert.throws(
 *   () => validateJobSpec({ name: "x\n#SBATCH --uid=0", body: ["true"] }),
 *   RangeError,
 * );
 * ```
 */
export function validateJobSpec(spec: JobSpec): void {
  if (typeof spec.name !== "string" || !JOB_NAME.test(spec.name)) {
    fail(
      `job name ${
        JSON.stringify(spec.name)
      } must start with a letter and contain only letters, digits, ".", "_" and "-" (at most 128)`,
    );
  }
  if (spec.array) {
    checkCount(spec.array.size, "array size", 1);
    checkCount(spec.array.throttle, "array throttle", 1);
  }
  const r = spec.resources ?? {};
  checkCount(r.nodes, "nodes", 1);
  checkCount(r.cores, "cores", 1);
  checkCount(r.gpus, "gpus", 0);
  checkPositive(r.time, "time (ms)");
  checkPositive(r.memory, "memory (bytes)");
  if (r.partition !== undefined && !PARTITION.test(r.partition)) {
    fail(
      `partition ${
        JSON.stringify(r.partition)
      } must contain only letters, digits, ".", "_", "@" and "-"`,
    );
  }
  for (const line of spec.header ?? []) {
    if (!line.startsWith("#") || /[\r\n\0]/.test(line) || line.endsWith("\\")) {
      fail(
        `header line ${
          JSON.stringify(line)
        } must be one line starting with "#" and not ending in "\\"`,
      );
    }
  }
  for (const line of spec.setup ?? []) checkLine(line, "setup line");
  if (!Array.isArray(spec.body) || spec.body.length === 0) fail("the body has no lines");
  for (const line of spec.body) checkLine(line, "body line");
  if (spec.workdir !== undefined) {
    if (spec.workdir === "") fail("workdir is empty");
    checkText(spec.workdir, "workdir");
  }
  checkLogPath(spec.stdout, "stdout path");
  checkLogPath(spec.stderr, "stderr path");
  for (const [name, value] of Object.entries(spec.env ?? {})) {
    if (!ENV_NAME.test(name)) {
      fail(`environment variable name ${JSON.stringify(name)} must match [A-Za-z_][A-Za-z0-9_]*`);
    }
    if (name === ARRAY_INDEX_VARIABLE || RESOURCE_VARIABLES.includes(name)) {
      fail(`${name} is set by drover itself`);
    }
    if (typeof value !== "string") fail(`environment variable ${name} must be a string`);
    checkText(value, `environment variable ${name}`);
  }
}
