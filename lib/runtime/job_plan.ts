/**
 * What the runtime writes into a job's `spec` column, with its parser: the only reader of
 * `jobs.spec` (runtime, re-attach and CLI).
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";
import type { JobResources } from "../scheduler/mod.ts";

/** The route and objects of one job. */
export interface JobPlan {
  /** The remote info key that routed its calls. */
  readonly routeKey: string;
  /** The module that defines the step. */
  readonly module: string;
  /** Calls per array element. */
  readonly inputsPerJob: number;
  /** Restarts allowed per run. */
  readonly maxRestarts: number;
  /** What was asked of the scheduler. */
  readonly resources: JobResources;
  /** The bundle object. */
  readonly bundle: string;
  /** The manifest object. */
  readonly manifest: string;
  /** The job script object. */
  readonly script: string;
  /** Input files staged into the job directory: path there and object. */
  readonly files?: readonly {
    readonly target: string;
    readonly ref: string;
    /** Permission bits to keep (executables stay executable). */
    readonly mode?: number;
  }[];
  /** The route's environment (re-attached restarts keep it). */
  readonly env?: Readonly<Record<string, string>>;
}

const HEX = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 hex digest");
const SCHEMA = z.object({
  routeKey: z.string(),
  module: z.string(),
  inputsPerJob: z.number().int().positive(),
  maxRestarts: z.number().int().nonnegative(),
  resources: z.object({
    nodes: z.number().optional(),
    cores: z.number().optional(),
    time: z.number().optional(),
    memory: z.number().optional(),
    gpus: z.number().optional(),
    partition: z.string().optional(),
  }).passthrough(),
  bundle: HEX,
  manifest: HEX,
  script: HEX,
  files: z.array(z.object({ target: z.string(), ref: HEX, mode: z.number().int().optional() }))
    .optional(),
  env: z.record(z.string()).optional(),
});

/** Result of {@linkcode safeParseJobPlan}. */
export type JobPlanResult =
  | { readonly success: true; readonly data: JobPlan }
  | { readonly success: false; readonly message: string };

/**
 * Reads a job's spec.
 *
 * @param spec The stored spec.
 * @param job The job's name, for the message.
 * @returns The plan, or why it is not one.
 *
 * @example
 * ```ts
 * import { safeParseJobPlan } from "./job_plan.ts";
 * import assert from "node:assert/strict";
 * const r = safeParseJobPlan({ routeKey: "k" }, "dr-a-1");
 * assert.equal(r.success, false);
 * ```
 */
export function safeParseJobPlan(spec: unknown, job: string): JobPlanResult {
  const r = SCHEMA.safeParse(spec);
  if (r.success) return { success: true, data: r.data as JobPlan };
  const issue = r.error.issues[0];
  return {
    success: false,
    message: `Cannot read the spec of job ${job}: ${issue?.path.join(".") || "spec"}: ${
      issue?.message ?? "invalid"
    }`,
  };
}

/**
 * Reads a job's spec, or throws.
 *
 * @param spec The stored spec.
 * @param job The job's name, for the message.
 * @returns The plan.
 * @throws {TypeError} When the spec is not a job plan.
 *
 * @example
 * ```ts
 * import { parseJobPlan } from "./job_plan.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => parseJobPlan({}, "dr-a-1"), /Cannot read the spec of job dr-a-1/);
 * ```
 */
export function parseJobPlan(spec: unknown, job: string): JobPlan {
  const r = safeParseJobPlan(spec, job);
  if (!r.success) throw new TypeError(r.message);
  return r.data;
}
