/**
 * A job element's environment (folder private): the variables the scheduler and the job
 * script set, and the call log's slice limits.
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";
import { ARRAY_INDEX_VARIABLE } from "../scheduler/mod.ts";
import { JOB_DIR_VARIABLE, RUNDIR_VARIABLE } from "../runtime/mod.ts";
import type { SliceLimits } from "./_call_log_writer.ts";

/** Environment variable: longest a finished call waits for its slice's commit, ms (500). */
export const SLICE_MS_VARIABLE = "DROVER_SLICE_MS";
/** Environment variable: most calls committed in one slice (10000). */
export const SLICE_CALLS_VARIABLE = "DROVER_SLICE_CALLS";

/** The job's environment. */
export function envSchema(): z.ZodType<Record<string, string>, z.ZodTypeDef, unknown> {
  const absolute = { message: "an absolute path" };
  const index = { message: "a whole number, 0 or more" };
  return z.object({
    [RUNDIR_VARIABLE]: z.string(absolute).regex(/^\//, absolute),
    [JOB_DIR_VARIABLE]: z.string(absolute).regex(/^\//, absolute),
    [ARRAY_INDEX_VARIABLE]: z.string(index).regex(/^\d{1,9}$/, index),
  });
}

/** Slice limits: options, else `DROVER_SLICE_MS` / `DROVER_SLICE_CALLS`, else defaults. */
export function sliceLimits(
  env: Readonly<Record<string, string | undefined>>,
  given: Partial<SliceLimits> | undefined,
): SliceLimits {
  const num = (v: string | undefined): number | undefined =>
    v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : undefined;
  return {
    ms: given?.ms ?? num(env[SLICE_MS_VARIABLE]) ?? 500,
    calls: given?.calls ?? num(env[SLICE_CALLS_VARIABLE]) ?? 10_000,
    bytes: given?.bytes ?? 8 * 1024 * 1024,
  };
}
