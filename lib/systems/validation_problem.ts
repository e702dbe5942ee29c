/**
 * One-line descriptions of what is wrong with untrusted input (YAML, JSON, environment
 * variables), built from zod issues: `systems.cluster.scheduler must be one of slurm, pbs,
 * sge, local (got "slrum")`. Shared by the systems config and the remote info.
 *
 * The schemas that feed this set every issue message to the expected thing (`one of slurm,
 * pbs, sge, local`, `a whole number, 1 or more`); this module adds the path and what was
 * found there.
 *
 * @module
 */

/** One problem found while validating input, ready for an error message. */
export interface ValidationProblem {
  /** Where in the input: `systems.cluster.partitions[0].maxTime`; `""` for the top level. */
  readonly path: string;
  /** What was expected there: `one of slurm, pbs, sge, local`. */
  readonly expected: string;
  /** The whole one-line description, path first. */
  readonly message: string;
}

/** The parts of a zod issue that {@linkcode describeIssue} reads. */
export interface IssueLike {
  /** zod's issue code (`invalid_type`, `unrecognized_keys`, `custom`, ...). */
  readonly code: string;
  /** Where the issue is, from the top of the input. */
  readonly path: readonly (string | number)[];
  /** The expected thing, as the schema words it. */
  readonly message: string;
  /** For `unrecognized_keys`: the keys not allowed. */
  readonly keys?: readonly string[];
  /**
   * For `custom` issues: `got` (what to show as found), `subject` (instead of the path)
   * and `text` (the whole description after the subject).
   */
  readonly params?: { readonly [name: string]: unknown };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Describes one validation issue in a single line.
 *
 * @param issue The issue (a zod issue fits).
 * @param input The input that was validated, to show what was found at the path.
 * @returns Path, expectation and message.
 *
 * @example
 * ```ts
 * import { describeIssue } from "./validation_problem.ts";
 * import assert from "node:assert/strict";
 * const input = { systems: { cluster: { scheduler: "slrum" } } };
 * const issue = {
 *   code: "invalid_enum_value",
 *   path: ["systems", "cluster", "scheduler"],
 *   message: "one of slurm, pbs, sge, local",
 * };
 * assert.equal(
 *   describeIssue(issue, input).message,
 *   'systems.cluster.scheduler must be one of slurm, pbs, sge, local (got "slrum")',
 * );
 * ```
 */
export function describeIssue(issue: IssueLike, input: unknown): ValidationProblem {
  const params = issue.params ?? {};
  const expected = issue.message;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys?.[0] ?? "";
    const path = formatPath([...issue.path, key]);
    return { path, expected, message: `${path} is not a known setting (expected ${expected})` };
  }
  const path = formatPath(issue.path);
  const subject = typeof params.subject === "string"
    ? params.subject
    : path === ""
    ? "the top level"
    : path;
  if (typeof params.text === "string") {
    return { path, expected, message: `${subject} ${params.text}` };
  }
  const found = "got" in params ? params.got : valueAt(input, issue.path);
  if (issue.code === "invalid_type" && found === undefined) {
    return { path, expected, message: `${subject} is required: ${expected}` };
  }
  return {
    path,
    expected,
    message: `${subject} must be ${expected} (got ${describeValue(found)})`,
  };
}

/**
 * Writes a path inside a document: `systems.cluster.partitions[0].name`; keys that are not
 * plain names are quoted (`["relax.ts::main"].system`).
 *
 * @param path Keys and indices from the top.
 * @returns The path text; `""` for the top level.
 *
 * @example
 * ```ts
 * import { formatPath } from "./validation_problem.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatPath(["systems", "my-hpc", "partitions", 0]), "systems.my-hpc.partitions[0]");
 * assert.equal(formatPath(["a.ts::main", "system"]), '["a.ts::main"].system');
 * ```
 */
export function formatPath(path: readonly (string | number | symbol)[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (typeof segment === "string" && IDENTIFIER.test(segment)) {
      text += text === "" ? segment : `.${segment}`;
    } else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

/**
 * Shows a found value briefly: strings quoted (long ones cut), numbers as they are, `a list`,
 * `a mapping`, `nothing` for a missing value.
 *
 * @param value What was found.
 * @returns A short description.
 *
 * @example
 * ```ts
 * import { describeValue } from "./validation_problem.ts";
 * import assert from "node:assert/strict";
 * assert.equal(describeValue("slrum"), '"slrum"');
 * assert.equal(describeValue([1]), "a list");
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  if (Array.isArray(value)) return "a list";
  if (typeof value === "function") return "a function";
  if (value instanceof Date) return `a date (${value.toISOString()})`;
  return "a mapping";
}

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let value = input;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}
