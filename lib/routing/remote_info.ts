/**
 * What remote info is once read: the hand-written types the schema must agree with, and
 * the input types of remote info given in code.
 *
 * @module
 */
import type { Resources } from "../systems/mod.ts";
import type { RemoteInfoNote } from "./expyre_info.ts";

/**
 * Resources as written in remote info: walltime and memory as Slurm writes them. A whole
 * number `time` is minutes and a bare number `memory` is megabytes, as Slurm reads them.
 */
export interface ResourcesInput {
  /** Nodes, 1 or more. */
  readonly nodes?: number;
  /** Cores on each node, 1 or more. */
  readonly cores?: number;
  /** Walltime: `"2-00:00:00"`, `"12:00:00"`, `"30:00"`, or whole minutes. */
  readonly time?: string | number;
  /** Memory on each node: `"4G"`, `"500M"`, or megabytes. */
  readonly memory?: string | number;
  /** A partition by name, instead of the first that fits. */
  readonly partition?: string;
  /** GPUs on each node, 0 or more. */
  readonly gpus?: number;
}

/** Resources that depend on the attempt (1 for the first run, 2 for the first restart...). */
export type ResourcesFunction = (attempt: number) => ResourcesInput;

/** One route as written in remote info (JSON, or an object given in code). */
export interface RouteInput {
  /** The system to run on: a name from the systems config. */
  readonly system: string;
  /** The scheduler job name. Default: chosen by the runtime. */
  readonly jobName?: string;
  /** What each job asks for; in code also a function of the attempt number. */
  readonly resources?: ResourcesInput | ResourcesFunction;
  /**
   * Calls packed into one job (one array element), or `"auto"`: chosen from the measured
   * durations of earlier calls of the step so that an element lasts about
   * `targetElementTime`. Default: 1.
   */
  readonly inputsPerJob?: number | "auto";
  /**
   * With `inputsPerJob: "auto"`, how long one element should last: `"5m"`, `"90s"`, `"1h"`,
   * or a walltime form (`30:00`, whole minutes). Default: 5 minutes. Bounded by the job's
   * walltime less a safety margin.
   */
  readonly targetElementTime?: string | number;
  /** Files and directories (paths, or last-part globs) staged next to every job, keeping
   * their layout (a directory with everything in it). Default: none. */
  readonly inputFiles?: readonly string[];
  /**
   * Environment variables set in every job. Default: none. A value may refer to the job's
   * resources as `${DROVER_CORES}` (all cores), `${DROVER_NODES}`, `${DROVER_CORES_PER_NODE}`,
   * `${DROVER_MEMORY_MB}`, `${DROVER_GPUS}`, `${DROVER_TIME_S}`, or by ExPyRe's names
   * (`${EXPYRE_NUM_CORES_PER_NODE}`); the job expands those and nothing else:
   * `{ "OMP_NUM_THREADS": "${DROVER_CORES_PER_NODE}" }`.
   */
  readonly env?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Shell lines run in every job after the system's `setup` (`module load vasp`), verbatim:
   * commands by design, as in the systems config. Default: none.
   */
  readonly setup?: readonly string[];
  /** Restarts after transient failures (timeout, node failure, ...). Default: 2. */
  readonly maxRestarts?: number;
  /**
   * Who restarts failed calls: `"runtime"` (default), or `"caller"`: the runtime hands
   * every failure back and the caller reruns them together (what a flow's `.on` uses).
   */
  readonly restartBy?: "runtime" | "caller";
}

/** Remote info as written: keys are call-stack patterns or labels. */
export type RemoteInfoInput = Readonly<Record<string, RouteInput>>;

/** Where and how the calls a key matches run. */
export interface Route {
  /** The system to run on. */
  readonly system: string;
  /** The scheduler job name, when given. */
  readonly jobName?: string;
  /** What each job asks for (ms, bytes), or a function of the attempt number. */
  readonly resources: Resources | ResourcesFunction;
  /** Calls packed into one job, or `"auto"` (chosen from measured durations). */
  readonly inputsPerJob: number | "auto";
  /** With `"auto"`, the target element duration (ms); absent: the default (5 minutes). */
  readonly targetElementTime?: number;
  /** Files and directories (paths, or last-part globs) staged next to every job. */
  readonly inputFiles: readonly string[];
  /** Environment variables set in every job (`${DROVER_CORES}`-style references expand there). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Shell lines run in every job after the system's setup, verbatim; absent when none
   * (optional so that routes built in code before it existed still type-check).
   */
  readonly setup?: readonly string[];
  /** Restarts after transient failures. */
  readonly maxRestarts: number;
  /**
   * Who restarts failed calls: `"runtime"` (default) restarts transient failures itself,
   * up to `maxRestarts`, and reruns calls that never started; `"caller"` restarts nothing and
   * hands every failure back, so the caller reruns them together (a flow's restart round is
   * one array).
   */
  readonly restartBy?: "runtime" | "caller";
}

/** One element of a call-stack pattern: `file::function`; either side may be `*`. */
export interface FramePattern {
  /** A path suffix (`lib/relax.ts`), an absolute path, or `*`. */
  readonly file: string;
  /** A function name (`main`, `Relaxer.run`), or `*`. */
  readonly function: string;
}

/** What a key matches: a label set in code, or the end of the call stack. */
export type RoutePattern =
  | { readonly kind: "label"; readonly label: string }
  | { readonly kind: "stack"; readonly frames: readonly FramePattern[] };

/** One key of remote info with its route. */
export interface RouteRule {
  /** The key as written. */
  readonly key: string;
  /** The key, parsed. */
  readonly pattern: RoutePattern;
  /** Where its calls go. */
  readonly route: Route;
}

/** Parsed remote info: its rules in the order written. */
export interface RemoteInfo {
  /** The rules, in the order of the keys. */
  readonly rules: readonly RouteRule[];
  /** Where it was read from, as error messages name it (`from DROVER_REMOTE_INFO`). */
  readonly source: string;
  /**
   * One note per field translated from wfl/ExPyRe remote info (`sys_name -> system`), for
   * the caller to show; empty for remote info written for drover. Absent on remote info
   * built by hand.
   */
  readonly notes?: readonly RemoteInfoNote[];
}
