/**
 * The error for a systems config file that cannot be read or is not valid.
 *
 * @module
 */
import type { ValidationProblem } from "./validation_problem.ts";

/**
 * A systems config file (`drover.yaml`, `~/.config/drover/systems.yaml`) cannot be read,
 * is not YAML/JSON, or does not fit the schema. The message is one line naming the file, the
 * path inside it and what was expected:
 * `Cannot read systems config "/p/drover.yaml": systems.cluster.scheduler must be one of
 * slurm, pbs, sge, local (got "slrum")`.
 *
 * @example
 * ```ts
 * import { ConfigError } from "./config_error.ts";
 * import assert from "node:assert/strict";
 * const e = new ConfigError("/p/drover.yaml", {
 *   path: "systems.c.pollMs",
 *   expected: "a whole number, 10 or more",
 *   message: "systems.c.pollMs must be a whole number, 10 or more (got 5)",
 * });
 * assert.equal(e.file, "/p/drover.yaml");
 * assert.equal(e.path, "systems.c.pollMs");
 * assert.match(e.message, /^Cannot read systems config "\/p\/drover.yaml": systems.c.pollMs/);
 * ```
 */
export class ConfigError extends Error {
  /** The file (absolute path, or the name it was given under). */
  readonly file: string;
  /** Where inside the file: `systems.cluster.scheduler`; `""` for the whole file. */
  readonly path: string;
  /** What was expected there. */
  readonly expected: string;

  /**
   * Creates an instance.
   *
   * @param file The file.
   * @param problem Path, expectation and the description used in the message.
   * @param options The underlying error, if any.
   */
  constructor(file: string, problem: ValidationProblem, options?: ErrorOptions) {
    super(`Cannot read systems config "${file}": ${problem.message}`, options);
    this.name = "ConfigError";
    this.file = file;
    this.path = problem.path;
    this.expected = problem.expected;
  }
}
