/**
 * PBS Pro batch scripts.
 *
 * @module
 */
import { type JobSpec, validateJobSpec } from "./job_spec.ts";
import { formatPbsWalltime, toMebibytes } from "../units/mod.ts";
import { arrayRange, assembleScript, logPath } from "./_script.ts";

/**
 * Renders a job as a PBS Pro `qsub` script. Directives, in order: `-N`, `-S /bin/bash`,
 * `-J 0-(n-1)[%throttle]` (PBS Pro does not accept a one-element range, so an array of
 * size 1 is rendered as a plain job with index 0), `-q` (partition),
 * `-l select=<nodes>:ncpus=<cores>:mem=<MiB>mb:ngpus=<gpus>` (per node, i.e. per chunk),
 * `-l walltime=HH:MM:SS`, `-o`, `-e` (with `{index}` written as `^array_index^`), then
 * the spec's header lines. The script exports `DROVER_ARRAY_INDEX` from `PBS_ARRAY_INDEX`.
 *
 * @param spec The job.
 * @returns The script text, ending with a newline.
 * @throws {RangeError} When the spec is not valid (see `validateJobSpec`).
 *
 * @example
 * ```ts
 * import { renderPbsScript } from "./pbs_script.ts";
 * import assert from "node:assert/strict";
 * const script = renderPbsScript({
 *   name: "drover-a1",
 *   array: { size: 20 },
 *   resources: { cores: 2, time: 3_600_000, memory: 2 * 1024 ** 3 },
 *   body: ["echo hi"],
 * });
 * assert.match(script, /^#PBS -J 0-19$/m);
 * assert.match(script, /^#PBS -l select=1:ncpus=2:mem=2048mb$/m);
 * assert.match(script, /^#PBS -l walltime=01:00:00$/m);
 * assert.match(script, /^export DROVER_ARRAY_INDEX="\$PBS_ARRAY_INDEX"$/m);
 * ```
 */
export function renderPbsScript(spec: JobSpec): string {
  validateJobSpec(spec);
  const r = spec.resources ?? {};
  const array = spec.array && spec.array.size > 1 ? spec.array : undefined;
  const d: string[] = [`-N ${spec.name}`, "-S /bin/bash"];
  if (array) d.push(`-J ${arrayRange(array)}`);
  if (r.partition !== undefined) d.push(`-q ${r.partition}`);
  const chunk: string[] = [];
  if (r.cores !== undefined) chunk.push(`ncpus=${r.cores}`);
  if (r.memory !== undefined) chunk.push(`mem=${toMebibytes(r.memory)}mb`);
  if (r.gpus) chunk.push(`ngpus=${r.gpus}`);
  if (r.nodes !== undefined || chunk.length > 0) {
    d.push(`-l select=${[String(r.nodes ?? 1), ...chunk].join(":")}`);
  }
  if (r.time !== undefined) d.push(`-l walltime=${formatPbsWalltime(r.time)}`);
  const token = array ? "^array_index^" : "0";
  if (spec.stdout !== undefined) d.push(`-o ${logPath(spec.stdout, token)}`);
  if (spec.stderr !== undefined) d.push(`-e ${logPath(spec.stderr, token)}`);
  return assembleScript({ ...spec, array }, {
    prefix: "#PBS",
    directives: d,
    indexExpression: `"$PBS_ARRAY_INDEX"`,
  });
}
