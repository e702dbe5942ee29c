/**
 * Sun/Son of/Univa Grid Engine (SGE) batch scripts.
 *
 * @module
 */
import {
  ARRAY_INDEX_PLACEHOLDER,
  ARRAY_INDEX_VARIABLE,
  type JobSpec,
  validateJobSpec,
} from "./job_spec.ts";
import { bashQuote } from "./shell_quote.ts";
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

/** A log path with the element's 0-based index, as a bash word. */
function indexedPath(path: string): string {
  return path.split(ARRAY_INDEX_PLACEHOLDER).map(bashQuote).join(`"$${ARRAY_INDEX_VARIABLE}"`);
}

/** `exec >out 2>err` to the 0-based log files of an array element, or null if none is indexed. */
function indexedRedirect(stdout?: string, stderr?: string): string | null {
  const indexed = (p?: string): p is string => p?.includes(ARRAY_INDEX_PLACEHOLDER) ?? false;
  const parts: string[] = [];
  if (indexed(stdout)) parts.push(`>${indexedPath(stdout)}`);
  if (indexed(stderr)) parts.push(stderr === stdout ? "2>&1" : `2>${indexedPath(stderr)}`);
  return parts.length > 0 ? `exec ${parts.join(" ")}` : null;
}

/**
 * Renders a job as an SGE `qsub` script. Directives, in order: `-N`, `-S /bin/bash`,
 * `-t 1-n` and `-tc <throttle>` (SGE task ids are 1-based), `-q` (partition),
 * `-pe smp <cores>` (when cores > 1), `-l h_rt=HH:MM:SS`, `-l h_vmem=<MiB>M` (memory per
 * node divided by the cores, since SGE limits each slot), `-l gpu=<n>`, `-o`, `-e`, then
 * the spec's header lines. The script exports `DROVER_ARRAY_INDEX=$((SGE_TASK_ID - 1))`,
 * 0-based like elsewhere. SGE can only put the 1-based `$TASK_ID` in log paths, so for an
 * array `{index}` in `-o`/`-e` becomes `sge-task-$TASK_ID` (where SGE itself writes), and
 * the script's first setup line sends its output to the 0-based paths
 * (`exec >.../"$DROVER_ARRAY_INDEX".out 2>...`).
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
 * const logged = renderSgeScript({
 *   name: "drover-a2",
 *   array: { size: 3 },
 *   stdout: "/runs/log/{index}.out",
 *   body: ["echo hi"],
 * });
 * assert.match(logged, /^#\$ -o \/runs\/log\/sge-task-\$TASK_ID\.out$/m);
 * assert.match(logged, /^exec >'\/runs\/log\/'"\$DROVER_ARRAY_INDEX"'\.out'$/m);
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
  // SGE can only name log files by the 1-based $TASK_ID; drover's are 0-based. So SGE's own
  // files get the 1-based name with a "sge-task-" prefix, and the script sends its output
  // to the 0-based file at once.
  const token = spec.array ? "sge-task-$TASK_ID" : "0";
  if (spec.stdout !== undefined) d.push(`-o ${logPath(spec.stdout, token)}`);
  if (spec.stderr !== undefined) d.push(`-e ${logPath(spec.stderr, token)}`);
  const redirect = spec.array ? indexedRedirect(spec.stdout, spec.stderr) : null;
  if (redirect) spec = { ...spec, setup: [redirect, ...(spec.setup ?? [])] };
  return assembleScript(spec, {
    prefix: "#$",
    directives: d,
    indexExpression: "$((SGE_TASK_ID - 1))",
  });
}
