/**
 * The limits drover needs from a Grid Engine cell, read from `qconf -sconf` (the global
 * configuration).
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";
import type { ParseOptions, ParseResult } from "./errors.ts";
import { failLine, failOutput, type NumberedLine, outputLines, safely } from "./_lines.ts";

/** What drover uses of a Grid Engine cell's global configuration. */
export interface SgeConfig {
  /** `max_aj_tasks`: most tasks in one array job; null when 0 (no limit). */
  readonly maxArrayTasks: number | null;
  /** `max_aj_instances`: most tasks of one array running at once; null when 0. */
  readonly maxArrayInstances: number | null;
  /** `max_jobs`: most jobs the cell holds at once (an array counts once); null when 0. */
  readonly maxJobs: number | null;
  /** `max_u_jobs`: most jobs one user holds at once; null when 0. */
  readonly maxUserJobs: number | null;
  /** `finished_jobs`: how many ended jobs qmaster keeps for `qstat -s z`. */
  readonly finishedJobs: number | null;
  /** Every `name value` line as printed, continuation lines (`\`) joined. */
  readonly values: Readonly<Record<string, string>>;
}

const COMMAND = "qconf -sconf";

const limit = z.string().regex(/^\d+$/, "must be a whole number")
  .transform((v) => (Number(v) === 0 ? null : Number(v)));
const configSchema = z.object({
  max_aj_tasks: limit,
  max_jobs: limit,
  max_aj_instances: limit.optional(),
  max_u_jobs: limit.optional(),
  finished_jobs: limit.optional(),
});

/**
 * Parses `qconf -sconf`: an optional `#global:` line, then `name value` lines; a value
 * ending in a backslash continues on the next line. `max_aj_tasks` and `max_jobs` are
 * required; 0 means no limit (null).
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The configuration.
 * @throws {SchedulerOutputError} When a required value is missing or not a whole number.
 *
 * @example
 * ```ts
 * import { parseSgeConfig } from "./sge_config.ts";
 * import assert from "node:assert/strict";
 * const config = parseSgeConfig([
 *   "#global:",
 *   "reporting_params             accounting=true reporting=false \\",
 *   "                             flush_time=00:00:15",
 *   "max_aj_tasks                 75000",
 *   "max_jobs                     0",
 * ].join("\n"));
 * assert.equal(config.maxArrayTasks, 75_000);
 * assert.equal(config.maxJobs, null);
 * assert.equal(config.values.reporting_params, "accounting=true reporting=false flush_time=00:00:15");
 * ```
 */
export function parseSgeConfig(output: string, options: ParseOptions = {}): SgeConfig {
  const command = options.command ?? COMMAND;
  const values: Record<string, string> = {};
  const lines: Record<string, NumberedLine> = {};
  let open: string | null = null;
  for (const line of outputLines(output)) {
    if (open !== null) {
      const part = line.text.trim();
      values[open] += (values[open] === "" ? "" : " ") + part.replace(/\s*\\$/, "");
      if (!part.endsWith("\\")) open = null;
      continue;
    }
    if (line.text.startsWith("#")) continue;
    const m = /^(\S+)\s*(.*?)\s*$/.exec(line.text);
    if (!m) failLine(command, line, 'is not "<name> <value>"');
    const [, name, value] = m;
    values[name] = value.replace(/\s*\\$/, "");
    lines[name] = line;
    if (value.endsWith("\\")) open = name;
  }
  const parsed = configSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]);
    if (!(key in values)) failOutput(command, output, `expected a ${key} line`);
    failLine(
      command,
      lines[key],
      `has ${key} ${JSON.stringify(values[key])}, which ${issue.message}`,
    );
  }
  const c = parsed.data;
  return {
    maxArrayTasks: c.max_aj_tasks,
    maxArrayInstances: c.max_aj_instances ?? null,
    maxJobs: c.max_jobs,
    maxUserJobs: c.max_u_jobs ?? null,
    finishedJobs: c.finished_jobs ?? null,
    values,
  };
}

/**
 * Like {@linkcode parseSgeConfig}, but returns the error instead of throwing it.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The configuration or the error.
 *
 * @example
 * ```ts
 * import { safeParseSgeConfig } from "./sge_config.ts";
 * import assert from "node:assert/strict";
 * assert.equal(safeParseSgeConfig("max_jobs 10\n").success, false);
 * ```
 */
export function safeParseSgeConfig(
  output: string,
  options: ParseOptions = {},
): ParseResult<SgeConfig> {
  return safely(() => parseSgeConfig(output, options));
}
