/**
 * The job's resources as environment variables, and environment values that refer to them.
 *
 * Every rendered script exports, before the spec's `env`, what drover asked the scheduler
 * for: `DROVER_NODES`, `DROVER_CORES_PER_NODE`, `DROVER_CORES` (nodes × cores per node),
 * `DROVER_MEMORY_MB` (per node, MiB), `DROVER_GPUS` (per node) and `DROVER_TIME_S` (the
 * walltime in seconds). A value of `env` may refer to them as `${DROVER_CORES}`, or by
 * ExPyRe's names (`${EXPYRE_NUM_CORES_PER_NODE}`); the job's shell expands exactly those
 * references and nothing else, so every other `$`, backtick or quote stays as written.
 *
 * @module
 */
import type { JobResources } from "./job_spec.ts";
import { bashQuote } from "./shell_quote.ts";
import { toMebibytes } from "../units/mod.ts";

/** The variables every job script exports from its resources, in the order written. */
export const RESOURCE_VARIABLES: readonly string[] = [
  "DROVER_NODES",
  "DROVER_CORES_PER_NODE",
  "DROVER_CORES",
  "DROVER_MEMORY_MB",
  "DROVER_GPUS",
  "DROVER_TIME_S",
];

/**
 * ExPyRe's names for the same values (current ones, and those of ExPyRe before 0.2), each
 * to the drover variable it stands for in `${...}` references.
 */
export const RESOURCE_VARIABLE_ALIASES: Readonly<Record<string, string>> = {
  EXPYRE_NUM_NODES: "DROVER_NODES",
  EXPYRE_NUM_CORES: "DROVER_CORES",
  EXPYRE_NUM_CORES_PER_NODE: "DROVER_CORES_PER_NODE",
  EXPYRE_NNODES: "DROVER_NODES",
  EXPYRE_TOT_NCORES: "DROVER_CORES",
  EXPYRE_NCORES_PER_NODE: "DROVER_CORES_PER_NODE",
};

/**
 * The values of {@linkcode RESOURCE_VARIABLES} for a job. Nodes and cores per node the job
 * does not ask for are the schedulers' default of 1, GPUs 0; memory and time it does not
 * ask for are empty.
 *
 * @param resources What the job asks for (ms, bytes).
 * @returns Each variable's value, as text.
 *
 * @example
 * ```ts
 * import { resourceVariables } from "./resource_variables.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(resourceVariables({ nodes: 2, cores: 16, memory: 4 * 1024 ** 3 }), {
 *   DROVER_NODES: "2",
 *   DROVER_CORES_PER_NODE: "16",
 *   DROVER_CORES: "32",
 *   DROVER_MEMORY_MB: "4096",
 *   DROVER_GPUS: "0",
 *   DROVER_TIME_S: "",
 * });
 * ```
 */
export function resourceVariables(resources: JobResources = {}): Record<string, string> {
  const nodes = resources.nodes ?? 1;
  const cores = resources.cores ?? 1;
  return {
    DROVER_NODES: String(nodes),
    DROVER_CORES_PER_NODE: String(cores),
    DROVER_CORES: String(nodes * cores),
    DROVER_MEMORY_MB: resources.memory === undefined ? "" : String(toMebibytes(resources.memory)),
    DROVER_GPUS: String(resources.gpus ?? 0),
    DROVER_TIME_S: resources.time === undefined ? "" : String(Math.ceil(resources.time / 1000)),
  };
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * The resource variable a name stands for in a `${...}` reference: itself when it is one
 * of {@linkcode RESOURCE_VARIABLES}, the drover name of an ExPyRe alias, else undefined.
 *
 * @param name A variable name.
 * @returns The drover variable, or undefined.
 *
 * @example
 * ```ts
 * import { resourceVariableOf } from "./resource_variables.ts";
 * import assert from "node:assert/strict";
 * assert.equal(resourceVariableOf("EXPYRE_NUM_CORES_PER_NODE"), "DROVER_CORES_PER_NODE");
 * assert.equal(resourceVariableOf("DROVER_GPUS"), "DROVER_GPUS");
 * assert.equal(resourceVariableOf("HOME"), undefined);
 * ```
 */
export function resourceVariableOf(name: string): string | undefined {
  if (RESOURCE_VARIABLES.includes(name)) return name;
  return Object.hasOwn(RESOURCE_VARIABLE_ALIASES, name)
    ? RESOURCE_VARIABLE_ALIASES[name]
    : undefined;
}

/**
 * Writes an environment value as one bash word in which `${NAME}` references to resource
 * variables (or their ExPyRe aliases) expand in the job and everything else is literal:
 * literal parts quoted with `bashQuote`, each reference as `"${DROVER_...}"`. A value with no
 * such reference is exactly `bashQuote(value)`.
 *
 * @param value The value as written in remote info.
 * @returns The shell word, on one line.
 * @throws {TypeError} When the value contains a NUL character.
 *
 * @example
 * ```ts
 * import { envValueWord } from "./resource_variables.ts";
 * import assert from "node:assert/strict";
 * assert.equal(envValueWord("${EXPYRE_NUM_CORES_PER_NODE}"), `"\${DROVER_CORES_PER_NODE}"`);
 * assert.equal(envValueWord("-n ${DROVER_CORES} $(id)"), `'-n '"\${DROVER_CORES}"' $(id)'`);
 * assert.equal(envValueWord("${HOME}"), "'${HOME}'");
 * ```
 */
export function envValueWord(value: string): string {
  const parts: string[] = [];
  let literal = "";
  let last = 0;
  for (const m of value.matchAll(REFERENCE)) {
    const target = resourceVariableOf(m[1]);
    if (target === undefined) continue;
    literal += value.slice(last, m.index);
    if (literal !== "") parts.push(bashQuote(literal));
    literal = "";
    parts.push(`"\${${target}}"`);
    last = m.index + m[0].length;
  }
  literal += value.slice(last);
  if (literal !== "" || parts.length === 0) parts.push(bashQuote(literal));
  return parts.join("");
}

/**
 * The resource variables a value refers to with `${NAME}` (drover names, aliases resolved).
 *
 * @param value An environment value.
 * @returns The variables, each once, in order of first reference.
 *
 * @example
 * ```ts
 * import { resourceReferences } from "./resource_variables.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(resourceReferences("${EXPYRE_NCORES_PER_NODE}x${HOME}"), [
 *   "DROVER_CORES_PER_NODE",
 * ]);
 * ```
 */
export function resourceReferences(value: string): string[] {
  const found = new Set<string>();
  for (const m of value.matchAll(REFERENCE)) {
    const target = resourceVariableOf(m[1]);
    if (target !== undefined) found.add(target);
  }
  return [...found];
}
