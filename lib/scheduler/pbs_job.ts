/**
 * PBS job ids and states, shared by the `qstat` parsers.
 *
 * @module
 */

/**
 * A PBS job state letter: B array begun, C completed (Torque; PBS Pro says F), E exiting,
 * F finished, H held, M moved, Q queued, R running, S suspended, T transit, U suspended
 * (workstation busy), W waiting, X subjob finished.
 */
export type PbsJobState =
  | "B"
  | "C"
  | "E"
  | "F"
  | "H"
  | "M"
  | "Q"
  | "R"
  | "S"
  | "T"
  | "U"
  | "W"
  | "X";

/** Every {@linkcode PbsJobState}. */
export const PBS_JOB_STATES: readonly PbsJobState[] = [
  "B",
  "C",
  "E",
  "F",
  "H",
  "M",
  "Q",
  "R",
  "S",
  "T",
  "U",
  "W",
  "X",
];

/** A PBS job id, `1234.server`, `1234[].server` (array) or `1234[5].server` (subjob). */
export interface PbsJobRef {
  /** The id as printed (the server part may be cut short by qstat, ending in `*`). */
  readonly id: string;
  /** The sequence number, `"1234"`. */
  readonly jobNumber: string;
  /** The subjob's index; null for plain jobs and for the array itself. */
  readonly arrayIndex: number | null;
  /** True for the array itself (`1234[]`). */
  readonly isArray: boolean;
}

const ID = /^(\d+)(?:\[(\d*)\])?(?:\.\S*)?$/;

/**
 * Parses a PBS job id: `1234.server`, `1234[].server` (the array), `1234[5].server` (a
 * subjob). The server part may be cut short by qstat (`1234[5].serv*`).
 *
 * @param id The id as printed.
 * @returns The parts, or undefined when it is not a job id.
 *
 * @example
 * ```ts
 * import { parsePbsJobId } from "./pbs_job.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parsePbsJobId("5310[2].pbs01"), {
 *   id: "5310[2].pbs01",
 *   jobNumber: "5310",
 *   arrayIndex: 2,
 *   isArray: false,
 * });
 * assert.equal(parsePbsJobId("5310[].pbs01")?.isArray, true);
 * assert.equal(parsePbsJobId("job.pbs01"), undefined);
 * ```
 */
export function parsePbsJobId(id: string): PbsJobRef | undefined {
  const m = ID.exec(id);
  if (!m) return undefined;
  return {
    id,
    jobNumber: m[1],
    arrayIndex: m[2] === undefined || m[2] === "" ? null : Number(m[2]),
    isArray: m[2] === "",
  };
}

/**
 * Whether a string is a PBS job state letter.
 *
 * @param value Any string.
 * @returns True for `"R"`, `"F"`, ...
 *
 * @example
 * ```ts
 * import { isPbsJobState } from "./pbs_job.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isPbsJobState("X"), true);
 * assert.equal(isPbsJobState("C"), true); // Torque's completed
 * assert.equal(isPbsJobState("r"), false);
 * ```
 */
export function isPbsJobState(value: string): value is PbsJobState {
  return (PBS_JOB_STATES as readonly string[]).includes(value);
}
