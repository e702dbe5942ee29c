/**
 * Batch scripts for drover's local scheduler.
 *
 * @module
 */
import { type JobSpec, validateJobSpec } from "./job_spec.ts";
import { arrayRange, assembleScript } from "./_script.ts";

/** The directive prefix of local scripts, read by the local scheduler at submission. */
export const LOCAL_DIRECTIVE = "#DROVER";

/**
 * The variable the local scheduler sets to the element's index; rendered scripts export
 * `DROVER_ARRAY_INDEX` from it, as Slurm scripts do from `SLURM_ARRAY_TASK_ID`.
 */
export const LOCAL_TASK_VARIABLE = "DROVER_LOCAL_TASK_ID";

/**
 * Renders a job as a script for the local scheduler (`LocalDriver`): a bash script like the
 * Slurm one, with `#DROVER` directives the local scheduler reads when the job is submitted:
 * `--job-name`, `--array=0-(n-1)[%throttle]`, `--output` and `--error` (keeping the
 * `{index}` placeholder, which the scheduler replaces). Resources are not enforced locally
 * and not written.
 *
 * @param spec The job.
 * @returns The script text, ending with a newline.
 * @throws {RangeError} When the spec is not valid (see `validateJobSpec`).
 *
 * @example
 * ```ts
 * import { renderLocalScript } from "./local_script.ts";
 * import assert from "node:assert/strict";
 * const script = renderLocalScript({
 *   name: "drover-a1",
 *   array: { size: 5, throttle: 2 },
 *   env: { GREETING: "it's $(not run)" },
 *   body: ["echo \"$GREETING\""],
 *   stdout: "/tmp/logs/{index}.out",
 * });
 * assert.match(script, /^#DROVER --array=0-4%2$/m);
 * assert.match(script, /^#DROVER --output=\/tmp\/logs\/\{index\}\.out$/m);
 * assert.match(script, /^export DROVER_ARRAY_INDEX="\$DROVER_LOCAL_TASK_ID"$/m);
 * ```
 */
export function renderLocalScript(spec: JobSpec): string {
  validateJobSpec(spec);
  const d: string[] = [`--job-name=${spec.name}`];
  if (spec.array) d.push(`--array=${arrayRange(spec.array)}`);
  if (spec.stdout !== undefined) d.push(`--output=${spec.stdout}`);
  if (spec.stderr !== undefined) d.push(`--error=${spec.stderr}`);
  return assembleScript(spec, {
    prefix: LOCAL_DIRECTIVE,
    directives: d,
    indexExpression: `"$${LOCAL_TASK_VARIABLE}"`,
  });
}
