/**
 * The part of a batch script every scheduler shares (private to lib/scheduler).
 *
 * @module
 */
import {
  ARRAY_INDEX_PLACEHOLDER,
  ARRAY_INDEX_VARIABLE,
  type JobArray,
  type JobSpec,
} from "./job_spec.ts";
import { bashQuote } from "./shell_quote.ts";
import { envValueWord, resourceVariables } from "./resource_variables.ts";

/** How one scheduler writes the common parts. */
export interface ScriptDialect {
  /** The directive prefix: `#SBATCH`, `#PBS`, `#$`. */
  readonly prefix: string;
  /** Directive arguments in order, e.g. `["--job-name=x", "--array=0-9"]`. */
  readonly directives: readonly string[];
  /** Shell expression of the 0-based element index (array jobs only). */
  readonly indexExpression: string;
}

/**
 * Writes an array's indices as Slurm, PBS and the local scheduler take them: `0-(n-1)`,
 * with `%throttle` when there is one.
 *
 * @param array The array.
 * @returns e.g. `"0-19%8"`.
 */
export function arrayRange(array: JobArray): string {
  return `0-${array.size - 1}${array.throttle === undefined ? "" : `%${array.throttle}`}`;
}

/**
 * Replaces the array-index placeholder of a log path.
 *
 * @param path The path from the spec.
 * @param token The scheduler's token, or "0" for a job that is not an array.
 * @returns The path for the directive.
 */
export function logPath(path: string, token: string): string {
  return path.replaceAll(ARRAY_INDEX_PLACEHOLDER, token);
}

/**
 * Writes the whole script: shebang, directives, the spec's header lines, strict mode, the
 * index variable, the resource variables (`DROVER_CORES`, ...), the environment, the
 * working directory, setup and body. Values are quoted with `bashQuote`, so none of them
 * starts a new line; in environment values only `${...}` references to resource variables
 * expand (see `envValueWord`).
 *
 * @param spec A validated spec.
 * @param dialect The scheduler's parts.
 * @returns The script, ending with a newline.
 */
export function assembleScript(spec: JobSpec, dialect: ScriptDialect): string {
  const lines = ["#!/bin/bash"];
  for (const d of dialect.directives) lines.push(`${dialect.prefix} ${d}`);
  lines.push(...(spec.header ?? []));
  lines.push("set -euo pipefail");
  const index = spec.array ? dialect.indexExpression : "0";
  lines.push(`export ${ARRAY_INDEX_VARIABLE}=${index}`);
  for (const [name, value] of Object.entries(resourceVariables(spec.resources))) {
    lines.push(`export ${name}=${value === "" ? "''" : value}`);
  }
  for (const [name, value] of Object.entries(spec.env ?? {})) {
    lines.push(`export ${name}=${envValueWord(value)}`);
  }
  if (spec.workdir !== undefined) lines.push(`cd -- ${bashQuote(spec.workdir)}`);
  lines.push(...(spec.setup ?? []), ...spec.body);
  return lines.join("\n") + "\n";
}
