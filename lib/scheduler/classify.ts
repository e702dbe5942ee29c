/**
 * How a job element ended, decided from its marker files and what the scheduler says.
 *
 * @module
 */
import type { SacctRecord } from "./slurm_accounting.ts";
import { isSlurmJobState, isTerminalSlurmState, type SlurmJobState } from "./slurm_state.ts";

/** Why an element failed. Only `exception` is persistent; the others are transient. */
export type FailureReason =
  | "exception"
  | "timeout"
  | "out-of-memory"
  | "node-failure"
  | "preempted"
  | "cancelled"
  | "lost";

/** How an element ended. */
export type JobOutcome =
  | { readonly state: "done" }
  | {
    readonly state: "failed";
    readonly reason: FailureReason;
    /** Whether running it again can help (false only for `exception`). */
    readonly retryable: boolean;
    /** One sentence for people: what happened and the evidence. */
    readonly detail: string;
    /** The exit code of the job script or step, when known. */
    readonly exitCode?: number;
  };

/** What the element's marker files say (they are the source of truth). */
export interface MarkerEvidence {
  /** The exit code the job wrapper wrote after the step process ended; absent if none. */
  readonly exitCode?: number;
  /** Whether the result marker exists. */
  readonly hasResult: boolean;
  /** The error marker's error class name (`"TypeError"`): user code threw. */
  readonly errorKind?: string;
}

/** Everything known about one element. */
export interface OutcomeEvidence {
  /** The marker files; absent when none was found. */
  readonly marker?: MarkerEvidence;
  /**
   * The element's Slurm state from `sacct` (`"CANCELLED by 0"` is accepted as printed), or
   * from `squeue --states=all` while the finished job is still listed.
   */
  readonly sacctState?: string;
  /** Exit code from the scheduler (`sacct` `ExitCode` `137:0` gives 137). */
  readonly exitCode?: number;
  /** Signal from the scheduler (`sacct` `ExitCode` `0:9` gives 9). */
  readonly signal?: number;
  /** Evidence of an out-of-memory kill: a step `OUT_OF_MEMORY`, or `hasOomHint` on stderr. */
  readonly oomHint?: boolean;
  /** Whether the latest `squeue` listed the element. */
  readonly squeueSeen: boolean;
  /** How long the element has been missing from both squeue and sacct, in ms (0 if not). */
  readonly missingForMs: number;
  /** How long a missing element is waited for before it counts as lost, in ms. */
  readonly graceMs: number;
}

const SIGNAL_NAMES: Readonly<Record<number, string>> = {
  1: "SIGHUP",
  2: "SIGINT",
  9: "SIGKILL",
  15: "SIGTERM",
};

function failed(
  reason: FailureReason,
  detail: string,
  exitCode: number | undefined,
): JobOutcome {
  return {
    state: "failed",
    reason,
    retryable: reason !== "exception",
    detail,
    ...(exitCode === undefined ? {} : { exitCode }),
  };
}

function killedBySignal(exitCode: number | undefined, signal: number | undefined): number | null {
  if (signal !== undefined && signal > 0) return signal;
  if (exitCode !== undefined && exitCode > 128 && exitCode - 128 in SIGNAL_NAMES) {
    return exitCode - 128;
  }
  return null;
}

function scriptFailure(exitCode: number | undefined, how: string): JobOutcome {
  const hint = exitCode === 127
    ? " (command not found: is deno on the compute nodes' PATH?)"
    : exitCode === 126
    ? " (command not executable)"
    : "";
  const code = exitCode === undefined ? "" : ` with code ${exitCode}`;
  return failed(
    "exception",
    `the job script ${how}${code} without recording a result or an error${hint}`,
    exitCode,
  );
}

function fromSlurmState(
  state: SlurmJobState,
  text: string,
  e: OutcomeEvidence,
  exitCode: number | undefined,
): JobOutcome | null {
  const killed = killedBySignal(exitCode, e.signal);
  switch (state) {
    case "TIMEOUT":
    case "DEADLINE":
      return failed("timeout", `the job reached its time limit (${text})`, exitCode);
    case "OUT_OF_MEMORY":
      return failed("out-of-memory", `the job ran out of memory (${text})`, exitCode);
    case "NODE_FAIL":
    case "BOOT_FAIL":
    case "LAUNCH_FAILED":
    case "RECONFIG_FAIL":
      return failed("node-failure", `the job's node failed (${text})`, exitCode);
    case "PREEMPTED":
      return failed("preempted", `the job was preempted (${text})`, exitCode);
    case "CANCELLED":
    case "REVOKED":
      return failed("cancelled", `the job was cancelled (${text})`, exitCode);
    case "FAILED":
      if (e.oomHint && (killed === 9 || (exitCode === undefined && killed === null))) {
        return failed(
          "out-of-memory",
          `the job was killed after running out of memory (${text})`,
          exitCode,
        );
      }
      if (killed !== null) {
        // The step's process was killed from outside (OOM killer without a record, an
        // admin, a node problem): nothing in user code decided it, so it is worth a retry.
        return failed(
          "cancelled",
          `the job's process was killed by ${SIGNAL_NAMES[killed] ?? `signal ${killed}`}${
            exitCode === undefined ? "" : ` (exit ${exitCode})`
          } (${text})`,
          exitCode,
        );
      }
      return scriptFailure(exitCode, `failed (${text})`);
    case "COMPLETED":
      // The script succeeded yet no result is visible: wait for the file system, then lost.
      if (e.missingForMs <= e.graceMs) return null;
      return failed(
        "lost",
        `the job completed but left no result after ${seconds(e.missingForMs)} (${text})`,
        exitCode,
      );
    default:
      return null;
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/**
 * Decides how an element ended, or that it has not ended yet (null). The rules, in order:
 *
 * 1. Marker files are the source of truth: a result means `done`; an error marker means an
 *    `exception` in user code (not retryable).
 * 2. A final Slurm state decides next: `TIMEOUT`/`DEADLINE` timeout, `OUT_OF_MEMORY`
 *    out-of-memory, `NODE_FAIL`/`BOOT_FAIL` node-failure, `PREEMPTED` preempted,
 *    `CANCELLED [by uid]` cancelled (all retryable); `FAILED` is out-of-memory when there
 *    is an OOM hint and the job was killed (exit 137 / signal 9) or its code is unknown,
 *    otherwise `cancelled` (retryable) when the process was killed by a signal (exit 137,
 *    143, ...), otherwise an `exception` of the job script (e.g. 127: deno not found); `COMPLETED`
 *    without a result is `lost` once the grace period is over. A state that has not ended
 *    (`RUNNING`, `PENDING`, `REQUEUED`, ...) gives null.
 * 3. An element still listed by squeue has not ended: null.
 * 4. With only the wrapper's exit code: killed by SIGKILL with an OOM hint is
 *    out-of-memory; killed by a signal (137, 143, ...) is `cancelled` (time limit,
 *    scancel or preemption whose record is gone); 0 waits out the grace period, then
 *    `lost`; any other code is an `exception` of the job script.
 * 5. Nothing at all: `lost` once missing from squeue and sacct for longer than `graceMs`,
 *    else null.
 *
 * @param evidence What the markers and the scheduler say.
 * @returns The outcome, or null while the element may still finish.
 *
 * @example
 * ```ts
 * import { classifyOutcome } from "./classify.ts";
 * import assert from "node:assert/strict";
 * const base = { squeueSeen: false, missingForMs: 0, graceMs: 60_000 };
 * assert.deepEqual(classifyOutcome({ ...base, marker: { hasResult: true } }), { state: "done" });
 * const oom = classifyOutcome({ ...base, sacctState: "OUT_OF_MEMORY", exitCode: 0 });
 * assert.equal(oom?.state === "failed" && oom.reason, "out-of-memory");
 * const lost = classifyOutcome({ ...base, missingForMs: 61_000 });
 * assert.equal(lost?.state === "failed" && lost.retryable, true);
 * assert.equal(classifyOutcome({ ...base, squeueSeen: true }), null);
 * ```
 */
export function classifyOutcome(evidence: OutcomeEvidence): JobOutcome | null {
  const { marker } = evidence;
  if (marker?.hasResult) return { state: "done" };
  if (marker?.errorKind !== undefined) {
    return failed("exception", `the step threw ${marker.errorKind}`, marker.exitCode);
  }
  const exitCode = marker?.exitCode ?? evidence.exitCode;
  if (evidence.sacctState !== undefined) {
    const text = evidence.sacctState.trim();
    const word = text.split(/\s/, 1)[0];
    if (isSlurmJobState(word)) {
      if (isTerminalSlurmState(word)) return fromSlurmState(word, text, evidence, exitCode);
      return null;
    }
  }
  if (evidence.squeueSeen) return null;
  if (marker?.exitCode !== undefined) {
    const code = marker.exitCode;
    const killed = killedBySignal(code, undefined);
    if (killed !== null) {
      if (killed === 9 && evidence.oomHint) {
        return failed(
          "out-of-memory",
          `the job was killed (exit ${code}) after running out of memory`,
          code,
        );
      }
      return failed(
        "cancelled",
        `the job was killed by ${
          SIGNAL_NAMES[killed]
        } (exit ${code}) and the scheduler kept no record: time limit, cancellation or preemption`,
        code,
      );
    }
    if (code !== 0) return scriptFailure(code, "exited");
  }
  if (evidence.missingForMs <= evidence.graceMs) return null;
  const why = marker?.exitCode === 0
    ? "the job script exited with code 0 but no result appeared"
    : "the job disappeared from squeue and sacct without leaving a result or an exit code";
  return failed(
    "lost",
    `${why} (missing for ${seconds(evidence.missingForMs)}, grace ${seconds(evidence.graceMs)})`,
    marker?.exitCode,
  );
}

/**
 * The scheduler part of {@linkcode OutcomeEvidence} from a `sacct` record: its state (with
 * `by <uid>`), exit code and signal, and an OOM hint when any step ran out of memory.
 *
 * @param record A record from `parseSacct`.
 * @returns Fields to spread into the evidence.
 *
 * @example
 * ```ts
 * import { evidenceFromSacct } from "./classify.ts";
 * import { parseSacct } from "./slurm_accounting.ts";
 * import assert from "node:assert/strict";
 * const { jobs: [record] } = parseSacct([
 *   "9_1|10|FAILED|0:9|00:00:30||n1|drover-a1",
 *   "9_1.batch|10.batch|OUT_OF_MEMORY|0:125|00:00:30|1024K|n1|batch",
 * ].join("\n"));
 * assert.deepEqual(evidenceFromSacct(record), {
 *   sacctState: "FAILED",
 *   exitCode: 0,
 *   signal: 9,
 *   oomHint: true,
 * });
 * ```
 */
export function evidenceFromSacct(
  record: SacctRecord,
): Required<Pick<OutcomeEvidence, "sacctState" | "exitCode" | "signal" | "oomHint">> {
  return {
    sacctState: record.cancelledBy === null
      ? record.state
      : `${record.state} by ${record.cancelledBy}`,
    exitCode: record.exitCode,
    signal: record.signal,
    oomHint: record.state === "OUT_OF_MEMORY" ||
      record.steps.some((s) => s.state === "OUT_OF_MEMORY"),
  };
}
