/**
 * Private to lib/routing: the zod schema of a wfl `RemoteInfo` (as `WFL_EXPYRE_INFO` holds
 * it), and the builder of one route's translation (its notes and refusals).
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";
import { formatPath } from "../systems/mod.ts";
import { RemoteInfoError } from "./errors.ts";
import { EXPYRE_MEMORY_FORMS, EXPYRE_TIME_FORMS } from "./_expyre_units.ts";
import type { RemoteInfoNote } from "./expyre_info.ts";

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

export const EXPYRE_ROUTE = z.object({
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

export type ExpyreRoute = z.output<typeof EXPYRE_ROUTE>;

/** Builds notes and refusals for one route. */
export class Translation {
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
