/**
 * Units at the edge: durations and memory sizes as users write them in configs and as
 * schedulers read and print them, to and from drover's own units (ms and bytes). One
 * grammar per quantity serves both dialects; `lib/systems` (user input) and `lib/scheduler`
 * (scheduler forms) both use this module, which depends on nothing.
 *
 * ```ts
 * import { formatSlurmWalltime, parseMemory, parseMemorySize, parseWalltime } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseWalltime("1-12"), 36 * 3_600_000);
 * assert.equal(formatSlurmWalltime(parseWalltime("90")), "0-01:30:00");
 * assert.equal(parseMemory("4096"), 4 * 1024 ** 3); // a bare number from a user is MB
 * assert.equal(parseMemorySize("4096"), 4096); // a bare number from a scheduler is bytes
 * ```
 *
 * @module
 */
export {
  formatPbsWalltime,
  formatSgeWalltime,
  formatSlurmWalltime,
  formatWalltime,
  parseSlurmDuration,
  parseWalltime,
  type SafeParseResult,
  safeParseWalltime,
  WALLTIME_FORMS,
} from "./duration.ts";
export {
  formatMemory,
  MEMORY_FORMS,
  parseMemory,
  parseMemorySize,
  safeParseMemory,
  toMebibytes,
} from "./size.ts";
