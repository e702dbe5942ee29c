/**
 * Calculation jobs from YAML: a jobs file declares labelled `objects`, `codes` (a system, a
 * job script template, files and download globs) and `calcjobs` (a code, parameters, files,
 * globs, resources, an optional `matrix` sweep). `drover add` renders every template
 * strictly and stores it all in one transaction.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTemplateEngine, parseJobsFile, planAdd } from "./mod.ts";
 * const jobs = parseJobsFile(`
 * codes:
 *   - label: echo
 *     system: here
 *     script: "echo {{ calc.parameters.greeting | shquote }} > out.txt"
 * calcjobs:
 *   - &hello { label: hello, code: echo, parameters: { greeting: hi } }
 *   - { <<: *hello, label: bye, parameters: { greeting: bye } }
 * `, "jobs.yaml");
 * const here = { name: "here", scheduler: "local", rundir: "/tmp", partitions: [],
 *   header: [], setup: [], deno: "upload", maxJobs: 1, pollMs: 100 } as const;
 * const plan = planAdd(jobs, "jobs.yaml", {
 *   systems: { here }, engine: createTemplateEngine(), readFile: Deno.readFileSync,
 * });
 * const script = plan.blobs.get(plan.calcjobs[1].scriptSha256)!;
 * assert.equal(new TextDecoder().decode(script), "echo 'bye' > out.txt");
 * ```
 *
 * @module
 */
export { addJobsFile, type AddJobsOptions, type AddResult } from "./add_jobs.ts";
export {
  type AddOutcome,
  CALCJOB_TRANSITIONS,
  type CalcJobEvent,
  type CalcJobFile,
  type CalcJobFilter,
  type CalcJobRecord,
  type CalcJobState,
  CalcJobStore,
  type LabelConflict,
} from "./calcjob_store.ts";
export {
  type CalcJobEntry,
  type CodeEntry,
  type JobsFile,
  JobsFileError,
  type JobsFileParse,
  type MatrixMode,
  type ObjectEntry,
  parseJobsFile,
  safeParseJobsFile,
  type UploadEntry,
} from "./jobs_file.ts";
export {
  type Batch,
  batchSpec,
  EXIT_MARKER,
  planBatches,
  SCRIPT_NAME,
  scriptDirectives,
} from "./batch_plan.ts";
export {
  type CalcJobFailure,
  classifyElement,
  type ElementEvidence,
  type ElementOutcome,
  LOST_AFTER_MS,
} from "./classify_element.ts";
export {
  type CalcJobRunEvent,
  runCalcJobs,
  type RunCalcJobsOptions,
  type RunCalcJobsSummary,
} from "./run_calcjobs.ts";
export {
  decideRetry,
  DEFAULT_RETRIES,
  type RetryDecision,
  TRANSIENT_FAILURES,
} from "./retry_decision.ts";
export { type HashedPath, listOutputs, RemoteHashError, remoteSha256s } from "./remote_hashes.ts";
export { combinationLabel, expandMatrix, MatrixError } from "./matrix.ts";
export {
  type AddPlan,
  planAdd,
  type PlanAddOptions,
  type PlannedCalcJob,
  type PlannedCode,
  type PlannedFile,
} from "./plan_add.ts";
export {
  createTemplateEngine,
  type Template,
  type TemplateEngine,
  TemplateError,
} from "./template.ts";
