/**
 * Sun/Son of/Univa Grid Engine (SGE) batch scripts.
 *
 * @module
 */
import { type JobSpec, validateJobSpec } from "./job_spec.ts";
import { formatSgeWalltime, toMebibytes } from "../units/mod.ts";
import { assembleScript, logPath } from "./_script.ts";

/** Site-specific names an SGE script needs. */
export interface SgeScriptOptions {
  /** Parallel environment requested for more than one core (`-pe <name> <cores>`). Default `"smp"`. */
  readonly parallelEnvironment?: string;
  /**
   * Resource that limits memory per slot. Default `"h_vmem"`. Note that `h_vmem` limits
   * virtual memory, of which V8 reserves a lot; sites may prefer `h_rss` or `m_mem_free`.
   */
  readonly memoryResource?: string;
  /** Consumable resource for GPUs (`-l <name>=<gpus>`). Default `"gpu"`. */
  readonly gpuResource?: string;
}

const SITE_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

function siteName(value: string, what: string): string {
  if (!SITE_NAME.test(value)) {
    throw new RangeError(
      `Cannot render job script: ${what} ${JSON.stringify(value)} must be a plain name`,
    );
  }
  return value;
}

/**
 * Renders a job as an SGE `qsub` script. Directives, in order: `-N`, `-S /bin/bash`,
 * `-t 1-n` and `-tc <throttle>` (SGE task ids are 1-based), `-q` (partition),
 * `-pe smp <cores>` (when cores > 1), `-l h_rt=HH:MM:SS`, `-l h_vmem=<MiB>M` (memory per
 * node divided by the cores, since SGE limits each slot), `-l gpu=<n>`, `-o`, `-e` (with
 * `{index}` written as `$TASK_ID`, which is 1-based), then the spec's header lines. The
 * script exports `DROVER_ARRAY_INDEX=$((SGE_TASK_ID - 1))`, 0-based like elsewhere.
 *
 * @param spec The job.
 * @param options Site-specific resource names.
 * @returns The script text, ending with a newline.
 * @throws {RangeError} When the spec is not valid (see `validateJobSpec`), or it asks
 *   for more than one node (SGE has no nodes; use a header line with your site's PE).
 *
 * @example
 * ```ts
 * import { renderSgeScript } from "./sge_script.ts";
 * import assert from "node:assert/strict";
 * const script = renderSgeScript({
 *   name: "drover-a1",
 *   array: { size: 20, throttle: 5 },
 *   resources: { cores: 2, time: 3_600_000, memory: 2 * 1024 ** 3 },
 *   body: ["echo hi"],
 * });
 * assert.match(script, /^#\$ -t 1-20$/m);
 * assert.match(script, /^#\$ -tc 5$/m);
 * assert.match(script, /^#\$ -l h_rt=01:00:00$/m);
 * assert.match(script, /^#\$ -l h_vmem=1024M$/m);
 * assert.match(script, /^export DROVER_ARRAY_INDEX=\$\(\(SGE_TASK_ID - 1\)\)$/m);
 * ```
 */
export function renderSgeScript(spec: JobSpec, options: SgeScriptOptions = {}): string {
  validateJobSpec(spec);
  const pe = siteName(options.parallelEnvironment ?? "smp", "parallel environment");
  const memoryResource = siteName(options.memoryResource ?? "h_vmem", "memory resource");
  const gpuResource = siteName(options.gpuResource ?? "gpu", "GPU resource");
  const r = spec.resources ?? {};
  if (r.nodes !== undefined && r.nodes > 1) {
    throw new RangeError(
      `Cannot render job script: SGE has no nodes (asked for ${r.nodes}); request slots through a parallel environment in a header line`,
    );
  }
  const d: string[] = [`-N ${spec.name}`, "-S /bin/bash"];
  if (spec.array) {
    d.push(`-t 1-${spec.array.size}`);
    if (spec.array.throttle !== undefined) d.push(`-tc ${spec.array.throttle}`);
  }
  if (r.partition !== undefined) d.push(`-q ${r.partition}`);
  const cores = r.cores ?? 1;
  if (cores > 1) d.push(`-pe ${pe} ${cores}`);
  if (r.time !== undefined) d.push(`-l h_rt=${formatSgeWalltime(r.time)}`);
  if (r.memory !== undefined) {
    d.push(`-l ${memoryResource}=${Math.ceil(toMebibytes(r.memory) / cores)}M`);
  }
  if (r.gpus) d.push(`-l ${gpuResource}=${r.gpus}`);
  const token = spec.array ? "$TASK_ID" : "0";
  if (spec.stdout !== undefined) d.push(`-o ${logPath(spec.stdout, token)}`);
  if (spec.stderr !== undefined) d.push(`-e ${logPath(spec.stderr, token)}`);
  return assembleScript(spec, {
    prefix: "#$",
    directives: d,
    indexExpression: "$((SGE_TASK_ID - 1))",
  });
}
