/**
 * Batches: calcjobs that share a code, a system, resources and scheduler directives go to
 * the scheduler as ONE job array (split at the scheduler's largest array), each element in
 * its own directory. The job script's own directive lines (`#SBATCH`, `#$`) are kept and
 * merged with drover's array directives; the options drover must own (array, job name,
 * output and error files, working directory) are dropped from them.
 *
 * @module
 */
import { hashValue } from "../codec/mod.ts";
import { ARRAY_INDEX_VARIABLE, type JobSpec, shellQuote } from "../scheduler/mod.ts";
import { DIRECTIVE_PREFIXES, type SchedulerName } from "../systems/mod.ts";
import type { CalcJobRecord } from "./calcjob_store.ts";

/** A planned job array of calcjobs. */
export interface Batch {
  /** The job name: `cj-<12 hex of its members and the salt>`, unique with a fresh salt. */
  readonly name: string;
  /** The system. */
  readonly system: string;
  /** The members in element order (element i is `calcjobs[i]`). */
  readonly calcjobs: readonly CalcJobRecord[];
  /** The directive lines kept from the job script, in order. */
  readonly directives: readonly string[];
}

/** Options drover sets on every array; a job script's own lines for them are dropped. */
const OWNED: Readonly<Record<SchedulerName, RegExp>> = {
  slurm: /^\s*(-a|--array|-J|--job-name|-o|--output|-e|--error|-D|--chdir)(=|\s|$)/,
  sge: /^\s*(-t|-N|-o|-e|-cwd|-wd|-j)(\s|$)/,
  pbs: /^\s*(-J|-N|-o|-e|-j)(\s|$)/,
  local: /^\s*(--array|--job-name|--output|--error)(=|\s|$)/,
};

/**
 * The directive lines of a job script that drover keeps: lines starting with the
 * scheduler's prefix, minus those for options drover owns.
 *
 * @param script The rendered job script.
 * @param scheduler The system's scheduler.
 * @returns The kept lines, verbatim.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scriptDirectives } from "./batch_plan.ts";
 * const script = "#!/bin/bash\n#SBATCH --time=00:05:00\n#SBATCH --job-name=x\n#SBATCH -o out\necho\n";
 * assert.deepEqual(scriptDirectives(script, "slurm"), ["#SBATCH --time=00:05:00"]);
 * ```
 */
export function scriptDirectives(script: string, scheduler: SchedulerName): string[] {
  const prefix = DIRECTIVE_PREFIXES[scheduler];
  const out: string[] = [];
  for (const line of script.split("\n")) {
    const text = line.replace(/\r$/, "");
    if (!text.startsWith(prefix)) continue;
    const rest = text.slice(prefix.length);
    if (!/^[ \t]+\S/.test(rest) || OWNED[scheduler].test(rest)) continue;
    out.push(text);
  }
  return out;
}

/**
 * Groups calcjobs into arrays: same code, system, resources and kept directives; at most
 * `maxArraySize` elements each; in the order given.
 *
 * @param calcjobs The calcjobs to submit.
 * @param directivesOf Kept directive lines of a calcjob's rendered script.
 * @param maxArraySize The scheduler's largest array (per system).
 * @param salt Mixed into the job names so they are unique on the system (a random UUID:
 * other projects may hold calcjobs with the same ids). Default: `""`.
 * @returns The batches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planBatches } from "./batch_plan.ts";
 * const cj = (id: string, code: string) => ({ id, code, system: "s", resources: {} }) as never;
 * const batches = planBatches([cj("a", "x"), cj("b", "x"), cj("c", "y"), cj("d", "x")],
 *   () => [], () => 2);
 * assert.deepEqual(batches.map((b) => b.calcjobs.map((c) => c.id)), [["a", "b"], ["d"], ["c"]]);
 * ```
 */
export function planBatches(
  calcjobs: readonly CalcJobRecord[],
  directivesOf: (calcjob: CalcJobRecord) => readonly string[],
  maxArraySize: (system: string) => number,
  salt = "",
): Batch[] {
  const groups = new Map<string, { directives: readonly string[]; members: CalcJobRecord[] }>();
  for (const c of calcjobs) {
    const directives = directivesOf(c);
    const key = JSON.stringify([c.system, c.code, sorted(c.resources), directives]);
    let group = groups.get(key);
    if (!group) groups.set(key, group = { directives, members: [] });
    group.members.push(c);
  }
  const out: Batch[] = [];
  for (const { directives, members } of groups.values()) {
    const size = Math.max(1, maxArraySize(members[0].system));
    for (let i = 0; i < members.length; i += size) {
      const part = members.slice(i, i + size);
      out.push({
        name: `cj-${hashValue([salt, part.map((c) => c.id)]).slice(0, 12)}`,
        system: part[0].system,
        calcjobs: part,
        directives,
      });
    }
  }
  return out;
}

function sorted(value: object): [string, unknown][] {
  return Object.entries(value).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
}

/** The marker an element's wrapper writes with the job script's exit code. */
export const EXIT_MARKER = ".drover_exit";

/** The job script's name in each element's directory. */
export const SCRIPT_NAME = "job.sh";

/**
 * The scheduler-neutral spec of a batch's array: drover's directives, the kept ones as the
 * header, and a body that runs element i's `job.sh` in `<dir>/<i>` and writes its exit code
 * atomically to {@linkcode EXIT_MARKER}. The scheduler's stdout and stderr go to
 * `<dir>/<i>/_scheduler.out|.err`.
 *
 * @param batch The batch.
 * @param dir The batch's directory on the system (absolute).
 * @returns The spec, for the driver's `render`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchSpec } from "./batch_plan.ts";
 * const spec = batchSpec({ name: "cj-1", system: "s", directives: ["#SBATCH --time=1"],
 *   calcjobs: [{ resources: { cores: 2 } }, {}] as never }, "/r/cj-1");
 * assert.deepEqual(spec.array, { size: 2 });
 * assert.deepEqual(spec.header, ["#SBATCH --time=1"]);
 * assert.equal(spec.stdout, "/r/cj-1/{index}/_scheduler.out");
 * ```
 */
export function batchSpec(batch: Batch, dir: string): JobSpec {
  const d = `${shellQuote(dir)}/"$${ARRAY_INDEX_VARIABLE}"`;
  return {
    name: batch.name,
    array: { size: batch.calcjobs.length },
    resources: batch.calcjobs[0].resources,
    header: batch.directives,
    body: [
      `cd -- ${d} || exit 1`,
      // The drivers' scripts run under `set -e`: catch the job script's failure.
      `code=0; ./${SCRIPT_NAME} || code=$?`,
      `echo "$code" > ${EXIT_MARKER}.tmp && mv -f ${EXIT_MARKER}.tmp ${EXIT_MARKER}`,
      `exit "$code"`,
    ],
    stdout: `${dir}/{index}/_scheduler.out`,
    stderr: `${dir}/{index}/_scheduler.err`,
  };
}
