/**
 * {@linkcode lintSystem}: what in a system's settings can never work, found without
 * connecting to it. The config schema accepts these (they are well-formed), but every job
 * would fail: the run directory must be absolute (jobs run in another directory and log
 * paths are absolute) and made of characters job scripts carry unquoted in directives;
 * header lines must be directives of the system's scheduler; partition names go into a
 * directive too, so shell syntax in them is refused.
 *
 * @module
 */
import type { SchedulerName, System } from "./system.ts";
import { describeValue, formatPath, type ValidationProblem } from "./validation_problem.ts";

/** The directive prefix of each scheduler's batch scripts. */
export const DIRECTIVE_PREFIXES: Readonly<Record<SchedulerName, string>> = {
  slurm: "#SBATCH",
  pbs: "#PBS",
  sge: "#$",
  local: "#DROVER",
};

/** Characters a run directory may hold: job scripts write log paths into directives. */
const RUNDIR_CHARS = /^[A-Za-z0-9_./+@=,-]*$/;
/** What job scripts accept as a partition name. */
const PARTITION_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

/**
 * Finds what in a system's settings can never work: a relative run directory, one with
 * characters job scripts cannot carry (or `.`/`..` parts), a header line that is not a
 * directive of its scheduler (or continues onto the next line), a partition name with
 * shell syntax. Pure: nothing is read or connected. The runtime runs the same checks
 * before a system's first submission, `drover systems check` shows them.
 *
 * @param system A system, as parsed from the config.
 * @returns The problems, in settings order; each names its path (`systems.hpc.rundir`), so
 * `new ConfigError(file, problem)` makes the usual one-line message. Empty when none.
 *
 * @example
 * ```ts
 * import { lintSystem } from "./lint_system.ts";
 * import assert from "node:assert/strict";
 * const ok = {
 *   name: "hpc", scheduler: "slurm" as const, rundir: "~/drover-runs", partitions: [],
 *   header: ["#SBATCH --account=abc"], setup: [], deno: "upload", maxJobs: 10, pollMs: 2000,
 * };
 * assert.deepEqual(lintSystem(ok), []);
 * const bad = lintSystem({ ...ok, rundir: "runs", header: ["--mem=4G"] });
 * assert.deepEqual(bad.map((p) => p.message), [
 *   'systems.hpc.rundir must be an absolute path or one starting with ~/ (got "runs")',
 *   'systems.hpc.header[0] must be a #SBATCH directive line, e.g. "#SBATCH --account=abc" (got "--mem=4G")',
 * ]);
 * ```
 */
export function lintSystem(system: System): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const at = (path: (string | number)[], expected: string, got: unknown): void => {
    const where = formatPath(["systems", system.name, ...path]);
    problems.push({
      path: where,
      expected,
      message: `${where} must be ${expected} (got ${describeValue(got)})`,
    });
  };
  const rundir = system.rundir;
  const rest = rundir === "~" ? "" : rundir.startsWith("~/") ? rundir.slice(2) : rundir;
  if (!rundir.startsWith("/") && rundir !== "~" && !rundir.startsWith("~/")) {
    at(["rundir"], "an absolute path or one starting with ~/", rundir);
  } else if (!RUNDIR_CHARS.test(rest)) {
    at(
      ["rundir"],
      "a path of letters, digits and _ . / + @ = , - only (job scripts write it into directives)",
      rundir,
    );
  } else if (rest.split("/").some((part) => part === "." || part === "..")) {
    at(["rundir"], 'a path without "." or ".." parts', rundir);
  }
  const prefix = DIRECTIVE_PREFIXES[system.scheduler];
  system.header.forEach((line, i) => {
    const directive = line.startsWith(prefix) && /^[ \t]+\S/.test(line.slice(prefix.length));
    if (!directive || /[\r\0]/.test(line)) {
      at(
        ["header", i],
        `a ${prefix} directive line, e.g. "${prefix} ${example(system.scheduler)}"`,
        line,
      );
    } else if (line.endsWith("\\")) {
      at(["header", i], 'a directive line not ending in "\\"', line);
    }
  });
  system.partitions.forEach((partition, i) => {
    if (!PARTITION_NAME.test(partition.name)) {
      at(
        ["partitions", i, "name"],
        "a partition name of letters, digits and . _ @ - (starting with a letter or digit)",
        partition.name,
      );
    }
  });
  return problems;
}

function example(scheduler: SchedulerName): string {
  switch (scheduler) {
    case "slurm":
      return "--account=abc";
    case "pbs":
      return "-A abc";
    case "sge":
      return "-P abc";
    case "local":
      return "--job-name=x";
  }
}
