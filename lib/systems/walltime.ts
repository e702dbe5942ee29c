/**
 * Walltimes as users write them in systems configs ("2-00:00:00", "30:00", "90"). The
 * implementation is drover's units module, `lib/units`, shared with `lib/scheduler`.
 *
 * @module
 */
export {
  formatWalltime,
  parseWalltime,
  type SafeParseResult,
  safeParseWalltime,
  WALLTIME_FORMS,
} from "../units/mod.ts";
