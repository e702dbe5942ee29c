/**
 * Reading remote info: JSON text or an object given in code to {@linkcode RemoteInfo}.
 *
 * @module
 */
import { describeIssue, type SafeParseResult } from "../systems/mod.ts";
import { RemoteInfoError } from "./errors.ts";
import type { RemoteInfo, RemoteInfoInput } from "./remote_info.ts";
import { REMOTE_INFO } from "./_schema.ts";
import { translateExpyreInfo } from "./expyre_info.ts";

/** How remote info given in code is named in messages. */
export const IN_CODE = "given in code";

/**
 * Parses remote info: a JSON object (text, or an object given in code) whose keys say which
 * calls to route and whose values say where and how they run.
 *
 * Keys are labels (`"gpu"`: a key with neither `::` nor `.ts`), matched against the label a
 * step or call sets in code, or comma-separated call-stack patterns
 * (`"relax_all.ts::main,lib/relax.ts::relax"`, see {@linkcode matchRoute}). Values hold
 * `system` (required), `jobName`, `resources` (`nodes`, `cores`, `time`, `memory`,
 * `partition`, `gpus`; in code also a function of the attempt number), `inputsPerJob`
 * (default 1), `inputFiles` (files or directories, default none), `env` (default none;
 * values may refer to `${DROVER_CORES}` and the other resource variables), `setup` (shell
 * lines, default none) and `maxRestarts` (default 2). Times and sizes are parsed here into ms and bytes.
 *
 * Routes written for wfl/ExPyRe (with `sys_name`, as in `WFL_EXPYRE_INFO`) are read too,
 * translated by {@linkcode translateExpyreInfo}; the result's `notes` say, one line per
 * field, what each became.
 *
 * @param input JSON text, or the object itself.
 * @param source Where it came from, as messages name it: `from DROVER_REMOTE_INFO`,
 * `"/p/routes.json"`. Default: `given in code`.
 * @returns The rules, in the order of the keys.
 * @throws {RemoteInfoError} For text that is not JSON, or input that does not fit; the
 * message names the source, the path inside it and what was expected.
 *
 * @example
 * ```ts
 * import { parseRemoteInfo } from "./parse_remote_info.ts";
 * import assert from "node:assert/strict";
 * const info = parseRemoteInfo({
 *   "relax_all.ts::main,lib/relax.ts::relax": {
 *     system: "cluster",
 *     resources: { cores: 16, time: "2:00:00" },
 *     inputsPerJob: 10,
 *   },
 * });
 * assert.equal(info.rules[0].route.system, "cluster");
 * assert.deepEqual(info.rules[0].route.resources, { cores: 16, time: 7_200_000 });
 * assert.equal(info.rules[0].route.maxRestarts, 2);
 * const wfl = parseRemoteInfo(JSON.stringify({
 *   "minim.py::run": { sys_name: "cluster", resources: { num_nodes: 1, max_time: "24h" } },
 * }));
 * assert.deepEqual(wfl.rules[0].route.resources, { nodes: 1, time: 86_400_000 });
 * assert.deepEqual(wfl.notes?.map((n) => n.field), [
 *   "key",
 *   "sys_name",
 *   "resources.max_time",
 *   "resources.num_nodes",
 *   "num_inputs_per_queued_job",
 * ]);
 * assert.throws(
 *   () => parseRemoteInfo('{"gpu": {"system": "c", "maxRestarts": -1}}', "from DROVER_REMOTE_INFO"),
 *   {
 *     name: "RemoteInfoError",
 *     message: "Cannot read remote info from DROVER_REMOTE_INFO: gpu.maxRestarts must be " +
 *       "a whole number, 0 or more (got -1)",
 *   },
 * );
 * ```
 */
export function parseRemoteInfo(
  input: string | RemoteInfoInput,
  source: string = IN_CODE,
): RemoteInfo {
  const result = safeParseRemoteInfo(input, source);
  if (!result.success) throw result.error;
  return result.data;
}

/**
 * Like {@linkcode parseRemoteInfo}, but returns the error instead of throwing it.
 *
 * @param input JSON text, or the object itself.
 * @param source Where it came from, as messages name it. Default: `given in code`.
 * @returns `{ success: true, data }` or `{ success: false, error: RemoteInfoError }`.
 *
 * @example
 * ```ts
 * import { safeParseRemoteInfo } from "./parse_remote_info.ts";
 * import assert from "node:assert/strict";
 * const result = safeParseRemoteInfo("{not json");
 * assert.equal(result.success, false);
 * ```
 */
export function safeParseRemoteInfo(
  input: string | RemoteInfoInput,
  source: string = IN_CODE,
): SafeParseResult<RemoteInfo, RemoteInfoError> {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      return {
        success: false,
        error: new RemoteInfoError(source, {
          path: "",
          expected: "JSON",
          message: `it is not valid JSON (${reason})`,
        }, { cause: e }),
      };
    }
  }
  const translated = translateExpyreInfo(value, source);
  if (!translated.success) return translated;
  value = translated.data.value;
  const parsed = REMOTE_INFO.safeParse(value);
  if (!parsed.success) {
    return {
      success: false,
      error: new RemoteInfoError(source, describeIssue(parsed.error.issues[0], value)),
    };
  }
  return {
    success: true,
    data: { rules: parsed.data.rules, source, notes: translated.data.notes },
  };
}
