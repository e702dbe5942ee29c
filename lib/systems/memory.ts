/**
 * Memory sizes as users write them in systems configs ("4G", "500M", "4096" MB). The
 * implementation is drover's units module, `lib/units`, shared with `lib/scheduler`.
 *
 * @module
 */
export { formatMemory, MEMORY_FORMS, parseMemory, safeParseMemory } from "../units/mod.ts";
