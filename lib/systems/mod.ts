/**
 * Systems: where jobs can run. A system is this machine or a cluster behind SSH, with its
 * scheduler, partitions, run directory and politeness limits, read from the project's
 * `drover.yaml` merged over the user's `~/.config/drover/systems.yaml`. Also the parsers of
 * walltimes and memory sizes users write (from `lib/units`, shared with `lib/scheduler`),
 * and choosing a partition that fits a request.
 *
 * ```ts
 * import { parseSystemsConfig, parseWalltime, pickPartition } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const { systems } = parseSystemsConfig(`
 * x-slurm: &slurm { scheduler: slurm, maxJobs: 50 }
 * systems:
 *   hpc:
 *     <<: *slurm
 *     host: me@login.hpc.example.org
 *     partitions:
 *       - { name: short, coresPerNode: 48, maxTime: "4:00:00", memory: 192G }
 *       - { name: long, coresPerNode: 48, maxTime: "2-00:00:00", memory: 192G }
 * `, "drover.yaml");
 * assert.equal(systems.hpc.scheduler, "slurm");
 * assert.equal(systems.hpc.maxJobs, 50);
 * const partition = pickPartition(systems.hpc, { cores: 48, time: parseWalltime("12:00:00") });
 * assert.equal(partition?.name, "long");
 * ```
 *
 * @module
 */
export {
  DEFAULT_MAX_JOBS,
  DEFAULT_POLL_MS,
  DEFAULT_RUNDIR,
  MIN_POLL_MS,
  type Partition,
  SCHEDULER_NAMES,
  type SchedulerName,
  type System,
  type SystemsConfig,
} from "./system.ts";
export { ConfigError } from "./config_error.ts";
export { parseSystemsConfig, safeParseSystemsConfig } from "./parse_systems.ts";
export {
  type LoadedSystems,
  loadSystems,
  type LoadSystemsOptions,
  PROJECT_CONFIG_NAME,
  type SystemsConfigFiles,
  systemsConfigFiles,
} from "./load_systems.ts";
export { pickPartition, type Resources } from "./pick_partition.ts";
export { DIRECTIVE_PREFIXES, lintSystem } from "./lint_system.ts";
export {
  formatWalltime,
  parseWalltime,
  type SafeParseResult,
  safeParseWalltime,
  WALLTIME_FORMS,
} from "./walltime.ts";
export { formatMemory, MEMORY_FORMS, parseMemory, safeParseMemory } from "./memory.ts";
export {
  describeIssue,
  describeValue,
  formatPath,
  type IssueLike,
  type ValidationProblem,
} from "./validation_problem.ts";
