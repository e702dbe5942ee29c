/**
 * Reading one systems config file: YAML or JSON text to {@linkcode SystemsConfig}.
 *
 * @module
 */
import { parseDocument } from "npm:yaml@^2.8.0";
import { ConfigError } from "./config_error.ts";
import { SYSTEMS_FILE } from "./_schema.ts";
import type { SystemsConfig } from "./system.ts";
import { describeIssue } from "./validation_problem.ts";
import type { SafeParseResult } from "./walltime.ts";

/** Most aliases one file may expand, so a small file cannot blow up into a huge one. */
const MAX_ALIAS_COUNT = 1000;

/**
 * Parses the text of a systems config file. The text is YAML 1.2 (so JSON too), with
 * anchors, aliases and `<<` merge keys. The file holds a mapping with one key, `systems`,
 * from system names to their settings; top-level keys starting with `x-` are ignored, a
 * place to keep anchors. An empty file has no systems.
 *
 * ```yaml
 * x-slurm: &slurm { scheduler: slurm, maxJobs: 50 }
 * systems:
 *   cluster:
 *     <<: *slurm
 *     host: me@login.hpc.example.org
 *     partitions:
 *       - { name: short, coresPerNode: 48, maxTime: "1-00:00:00", memory: 192G }
 * ```
 *
 * @param text The file's content.
 * @param file The file's path, for messages.
 * @returns The systems, with defaults filled in, times in ms and sizes in bytes.
 * @throws {ConfigError} For text that is not YAML, or does not fit the schema; the message
 * names the file, the path inside it and what was expected.
 *
 * @example
 * ```ts
 * import { ConfigError } from "./config_error.ts";
 * import { parseSystemsConfig } from "./parse_systems.ts";
 * import assert from "node:assert/strict";
 * const config = parseSystemsConfig("systems:\n  laptop: { scheduler: local }\n", "drover.yaml");
 * assert.equal(config.systems.laptop.pollMs, 2000);
 * assert.throws(
 *   () => parseSystemsConfig("systems:\n  cluster: { scheduler: slrum }\n", "drover.yaml"),
 *   (e) =>
 *     e instanceof ConfigError &&
 *     e.message === 'Cannot read systems config "drover.yaml": systems.cluster.scheduler ' +
 *         'must be one of slurm, pbs, sge, local (got "slrum")',
 * );
 * ```
 */
export function parseSystemsConfig(text: string, file: string): SystemsConfig {
  const result = safeParseSystemsConfig(text, file);
  if (!result.success) throw result.error;
  return result.data;
}

/**
 * Like {@linkcode parseSystemsConfig}, but returns the error instead of throwing it.
 *
 * @param text The file's content.
 * @param file The file's path, for messages.
 * @returns `{ success: true, data }` or `{ success: false, error: ConfigError }`.
 *
 * @example
 * ```ts
 * import { safeParseSystemsConfig } from "./parse_systems.ts";
 * import assert from "node:assert/strict";
 * const result = safeParseSystemsConfig("systems: [1]", "drover.yaml");
 * assert.equal(result.success, false);
 * if (!result.success) assert.equal(result.error.path, "systems");
 * ```
 */
export function safeParseSystemsConfig(
  text: string,
  file: string,
): SafeParseResult<SystemsConfig, ConfigError> {
  let value: unknown;
  try {
    const doc = parseDocument(text, { merge: true, prettyErrors: true, uniqueKeys: true });
    const error = doc.errors[0];
    if (error !== undefined) return failure(file, yamlProblem(error.message), error);
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // toJS throws for too many aliases and for merge keys of something not a mapping.
    return failure(file, yamlProblem(e instanceof Error ? e.message : String(e)), e);
  }
  const parsed = SYSTEMS_FILE.safeParse(value);
  if (!parsed.success) {
    return failure(file, describeIssue(parsed.error.issues[0], value));
  }
  return { success: true, data: parsed.data };
}

function yamlProblem(message: string): { path: string; expected: string; message: string } {
  const first = message.split("\n")[0].trim().replace(/:$/, "");
  return {
    path: "",
    expected: "YAML or JSON",
    message: `the file is not valid YAML or JSON: ${first}`,
  };
}

function failure(
  file: string,
  problem: { path: string; expected: string; message: string },
  cause?: unknown,
): { success: false; error: ConfigError } {
  return {
    success: false,
    error: new ConfigError(file, problem, cause === undefined ? undefined : { cause }),
  };
}
