/**
 * The limits drover needs from a Slurm cluster, read from `scontrol show config`.
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";
import { type ParseOptions, type ParseResult, SchedulerOutputError } from "./errors.ts";
import { outputLines, safely } from "./_lines.ts";

/** What drover uses of a Slurm cluster's configuration. Durations in ms. */
export interface SlurmConfig {
  /** `MaxArraySize`: array indices must be below it. */
  readonly maxArraySize: number;
  /** `MaxJobCount`: jobs slurmctld holds at once (each array element counts). */
  readonly maxJobCount: number;
  /** `MinJobAge` in ms: how long a finished job stays visible to `squeue`. */
  readonly minJobAge: number;
  /** `max_array_tasks` from `SchedulerParameters`, a lower cap on elements per array. */
  readonly maxArrayTasks: number | null;
  /** `MaxStepCount`, when shown. */
  readonly maxStepCount: number | null;
  /** Whether `sacct` can answer: `AccountingStorageType` is not `accounting_storage/none`. */
  readonly accounting: boolean;
  /** `SLURM_VERSION`, e.g. `"22.05.8"`. */
  readonly version: string | null;
  /** `ClusterName`. */
  readonly clusterName: string | null;
  /** `OverTimeLimit` in ms (time a job may run past its limit); null when UNLIMITED or absent. */
  readonly overTimeLimit: number | null;
  /** `KillWait` in ms, between SIGTERM and SIGKILL at the time limit. */
  readonly killWait: number | null;
  /** `PreemptMode` (`OFF`, `REQUEUE`, `CANCEL`, ...). */
  readonly preemptMode: string | null;
  /** Every `Key = value` line, as printed (the first occurrence of a key wins). */
  readonly values: Readonly<Record<string, string>>;
}

const COMMAND = "scontrol show config";

const count = z.string().regex(/^\d+$/, "must be a whole number").transform(Number);
const durationMs = z.string().transform((text, ctx): number | null => {
  if (/^(UNLIMITED|INFINITE|N\/A)$/i.test(text)) return null;
  const m = /^(\d+)\s*(usec|msec|sec|min|hour|day)s?$/.exec(text);
  if (!m) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a duration like "30 sec"' });
    return z.NEVER;
  }
  const unit = { usec: 0.001, msec: 1, sec: 1000, min: 60_000, hour: 3_600_000, day: 86_400_000 };
  return Number(m[1]) * unit[m[2] as keyof typeof unit];
});
const text = z.string().transform((v) => (v === "" || v === "(null)" ? null : v));

const configSchema = z.object({
  MaxArraySize: count,
  MaxJobCount: count,
  MinJobAge: durationMs.refine((v) => v !== null, "must be a finite duration"),
  MaxStepCount: count.optional(),
  AccountingStorageType: text.optional(),
  SLURM_VERSION: text.optional(),
  ClusterName: text.optional(),
  OverTimeLimit: durationMs.optional(),
  KillWait: durationMs.optional(),
  PreemptMode: text.optional(),
  SchedulerParameters: text.optional(),
}).transform((c): Omit<SlurmConfig, "values"> => ({
  maxArraySize: c.MaxArraySize,
  maxJobCount: c.MaxJobCount,
  minJobAge: c.MinJobAge as number,
  maxArrayTasks: maxArrayTasks(c.SchedulerParameters ?? null),
  maxStepCount: c.MaxStepCount ?? null,
  accounting: (c.AccountingStorageType ?? "accounting_storage/none") !== "accounting_storage/none",
  version: c.SLURM_VERSION ?? null,
  clusterName: c.ClusterName ?? null,
  overTimeLimit: c.OverTimeLimit ?? null,
  killWait: c.KillWait ?? null,
  preemptMode: c.PreemptMode ?? null,
}));

// The schema and the interface must agree.
type Parsed = z.infer<typeof configSchema>;
const _agree: Parsed extends Omit<SlurmConfig, "values">
  ? Omit<SlurmConfig, "values"> extends Parsed ? true : false
  : false = true;
void _agree;

function maxArrayTasks(parameters: string | null): number | null {
  const m = /(?:^|,)max_array_tasks=(\d+)(?:,|$)/.exec(parameters ?? "");
  return m ? Number(m[1]) : null;
}

/**
 * Reads `scontrol show config` output (`Key = value` lines; other lines are ignored).
 * `MaxArraySize`, `MaxJobCount` and `MinJobAge` must be present and valid; the rest is
 * optional.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The configuration.
 * @throws {SchedulerOutputError} When a required field is missing or malformed.
 *
 * @example
 * ```ts
 * import { parseSlurmConfig } from "./slurm_config.ts";
 * import assert from "node:assert/strict";
 * const config = parseSlurmConfig([
 *   "Configuration data as of 2024-05-01T10:00:00",
 *   "AccountingStorageType   = accounting_storage/slurmdbd",
 *   "MaxArraySize            = 1001",
 *   "MaxJobCount             = 10000",
 *   "MinJobAge               = 300 sec",
 *   "SchedulerParameters     = bf_continue,max_array_tasks=500",
 * ].join("\n"));
 * assert.equal(config.maxArraySize, 1001);
 * assert.equal(config.minJobAge, 300_000);
 * assert.equal(config.maxArrayTasks, 500);
 * assert.equal(config.accounting, true);
 * ```
 */
export function parseSlurmConfig(output: string, options: ParseOptions = {}): SlurmConfig {
  const command = options.command ?? COMMAND;
  const values: Record<string, string> = {};
  const lineOf: Record<string, string> = {};
  const numberOf: Record<string, number> = {};
  for (const line of outputLines(output)) {
    const m = /^([A-Za-z_][A-Za-z0-9_[\]]*)\s*=\s?(.*)$/.exec(line.text);
    if (!m || m[1] in values) continue;
    values[m[1]] = m[2].trimEnd();
    lineOf[m[1]] = line.text;
    numberOf[m[1]] = line.number;
  }
  const parsed = configSchema.safeParse(values);
  if (parsed.success) return { ...parsed.data, values };
  const issue = parsed.error.issues[0];
  const key = String(issue.path[0] ?? "");
  if (!(key in values)) {
    throw new SchedulerOutputError(`Cannot parse ${command} output: ${key} is missing`, {
      command,
      line: output,
      lineNumber: 0,
      cause: parsed.error,
    });
  }
  throw new SchedulerOutputError(
    `Cannot parse ${command} output: line ${numberOf[key]}: ${key} ${
      issue.message === "Invalid" ? "is not valid" : issue.message
    } (got ${JSON.stringify(values[key])})`,
    { command, line: lineOf[key], lineNumber: numberOf[key], cause: parsed.error },
  );
}

/**
 * Like {@linkcode parseSlurmConfig}, but returns the error instead of throwing it.
 *
 * @param output The command's standard output.
 * @param options The command line to name in errors.
 * @returns The configuration or the error.
 *
 * @example
 * ```ts
 * import { safeParseSlurmConfig } from "./slurm_config.ts";
 * import assert from "node:assert/strict";
 * const result = safeParseSlurmConfig("MaxArraySize = lots\n");
 * assert.equal(result.success, false);
 * ```
 */
export function safeParseSlurmConfig(
  output: string,
  options: ParseOptions = {},
): ParseResult<SlurmConfig> {
  return safely(() => parseSlurmConfig(output, options));
}
