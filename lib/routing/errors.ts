/**
 * Errors of routing: remote info that cannot be read, and calls two keys claim equally.
 *
 * @module
 */
import type { ValidationProblem } from "../systems/mod.ts";

/**
 * Remote info (`DROVER_REMOTE_INFO`, the file it names, or an object given in code) cannot
 * be read or does not fit the schema. The message is one line naming the source, the path
 * inside it and what was expected: `Cannot read remote info from DROVER_REMOTE_INFO:
 * ["relax_all.ts::main"].system is required: the name of a system`.
 *
 * @example
 * ```ts
 * import { RemoteInfoError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new RemoteInfoError("from DROVER_REMOTE_INFO", {
 *   path: "gpu.maxRestarts",
 *   expected: "a whole number, 0 or more",
 *   message: "gpu.maxRestarts must be a whole number, 0 or more (got -1)",
 * });
 * assert.equal(e.source, "from DROVER_REMOTE_INFO");
 * assert.equal(e.path, "gpu.maxRestarts");
 * ```
 */
export class RemoteInfoError extends Error {
  /** Where the remote info came from, as the message names it. */
  readonly source: string;
  /** Where inside it: `gpu.resources.time`, `["a.ts::main"].system`; `""` for the whole. */
  readonly path: string;
  /** What was expected there. */
  readonly expected: string;

  /**
   * Creates an instance.
   *
   * @param source Where the remote info came from (`from DROVER_REMOTE_INFO`).
   * @param problem Path, expectation and the description used in the message.
   * @param options The underlying error, if any.
   */
  constructor(source: string, problem: ValidationProblem, options?: ErrorOptions) {
    super(`Cannot read remote info ${source}: ${problem.message}`, options);
    this.name = "RemoteInfoError";
    this.source = source;
    this.path = problem.path;
    this.expected = problem.expected;
  }
}

/**
 * Two or more keys of remote info match a call and none is more specific, so drover cannot
 * tell where the call should run.
 *
 * @example
 * ```ts
 * import { AmbiguousRouteError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new AmbiguousRouteError("relax", ["a.ts::*,*::relax", "*::main,lib/r.ts::*"]);
 * assert.deepEqual(e.keys, ["a.ts::*,*::relax", "*::main,lib/r.ts::*"]);
 * assert.match(e.message, /^Cannot route a call of step "relax": keys/);
 * ```
 */
export class AmbiguousRouteError extends Error {
  /** The step whose call could not be routed. */
  readonly step: string;
  /** The keys that match equally well. */
  readonly keys: readonly string[];

  /**
   * Creates an instance.
   *
   * @param step The step's name.
   * @param keys The keys that match equally well.
   */
  constructor(step: string, keys: readonly string[]) {
    const names = keys.map((k) => JSON.stringify(k));
    const list = names.length === 2
      ? `${names[0]} and ${names[1]}`
      : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
    super(
      `Cannot route a call of step "${step}": keys ${list} match it equally well (same number of elements and wildcards); make one of them more specific`,
    );
    this.name = "AmbiguousRouteError";
    this.step = step;
    this.keys = keys;
  }
}
