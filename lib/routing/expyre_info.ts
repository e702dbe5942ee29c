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
import { z } from "zod";
import { describeIssue, formatPath, type SafeParseResult } from "../systems/mod.ts";
import {
  ARRAY_INDEX_VARIABLE,
  RESOURCE_VARIABLE_ALIASES,
  RESOURCE_VARIABLES,
} from "../scheduler/mod.ts";
import { RemoteInfoError } from "./errors.ts";
import {
  EXPYRE_MEMORY_FORMS,
  EXPYRE_TIME_FORMS,
  expyreKibibytes,
  expyreSeconds,
  sizeText,
  walltimeText,
} from "./_expyre_units.ts";
import { readShellValue } from "./_shell_value.ts";

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
export const EXPYRE_ROUTE_KEYS: readonly string[] = [
  "sys_name",
  "job_name",
  "resources",
  "num_inputs_per_queued_job",
  "pre_cmds",
  "post_cmds",
  "env_vars",
  "input_files",
  "output_files",
  "header_extra",
  "exact_fit",
  "partial_node",
  "timeout",
  "check_interval",
  "ignore_failed_jobs",
  "resubmit_killed_jobs",
  "hash_ignore",
];

const RESOURCE_KEYS = [
  "max_time",
  "num_nodes",
  "num_cores",
  "max_mem_tot",
  "max_mem_per_core",
  "partitions",
  "queues",
  "cores",
  "gpus",
];

function expect(message: string): { message: string } {
  return { message };
}

const WHOLE = (min: number) => {
  const m = expect(`a whole number, ${min} or more`);
  return z.number(m).int(m).min(min, m);
};
const TEXT_OR_NUMBER = (what: string) =>
  z.union([z.number(), z.string()], { errorMap: () => expect(what) });
const NAMES = z.union([z.string(), z.array(z.string())], {
  errorMap: () => expect("a regexp of partition names, or a list of them"),
});
const LINES = (what: string) =>
  z.array(z.string(expect("a line of text")), expect(`a list of ${what}`)).optional();
const FLAG = z.boolean(expect("true or false")).optional();

const EXPYRE_RESOURCES = z.object({
  max_time: TEXT_OR_NUMBER(EXPYRE_TIME_FORMS),
  num_nodes: WHOLE(1).optional(),
  num_cores: WHOLE(1).optional(),
  max_mem_tot: TEXT_OR_NUMBER(EXPYRE_MEMORY_FORMS).optional(),
  max_mem_per_core: TEXT_OR_NUMBER(EXPYRE_MEMORY_FORMS).optional(),
  partitions: NAMES.optional(),
  queues: NAMES.optional(),
  cores: WHOLE(1).optional(),
  gpus: WHOLE(0).optional(),
}, expect("a mapping of ExPyRe resources (max_time and num_nodes or num_cores)"))
  .strict(expect(`one of ${RESOURCE_KEYS.join(", ")}`));

const EXPYRE_ROUTE = z.object({
  sys_name: z.string(expect("the name of a system")).regex(/\S/, expect("the name of a system")),
  job_name: z.string(expect("a job name")).regex(/[A-Za-z0-9]/, expect("a job name")).optional(),
  resources: EXPYRE_RESOURCES,
  num_inputs_per_queued_job: z.number(expect("a whole number, not 0")).int(
    expect("a whole number, not 0"),
  ).refine((n) => n !== 0, expect("a whole number, not 0")).optional(),
  pre_cmds: LINES("shell lines"),
  post_cmds: LINES("shell lines"),
  env_vars: LINES('"NAME=value" texts'),
  input_files: LINES("paths"),
  output_files: LINES("paths"),
  header_extra: LINES("directive lines"),
  exact_fit: FLAG,
  partial_node: FLAG,
  timeout: z.number(expect("a number of seconds")).optional(),
  check_interval: z.number(expect("a number of seconds")).optional(),
  ignore_failed_jobs: FLAG,
  resubmit_killed_jobs: FLAG,
  hash_ignore: z.array(z.union([z.string(), z.number()]), expect("a list of argument names"))
    .optional(),
}, expect("a mapping of wfl RemoteInfo settings")).strict(
  expect(
    `one of ${EXPYRE_ROUTE_KEYS.join(", ")} (a route with sys_name is read as wfl RemoteInfo)`,
  ),
);

type ExpyreRoute = z.output<typeof EXPYRE_ROUTE>;

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

/** Builds notes and refusals for one route. */
class Translation {
  readonly route: Record<string, unknown> = {};
  readonly resources: Record<string, unknown> = {};
  readonly env: Record<string, string> = {};
  readonly setup: string[] = [];

  constructor(
    readonly key: string | undefined,
    readonly source: string,
    readonly notes: RemoteInfoNote[],
  ) {}

  /** Records a note: `<field> <what was written> -> <what drover does>`. */
  note(field: string, text: string): void {
    const where = this.key === undefined ? "" : `key ${JSON.stringify(this.key)}: `;
    this.notes.push({
      ...(this.key === undefined ? {} : { key: this.key }),
      field,
      message: `remote info ${this.source}: ${where}${field} ${text}`,
    });
  }

  /** Refuses a field: `<path> <text>`. */
  refuse(field: (string | number)[], expected: string, text: string): never {
    const path = formatPath(this.key === undefined ? field : [this.key, ...field]);
    throw new RemoteInfoError(this.source, { path, expected, message: `${path} ${text}` });
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

function translateResources(r: ExpyreRoute, t: Translation): void {
  const res = r.resources;
  const seconds = expyreSeconds(res.max_time);
  if (seconds === undefined) {
    t.refuse(
      ["resources", "max_time"],
      EXPYRE_TIME_FORMS,
      `must be ${EXPYRE_TIME_FORMS} (got ${JSON.stringify(res.max_time)})`,
    );
  }
  if (seconds === null) {
    t.note("resources.max_time", `"_none_" -> no time (the partition's limit)`);
  } else {
    t.resources.time = walltimeText(seconds);
    t.note(
      "resources.max_time",
      `${JSON.stringify(res.max_time)}${
        typeof res.max_time === "number" ? " (seconds)" : ""
      } -> time "${walltimeText(seconds)}"`,
    );
  }
  if ((res.num_nodes === undefined) === (res.num_cores === undefined)) {
    t.refuse(
      ["resources"],
      "exactly one of num_nodes and num_cores",
      "must give exactly one of num_nodes and num_cores (as ExPyRe requires)",
    );
  }
  if (res.num_nodes !== undefined) {
    t.resources.nodes = res.num_nodes;
    if (res.cores !== undefined) t.resources.cores = res.cores;
    t.note(
      "resources.num_nodes",
      `${res.num_nodes} -> nodes ${res.num_nodes}${
        res.cores === undefined
          ? " (ExPyRe takes whole nodes; drover asks for 1 core on each unless this route's resources give cores per node)"
          : ` with cores ${res.cores} per node`
      }`,
    );
  } else {
    if (res.cores !== undefined) {
      t.refuse(["resources", "cores"], "no cores beside num_cores", "repeats num_cores: give one");
    }
    t.resources.cores = res.num_cores;
    t.note("resources.num_cores", `${res.num_cores} -> cores ${res.num_cores} (on one node)`);
  }
  if (res.gpus !== undefined) t.resources.gpus = res.gpus;
  translateMemory(r, t);
  const partitions = res.partitions ?? res.queues;
  const field = res.partitions !== undefined ? "partitions" : "queues";
  if (res.partitions !== undefined && res.queues !== undefined) {
    t.refuse(
      ["resources", "queues"],
      "one of partitions and queues",
      "repeats partitions: give one",
    );
  }
  if (partitions !== undefined) {
    const list = typeof partitions === "string" ? [partitions] : partitions;
    if (list.length !== 1 || !/^[A-Za-z0-9][A-Za-z0-9_@-]*$/.test(list[0])) {
      t.refuse(
        ["resources", field],
        "one partition name",
        `must be one partition name for drover (got ${
          JSON.stringify(partitions)
        }); ExPyRe's regexps and lists cannot be honoured: name one, or leave it out and drover takes the first partition of the system that fits`,
      );
    }
    t.resources.partition = list[0];
    t.note(`resources.${field}`, `${JSON.stringify(partitions)} -> partition "${list[0]}"`);
  }
  t.route.resources = t.resources;
}

function translateMemory(r: ExpyreRoute, t: Translation): void {
  const res = r.resources;
  if (res.max_mem_tot !== undefined && res.max_mem_per_core !== undefined) {
    t.refuse(
      ["resources", "max_mem_per_core"],
      "one of max_mem_tot and max_mem_per_core",
      "repeats max_mem_tot: give one (as ExPyRe requires)",
    );
  }
  const field = res.max_mem_tot !== undefined ? "max_mem_tot" : "max_mem_per_core";
  const given = res.max_mem_tot ?? res.max_mem_per_core;
  if (given === undefined) return;
  const kib = expyreKibibytes(given);
  if (kib === undefined) {
    t.refuse(
      ["resources", field],
      EXPYRE_MEMORY_FORMS,
      `must be ${EXPYRE_MEMORY_FORMS} (got ${JSON.stringify(given)})`,
    );
  }
  let perNode: number;
  let how: string;
  if (field === "max_mem_tot") {
    const nodes = res.num_nodes ?? 1;
    perNode = Math.ceil(kib / nodes);
    how = nodes === 1 ? "" : ` (the total over ${nodes} nodes)`;
  } else {
    const cores = res.num_cores ?? res.cores;
    if (cores === undefined) {
      t.refuse(
        ["resources", field],
        "max_mem_tot, or cores per node",
        "cannot be honoured: drover asks for memory per node and does not know the cores of a whole node; give max_mem_tot, or cores per node",
      );
    }
    perNode = kib * cores;
    how = ` (× ${cores} cores)`;
  }
  t.resources.memory = sizeText(perNode);
  t.note(
    `resources.${field}`,
    `${JSON.stringify(given)} -> memory "${sizeText(perNode)}" per node${how}`,
  );
}

function translateInputsPerJob(r: ExpyreRoute, t: Translation): void {
  const n = r.num_inputs_per_queued_job;
  if (n === undefined) {
    t.route.inputsPerJob = 100;
    t.note("num_inputs_per_queued_job", "absent -> inputsPerJob 100 (wfl's default of -100)");
  } else if (n > 0) {
    t.route.inputsPerJob = n;
    t.note("num_inputs_per_queued_job", `${n} -> inputsPerJob ${n}`);
  } else {
    t.route.inputsPerJob = -n;
    t.note(
      "num_inputs_per_queued_job",
      `${n} -> inputsPerJob ${-n} (wfl packs ${-n} × num_inputs_per_python_subprocess, 1 by default; drover has no such setting)`,
    );
  }
}

function translateFiles(r: ExpyreRoute, t: Translation): void {
  const files = r.input_files ?? [];
  files.forEach((file, i) => {
    const parts = file.split("/");
    if (file.startsWith("/") || parts.includes("..")) {
      t.refuse(
        ["input_files", i],
        "a path inside the working directory",
        `${
          JSON.stringify(file)
        } cannot be honoured: drover stages files from inside the working directory, keeping their relative path`,
      );
    }
    if (parts.slice(0, -1).some((p) => /[*?[]/.test(p)) || /\[/.test(parts[parts.length - 1])) {
      t.refuse(
        ["input_files", i],
        "a path, or a glob with * or ? in its last part",
        `${JSON.stringify(file)} cannot be honoured: drover globs only the last part, with * and ?`,
      );
    }
  });
  if (files.length > 0) {
    t.route.inputFiles = files;
    t.note(
      "input_files",
      `${JSON.stringify(files)} -> inputFiles (directories are staged with everything in them)`,
    );
  }
  for (const field of ["output_files", "post_cmds", "header_extra"] as const) {
    const list = r[field] ?? [];
    if (list.length === 0) continue;
    const why = {
      output_files:
        "drover returns the step's value, not files: return what the job makes (or write it to a shared path)",
      post_cmds: "drover runs nothing after the step: do that work in the step",
      header_extra: "put scheduler directives in the system's header in drover.yaml",
    }[field];
    t.refuse([field], "an empty list", `cannot be honoured: ${why}`);
  }
}

function translateEnv(r: ExpyreRoute, t: Translation): void {
  (r.env_vars ?? []).forEach((entry, i) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(entry);
    if (!m) {
      t.refuse(
        ["env_vars", i],
        '"NAME=value"',
        `${
          JSON.stringify(entry)
        } must be "NAME=value": drover does not copy variables from this machine into jobs`,
      );
    }
    const [, name, text] = m;
    if (name === ARRAY_INDEX_VARIABLE || RESOURCE_VARIABLES.includes(name)) {
      t.refuse(
        ["env_vars", i],
        "a variable drover does not set",
        `sets ${name}, which drover sets`,
      );
    }
    if (/[\r\n\0]/.test(entry)) {
      t.refuse(["env_vars", i], "one line", `${JSON.stringify(entry)} must be one line`);
    }
    const read = readShellValue(text);
    const field = `env_vars[${i}]`;
    if (read.kind === "value") {
      t.env[name] = read.value;
      t.note(field, `${JSON.stringify(entry)} -> env.${name} ${JSON.stringify(read.value)}`);
    } else {
      t.setup.push(`export ${entry}`);
      t.note(
        field,
        `${JSON.stringify(entry)} -> setup line "export ${entry}" (${read.reason})`,
      );
    }
  });
}

function translateLines(r: ExpyreRoute, t: Translation): void {
  const pre = r.pre_cmds ?? [];
  pre.forEach((line, i) => {
    if (/[\r\n\0]/.test(line)) {
      t.refuse(["pre_cmds", i], "one line", `${JSON.stringify(line)} must be one line`);
    }
  });
  if (pre.length > 0) {
    // wfl runs pre_cmds before it exports env_vars.
    t.setup.unshift(...pre);
    t.note(
      "pre_cmds",
      `(${pre.length} ${
        pre.length === 1 ? "line" : "lines"
      }) -> setup, run after the system's setup`,
    );
  }
}

/** Shell lines that use ExPyRe's variables get them, from drover's, first. */
function exportAliases(t: Translation): void {
  const used = Object.keys(RESOURCE_VARIABLE_ALIASES).filter((alias) =>
    t.setup.some((line) => new RegExp(`\\b${alias}\\b`).test(line))
  );
  if (used.length === 0) return;
  t.setup.unshift(
    ...used.map((alias) => `export ${alias}="$${RESOURCE_VARIABLE_ALIASES[alias]}"`),
  );
  t.note(
    "setup",
    `uses ${used.join(", ")} -> exported from ${
      used.map((a) => RESOURCE_VARIABLE_ALIASES[a]).join(", ")
    } before it`,
  );
}

function translateRest(r: ExpyreRoute, t: Translation): void {
  if (r.resubmit_killed_jobs !== undefined) {
    t.route.maxRestarts = r.resubmit_killed_jobs ? 2 : 0;
    t.note(
      "resubmit_killed_jobs",
      `${r.resubmit_killed_jobs} -> maxRestarts ${
        r.resubmit_killed_jobs ? 2 : 0
      } (restarts after a timeout, node failure or preemption)`,
    );
  }
  const ignored: [keyof ExpyreRoute, string][] = [
    ["exact_fit", "drover asks for exactly the nodes and cores given"],
    ["partial_node", "drover asks for exactly the nodes and cores given"],
    ["timeout", "drover waits for jobs until they end"],
    ["check_interval", "drover polls at the system's pollMs in drover.yaml"],
    [
      "ignore_failed_jobs",
      "map() keeps failures apart from values; a single call throws its failure",
    ],
    ["hash_ignore", "declare ignored arguments on the step: step(name, fn, { ignore: [...] })"],
  ];
  for (const [field, why] of ignored) {
    if (r[field] === undefined) continue;
    t.note(field, `${JSON.stringify(r[field])} -> ignored (${why})`);
  }
  for (const field of ["output_files", "post_cmds", "header_extra"] as const) {
    if (r[field] !== undefined) t.note(field, "[] -> nothing to do");
  }
}
