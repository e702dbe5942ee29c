/**
 * Schedulers: batch scripts for Slurm, PBS Pro and Grid Engine rendered from one
 * {@linkcode JobSpec} with every value quoted or validated, job arrays cut to the
 * cluster's limits, parsers for what `sbatch`, `squeue`, `sacct`, `scontrol`, `qstat` and
 * `qacct` print (each a throwing `parseX` and a `safeParseX`), the classification of how a
 * job element ended, and the drivers ({@linkcode driverFor}: Slurm, Grid Engine, and a
 * local scheduler of detached background processes) that submit, list, cancel and read limits through any
 * `Transport`.
 *
 * ```ts
 * import {
 *   classifyOutcome,
 *   parseSqueue,
 *   renderSlurmScript,
 *   shellJoin,
 *   splitArray,
 * } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const [chunk] = splitArray(20, { maxArraySize: 1001, maxJobCount: 10_000, inFlight: 0 }).arrays;
 * const script = renderSlurmScript({
 *   name: "drover-3f2a9c",
 *   array: { size: chunk.size, throttle: 8 },
 *   resources: { cores: 1, time: 600_000, memory: 512 * 1024 ** 2 },
 *   env: { DROVER_CALLS: "calls; rm -rf ~" },
 *   body: [shellJoin(["deno", "run", "-A", "/scratch/drover/job.js"])],
 *   stdout: "/scratch/drover/logs/{index}.out",
 * });
 * assert.match(script, /^#SBATCH --array=0-19%8$/m);
 * assert.match(script, /^export DROVER_CALLS='calls; rm -rf ~'$/m);
 *
 * const { jobs: rows } = parseSqueue("123_[2-19%8]|PENDING|JobArrayTaskLimit|drover-3f2a9c\n");
 * assert.equal(rows[0].throttle, 8);
 *
 * const outcome = classifyOutcome({
 *   sacctState: "TIMEOUT",
 *   squeueSeen: false,
 *   missingForMs: 0,
 *   graceMs: 60_000,
 * });
 * assert.deepEqual(outcome && outcome.state === "failed" && [outcome.reason, outcome.retryable], [
 *   "timeout",
 *   true,
 * ]);
 * ```
 *
 * @module
 */
export {
  ARRAY_INDEX_PLACEHOLDER,
  ARRAY_INDEX_VARIABLE,
  type JobArray,
  type JobResources,
  type JobSpec,
  validateJobSpec,
} from "./job_spec.ts";
export { bashQuote, shellJoin, shellQuote } from "./shell_quote.ts";
export {
  envValueWord,
  RESOURCE_VARIABLE_ALIASES,
  RESOURCE_VARIABLES,
  resourceReferences,
  resourceVariableOf,
  resourceVariables,
} from "./resource_variables.ts";
export { renderSlurmScript } from "./slurm_script.ts";
export { renderPbsScript } from "./pbs_script.ts";
export { renderSgeScript, type SgeScriptOptions } from "./sge_script.ts";
// Units come from lib/units (shared with lib/systems); re-exported here as before.
export {
  formatPbsWalltime,
  formatSgeWalltime,
  formatSlurmWalltime,
  parseMemorySize,
  parseSlurmDuration,
  toMebibytes,
} from "../units/mod.ts";
export {
  type ArrayChunk,
  type ArraySplit,
  splitArray,
  type SplitArrayOptions,
} from "./split_array.ts";
export { parseSlurmConfig, safeParseSlurmConfig, type SlurmConfig } from "./slurm_config.ts";
export {
  isUnreachableMessage,
  type ParsedListing,
  type ParseOptions,
  type ParseProblem,
  type ParseResult,
  SchedulerCommandError,
  type SchedulerCommandErrorInit,
  SchedulerOutputError,
  type SchedulerOutputErrorInit,
  SubmitError,
} from "./errors.ts";
export {
  isSlurmJobState,
  isTerminalSlurmState,
  SLURM_JOB_STATES,
  type SlurmJobState,
} from "./slurm_state.ts";
export {
  expandTaskRanges,
  parseSlurmJobId,
  type SlurmJobRef,
  type TaskRange,
} from "./slurm_job_id.ts";
export { parseSbatch, safeParseSbatch, type SbatchResult } from "./slurm_submit.ts";
export { parseSqueue, safeParseSqueue, SQUEUE_FORMAT, type SqueueRow } from "./slurm_status.ts";
export {
  parseSacct,
  SACCT_FIELDS,
  type SacctRecord,
  type SacctStep,
  safeParseSacct,
} from "./slurm_accounting.ts";
export {
  isPbsJobState,
  parsePbsJobId,
  PBS_JOB_STATES,
  type PbsJobRef,
  type PbsJobState,
} from "./pbs_job.ts";
export { parsePbsQstat, type PbsQstatRow, safeParsePbsQstat } from "./pbs_status.ts";
export { parsePbsQstatFull, type PbsJobDetail, safeParsePbsQstatFull } from "./pbs_detail.ts";
export {
  parseSgeQstat,
  safeParseSgeQstat,
  type SgeJobStatus,
  type SgeQstatRow,
  sgeStatusOf,
} from "./sge_status.ts";
export { parseSgeQstatXml, safeParseSgeQstatXml, type SgeXmlJob } from "./sge_qstat_xml.ts";
export { parseSgeConfig, safeParseSgeConfig, type SgeConfig } from "./sge_config.ts";
export { parseQacct, safeParseQacct, type SgeAccountingRecord } from "./sge_accounting.ts";
export { hasOomHint } from "./oom_hint.ts";
export {
  classifyOutcome,
  evidenceFromSacct,
  type FailureReason,
  type JobOutcome,
  type MarkerEvidence,
  type OutcomeEvidence,
} from "./classify.ts";
export {
  driverFor,
  type ElementStatus,
  type JobStatus,
  type SchedulerDriver,
  type SchedulerLimits,
  type StatusOptions,
  type SubmitOptions,
} from "./driver.ts";
export { SLURM_STATUS_COMMAND, SlurmDriver } from "./slurm_driver.ts";
export { SGE_STATUS_COMMAND, SgeDriver } from "./sge_driver.ts";
export { LOCAL_LIMITS, LocalDriver, type LocalDriverOptions } from "./local_driver.ts";
export { LOCAL_DIRECTIVE, LOCAL_TASK_VARIABLE, renderLocalScript } from "./local_script.ts";
