/**
 * Remote info written for wfl/ExPyRe (`WFL_EXPYRE_INFO`), read as drover remote info.
 *
 * A route with `sys_name` is a wfl `RemoteInfo`; a whole document with `sys_name` at the top
 * is one `RemoteInfo` for every call (wfl uses it for every autoparallelized call; here it
 * becomes the key `*::*`). Its fields become drover's, each with a one-line
 * {@linkcode RemoteInfoNote}; fields drover cannot honour are refused with a
 * {@linkcode RemoteInfoError} naming the field and why.
 *
 * | wfl / ExPyRe | drover |
 * | --- | --- |
 * | `sys_name` | `system` |
 * | `job_name` | `jobName` (characters other than letters, digits, `_ . -` become `-`) |
 * | `resources.max_time` (int seconds, `"24h"`, `"[D-]HH:MM:SS"`) | `resources.time` |
 * | `resources.num_nodes` | `resources.nodes` (ExPyRe fills the nodes; drover asks for `cores` per node: add `cores` to say how many) |
 * | `resources.num_cores` | `resources.cores` (on one node) |
 * | `resources.max_mem_tot` / `max_mem_per_core` (kB, `"4GB"`) | `resources.memory` (per node) |
 * | `resources.partitions` / `queues`: one plain name | `resources.partition` |
 * | `num_inputs_per_queued_job` `n` / `-n` / absent | `inputsPerJob` `n` / `n` / `100` |
 * | `input_files` | `inputFiles` (directories with everything in them) |
 * | `env_vars` `["K=V"]` | `env.K` when bash would give V a fixed value or one made of the job's resources (`${EXPYRE_NUM_CORES_PER_NODE}`); else `setup` line `export K=V` |
 * | `pre_cmds` | `setup` |
 * | `resubmit_killed_jobs` | `maxRestarts` 2 (true) or 0 (false) |
 * | `exact_fit`, `partial_node`, `timeout`, `check_interval`, `ignore_failed_jobs`, `hash_ignore` | ignored, with a note saying why |
 * | `post_cmds`, `output_files`, `header_extra` (not empty), partition regexps | refused |
 *
 * @module
 */
import { describeIssue, type SafeParseResult } from "../systems/mod.ts";
import { RemoteInfoError } from "./errors.ts";
import { EXPYRE_ROUTE, EXPYRE_ROUTE_KEYS, Translation } from "./_expyre_schema.ts";
import { translateInputsPerJob, translateResources } from "./_expyre_resources.ts";
import {
  exportAliases,
  translateEnv,
  translateFiles,
  translateLines,
  translateRest,
} from "./_expyre_fields.ts";

/** One field of remote info translated from wfl/ExPyRe, said in one line. */
export interface RemoteInfoNote {
  /** The key of the route, as written; undefined for the document as a whole. */
  readonly key?: string;
  /** The wfl/ExPyRe field, with its path inside the route: `resources.max_time`. */
  readonly field: string;
  /**
   * The whole note: `remote info "/p/ri.json": key "minim.py::run": sys_name "hpc" ->
   * system "hpc"`.
   */
  readonly message: string;
}

/** The key a whole-document wfl `RemoteInfo` is routed by: every step call. */
export const EVERY_CALL_KEY = "*::*";

/** The fields of a wfl `RemoteInfo`, in its constructor's order. */
export { EXPYRE_ROUTE_KEYS };

/**
 * Whether a route (or a whole document) is written for wfl/ExPyRe: a mapping with
 * `sys_name`.
 *
 * @param value A route as written.
 * @returns True for a wfl `RemoteInfo`.
 *
 * @example
 * ```ts
 * import { isExpyreRoute } from "./expyre_info.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isExpyreRoute({ sys_name: "hpc", resources: {} }), true);
 * assert.equal(isExpyreRoute({ system: "hpc" }), false);
 * ```
 */
export function isExpyreRoute(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.hasOwn(value, "sys_name");
}

/**
 * Translates what in remote info is written for wfl/ExPyRe into drover's remote info, with
 * one note per translated field (see the module doc for the table). Routes written for
 * drover pass unchanged, so a document may mix both. Nothing is printed: the caller shows
 * the notes (as events or warnings).
 *
 * @param value Parsed JSON.
 * @param source Where it came from, as messages name it (`from DROVER_REMOTE_INFO`).
 * @returns The drover remote info (still to be parsed by `parseRemoteInfo`) and the notes,
 * or a {@linkcode RemoteInfoError} naming the field that cannot be honoured.
 *
 * @example
 * ```ts
 * import { translateExpyreInfo } from "./expyre_info.ts";
 * import assert from "node:assert/strict";
 * const result = translateExpyreInfo({
 *   "minim.py::run": {
 *     sys_name: "hpc",
 *     job_name: "vasp_minim",
 *     resources: { num_nodes: 1, max_time: "24h" },
 *     num_inputs_per_queued_job: -36,
 *     env_vars: ["VASP_PP_PATH=POTCARs", "NCORE=${EXPYRE_NUM_CORES_PER_NODE}"],
 *   },
 * }, '"ri.json"');
 * assert.ok(result.success);
 * assert.deepEqual(result.data.value, {
 *   "minim.py::run": {
 *     system: "hpc",
 *     jobName: "vasp_minim",
 *     resources: { time: "1-00:00:00", nodes: 1 },
 *     inputsPerJob: 36,
 *     env: { VASP_PP_PATH: "POTCARs", NCORE: "${DROVER_CORES_PER_NODE}" },
 *   },
 * });
 * assert.equal(
 *   result.data.notes[1].message,
 *   'remote info "ri.json": key "minim.py::run": sys_name "hpc" -> system "hpc"',
 * );
 * assert.match(result.data.notes[0].message, /key "minim.py::run": key names Python files/);
 * ```
 */
export function translateExpyreInfo(
  value: unknown,
  source: string,
): SafeParseResult<{ value: unknown; notes: readonly RemoteInfoNote[] }, RemoteInfoError> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { success: true, data: { value, notes: [] } };
  }
  const notes: RemoteInfoNote[] = [];
  try {
    if (isExpyreRoute(value)) {
      notes.push({
        field: "",
        message:
          `remote info ${source}: the whole is one wfl RemoteInfo (it has sys_name) -> key "${EVERY_CALL_KEY}" (every step call)`,
      });
      const route = translateRoute(value, value, undefined, source, notes);
      return { success: true, data: { value: { [EVERY_CALL_KEY]: route }, notes } };
    }
    const out: Record<string, unknown> = {};
    for (const [key, route] of Object.entries(value)) {
      out[key] = isExpyreRoute(route) ? translateRoute(route, value, key, source, notes) : route;
    }
    return { success: true, data: { value: out, notes } };
  } catch (e) {
    if (e instanceof RemoteInfoError) return { success: false, error: e };
    throw e;
  }
}

function translateRoute(
  value: object,
  root: unknown,
  key: string | undefined,
  source: string,
  notes: RemoteInfoNote[],
): Record<string, unknown> {
  const parsed = EXPYRE_ROUTE.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = key === undefined ? issue.path : [key, ...issue.path];
    throw new RemoteInfoError(source, describeIssue({ ...issue, path }, root));
  }
  const r = parsed.data;
  const t = new Translation(key, source, notes);
  const pyFiles = key === undefined ? [] : [...new Set(key.match(/[^,\s:]+\.py(?=::)/g) ?? [])];
  if (pyFiles.length > 0) {
    t.note(
      "key",
      `names Python files (${
        pyFiles.join(", ")
      }) -> kept; drover matches TypeScript call stacks, so it routes calls once the key names your .ts files (${
        JSON.stringify(key!.replace(/\.py::/g, ".ts::"))
      }), or use a label`,
    );
  }
  t.route.system = r.sys_name;
  t.note("sys_name", `${JSON.stringify(r.sys_name)} -> system ${JSON.stringify(r.sys_name)}`);
  if (r.job_name !== undefined) {
    const name = r.job_name.replace(/[^A-Za-z0-9_.-]+/g, "-");
    t.route.jobName = name;
    t.note("job_name", `${JSON.stringify(r.job_name)} -> jobName ${JSON.stringify(name)}`);
  }
  translateResources(r, t);
  translateInputsPerJob(r, t);
  translateFiles(r, t);
  translateEnv(r, t);
  translateLines(r, t);
  translateRest(r, t);
  exportAliases(t);
  if (Object.keys(t.env).length > 0) t.route.env = t.env;
  if (t.setup.length > 0) t.route.setup = t.setup;
  return t.route;
}
