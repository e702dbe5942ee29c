/**
 * Slurm batch scripts.
 *
 * @module
 */
import { type JobSpec, validateJobSpec } from "./job_spec.ts";
import { formatSlurmWalltime, toMebibytes } from "../units/mod.ts";
import { arrayRange, assembleScript, logPath } from "./_script.ts";

/**
 * Renders a job as an `sbatch` script. Directives, in order: `--job-name`,
 * `--array=0-(n-1)[%throttle]`, `--partition`, `--nodes`, `--cpus-per-task` (cores),
 * `--mem=<MiB>M` (per node), `--gres=gpu:<n>`, `--time=D-HH:MM:SS`, `--output`, `--error`
 * (with `{index}` written as `%a`), then the spec's header lines. The script exports
 * `DROVER_ARRAY_INDEX` from `SLURM_ARRAY_TASK_ID`.
 *
 * @param spec The job.
 * @returns The script text, ending with a newline.
 * @throws {RangeError} When the spec is not valid (see `validateJobSpec`).
 *
 * @example
 * ```ts
 * import { renderSlurmScript } from "./slurm_script.ts";
 * import assert from "node:assert/strict";
 * const script = renderSlurmScript({
 *   name: "drover-a1",
 *   array: { size: 20, throttle: 5 },
 *   resources: { cores: 2, time: 3_600_000, memory: 2 * 1024 ** 3 },
 *   body: ["echo hi"],
 * });
 * assert.match(script, /^#SBATCH --array=0-19%5$/m);
 * assert.match(script, /^#SBATCH --time=0-01:00:00$/m);
 * assert.match(script, /^#SBATCH --mem=2048M$/m);
 * assert.match(script, /^export DROVER_ARRAY_INDEX="\$SLURM_ARRAY_TASK_ID"$/m);
 * ```
 */
export function renderSlurmScript(spec: JobSpec): string {
  validateJobSpec(spec);
  const r = spec.resources ?? {};
  const d: string[] = [`--job-name=${spec.name}`];
  if (spec.array) d.push(`--array=${arrayRange(spec.array)}`);
  if (r.partition !== undefined) d.push(`--partition=${r.partition}`);
  if (r.nodes !== undefined) d.push(`--nodes=${r.nodes}`);
  if (r.cores !== undefined) d.push(`--cpus-per-task=${r.cores}`);
  if (r.memory !== undefined) d.push(`--mem=${toMebibytes(r.memory)}M`);
  if (r.gpus) d.push(`--gres=gpu:${r.gpus}`);
  if (r.time !== undefined) d.push(`--time=${formatSlurmWalltime(r.time)}`);
  const token = spec.array ? "%a" : "0";
  if (spec.stdout !== undefined) d.push(`--output=${logPath(spec.stdout, token)}`);
  if (spec.stderr !== undefined) d.push(`--error=${logPath(spec.stderr, token)}`);
  return assembleScript(spec, {
    prefix: "#SBATCH",
    directives: d,
    indexExpression: `"$SLURM_ARRAY_TASK_ID"`,
  });
}
