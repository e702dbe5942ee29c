/**
 * The jobs file (`drover add jobs.yaml`): `objects`, `codes` and `calcjobs`, read from YAML
 * with anchors, aliases and `<<:` merge keys, checked by a private zod schema.
 *
 * @module
 */
import { parseDocument } from "npm:yaml@^2.8.0";
import { z } from "npm:zod@^3.25.0";
import {
  describeIssue,
  type Resources,
  safeParseMemory,
  safeParseWalltime,
} from "../systems/mod.ts";

/** A labelled object: inline text or a file (relative to the jobs file). */
export interface ObjectEntry {
  /** Its label, unique in the file. */
  readonly label: string;
  /** Inline text. */
  readonly content?: string;
  /** A file, relative to the jobs file. */
  readonly file?: string;
}

/** One file sent to a calcjob's directory before it runs. */
export interface UploadEntry {
  /** Where it goes, relative to the calcjob's directory. */
  readonly path: string;
  /** A labelled object's content. */
  readonly object?: string;
  /** A local file's content (relative to the jobs file). */
  readonly file?: string;
  /** Inline text. */
  readonly content?: string;
  /** Whether the content is a template rendered like the job script. Default: false. */
  readonly template: boolean;
}

/** A code: a job script template on a system, with files and globs shared by its calcjobs. */
export interface CodeEntry {
  /** Its label, unique in the file. */
  readonly label: string;
  /** A system label from drover.yaml. */
  readonly system: string;
  /** The job script template. */
  readonly script: string;
  /** Files every calcjob of the code gets. */
  readonly upload: readonly UploadEntry[];
  /** Globs every calcjob of the code brings back. */
  readonly download: readonly string[];
  /** How often a calcjob of the code is retried after a transient failure. Default: the run's. */
  readonly retries?: number;
}

/** How a matrix's axes combine: every combination, or element by element. */
export type MatrixMode = "product" | "zip";

/** A calcjob (or, with `matrix`, a sweep of them). */
export interface CalcJobEntry {
  /** Its label (not necessarily unique). Default: none. */
  readonly label?: string;
  /** The code's label. */
  readonly code: string;
  /** Template parameters (`calc.parameters.*`). */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Files beside the code's. */
  readonly upload: readonly UploadEntry[];
  /** Globs beside the code's. */
  readonly download: readonly string[];
  /** Resources (walltime in ms, memory in bytes). */
  readonly resources: Resources;
  /** Axes whose values become parameters, one calcjob per combination. */
  readonly matrix?: Readonly<Record<string, readonly unknown[]>>;
  /** How the matrix's axes combine. Default: `product`. */
  readonly matrixMode: MatrixMode;
  /** How often it is retried after a transient failure. Default: its code's, else the run's. */
  readonly retries?: number;
}

/** A parsed jobs file. */
export interface JobsFile {
  /** Labelled objects. */
  readonly objects: readonly ObjectEntry[];
  /** Codes. */
  readonly codes: readonly CodeEntry[];
  /** Calcjobs, before matrix expansion. */
  readonly calcjobs: readonly CalcJobEntry[];
}

/** A jobs file that cannot be read or used; the message names the file and the place. */
export class JobsFileError extends Error {
  /** The jobs file. */
  readonly file: string;
  /** Where inside it (`calcjobs[2].code`); `""` for the whole file. */
  readonly path: string;

  /**
   * Creates an instance.
   *
   * @param file The jobs file.
   * @param path Where inside it.
   * @param problem The one-line description (after the file).
   * @param options The underlying error.
   */
  constructor(file: string, path: string, problem: string, options?: ErrorOptions) {
    super(`Cannot add jobs file "${file}": ${problem}`, options);
    this.name = "JobsFileError";
    this.file = file;
    this.path = path;
  }
}

const LABEL = z.string({ message: "a label (text)" }).min(1, "a non-empty label");
const GLOB = z.string({ message: "a glob (text)" }).regex(
  /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9_.*?[\]\/+@=,-]+$/,
  "a relative glob of letters, digits, _ . * ? [ ] / + @ = , - (no .. part)",
);
const NAME_LIST = z.array(GLOB, {
  message: "a list of globs",
}).default([]);

const UPLOAD = z.object({
  path: z.string({ message: "a relative path (text)" }).min(1, "a non-empty relative path")
    .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), {
      message: "a relative path inside the calcjob's directory",
    }),
  object: LABEL.optional(),
  file: z.string({ message: "a file path (text)" }).optional(),
  content: z.string({ message: "text" }).optional(),
  template: z.boolean({ message: "true or false" }).default(false),
}, { message: "a mapping with path and one of object, file, content" }).strict(
  "path, object, file, content, template",
)
  .refine(
    (u) => [u.object, u.file, u.content].filter((x) => x !== undefined).length === 1,
    { message: "exactly one of object, file, content" },
  );

const OBJECT = z.object({
  label: LABEL,
  content: z.string({ message: "text" }).optional(),
  file: z.string({ message: "a file path (text)" }).optional(),
}, { message: "a mapping with label and content or file" }).strict("label, content, file")
  .refine((o) => (o.content === undefined) !== (o.file === undefined), {
    message: "exactly one of content, file",
  });

const RETRIES = z.number({ message: "a whole number, 0 or more" }).int(
  "a whole number, 0 or more",
).min(0, "a whole number, 0 or more");

const CODE = z.object({
  label: LABEL,
  system: z.string({ message: "a system label from drover.yaml" }),
  script: z.string({ message: "a job script template (text)" }),
  upload: z.array(UPLOAD, { message: "a list of files" }).default([]),
  download: NAME_LIST,
  retries: RETRIES.optional(),
}, { message: "a mapping with label, system and script" }).strict(
  "label, system, script, upload, download, retries",
);

const POSITIVE = z.number({ message: "a whole number, 1 or more" }).int(
  "a whole number, 1 or more",
).min(1, "a whole number, 1 or more");

const RESOURCES = z.object({
  nodes: POSITIVE.optional(),
  cores: POSITIVE.optional(),
  gpus: z.number({ message: "a whole number" }).int("a whole number").min(0).optional(),
  partition: z.string({ message: "a partition name" }).optional(),
  time: z.union([z.string(), z.number()], { message: "a walltime like 01:30:00" })
    .transform((v, ctx) => {
      const r = safeParseWalltime(String(v));
      if (r.success) return r.data;
      ctx.addIssue({ code: "custom", message: "a walltime like 01:30:00 or 1-12" });
      return z.NEVER;
    }).optional(),
  memory: z.union([z.string(), z.number()], { message: "a memory size like 4G" })
    .transform((v, ctx) => {
      const r = safeParseMemory(String(v));
      if (r.success) return r.data;
      ctx.addIssue({ code: "custom", message: "a memory size like 4G or 500M" });
      return z.NEVER;
    }).optional(),
}, { message: "a mapping of resources" }).strict("nodes, cores, gpus, partition, time, memory");

const CALCJOB = z.object({
  label: LABEL.optional(),
  code: z.string({ message: "a code label" }),
  parameters: z.record(z.unknown(), { message: "a mapping of parameters" }).default({}),
  upload: z.array(UPLOAD, { message: "a list of files" }).default([]),
  download: NAME_LIST,
  resources: RESOURCES.default({}),
  matrix: z.record(
    z.array(z.unknown(), { message: "a list of values" }).min(1, "a non-empty list of values"),
    { message: "a mapping from parameter names to lists of values" },
  ).optional(),
  matrix_mode: z.enum(["product", "zip"], { message: "product or zip" }).default("product"),
  retries: RETRIES.optional(),
}, { message: "a mapping with code and parameters" }).strict(
  "label, code, parameters, upload, download, resources, matrix, matrix_mode, retries",
);

const FILE = z.object({
  objects: z.array(OBJECT, { message: "a list of objects" }).default([]),
  codes: z.array(CODE, { message: "a list of codes" }).default([]),
  calcjobs: z.array(CALCJOB, { message: "a list of calcjobs" }).default([]),
}, { message: "a mapping with objects, codes and calcjobs" }).strict("objects, codes, calcjobs");

/** The result of {@linkcode safeParseJobsFile}. */
export type JobsFileParse =
  | { readonly success: true; readonly data: JobsFile }
  | { readonly success: false; readonly error: JobsFileError };

const MAX_ALIAS_COUNT = 10_000;

/**
 * Reads a jobs file's text: YAML (anchors, aliases, `<<:` merge keys), then the schema.
 * Labels of objects and codes must be unique.
 *
 * @param text The file's content.
 * @param file The file's path, for messages.
 * @returns The parsed file, or the first problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { safeParseJobsFile } from "./jobs_file.ts";
 * const text = `
 * codes: [{ label: echo, system: s, script: "echo {{ calc.parameters.x }}" }]
 * calcjobs:
 *   - &base { code: echo, parameters: { x: 1 } }
 *   - { <<: *base, label: two }
 * `;
 * const r = safeParseJobsFile(text, "jobs.yaml");
 * assert.ok(r.success);
 * if (r.success) assert.equal(r.data.calcjobs[1].code, "echo");
 * const bad = safeParseJobsFile("calcjobs: [{ code: 3 }]", "jobs.yaml");
 * assert.ok(!bad.success);
 * if (!bad.success) {
 *   assert.equal(bad.error.message,
 *     'Cannot add jobs file "jobs.yaml": calcjobs[0].code must be a code label (got 3)');
 * }
 * ```
 */
export function safeParseJobsFile(text: string, file: string): JobsFileParse {
  let value: unknown;
  try {
    const doc = parseDocument(text, { merge: true, prettyErrors: true, uniqueKeys: true });
    const error = doc.errors[0];
    if (error !== undefined) return fail(file, "", yamlProblem(error.message), error);
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (e) {
    return fail(file, "", yamlProblem(e instanceof Error ? e.message : String(e)), e);
  }
  const parsed = FILE.safeParse(value);
  if (!parsed.success) {
    const problem = describeIssue(parsed.error.issues[0], value);
    return fail(file, problem.path, problem.message);
  }
  for (const kind of ["objects", "codes"] as const) {
    const seen = new Set<string>();
    for (const [i, entry] of parsed.data[kind].entries()) {
      if (seen.has(entry.label)) {
        return fail(
          file,
          `${kind}[${i}].label`,
          `${kind}[${i}].label "${entry.label}" is used twice`,
        );
      }
      seen.add(entry.label);
    }
  }
  const data: JobsFile = {
    objects: parsed.data.objects,
    codes: parsed.data.codes,
    calcjobs: parsed.data.calcjobs.map(({ matrix_mode, ...rest }) => ({
      ...rest,
      matrixMode: matrix_mode,
    })),
  };
  return { success: true, data };
}

/**
 * Like {@linkcode safeParseJobsFile}, but throws.
 *
 * @param text The file's content.
 * @param file The file's path, for messages.
 * @returns The parsed file.
 * @throws {JobsFileError} On bad YAML or a value the schema refuses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JobsFileError, parseJobsFile } from "./jobs_file.ts";
 * assert.throws(() => parseJobsFile("codes: [{ label: a }]", "j.yaml"), JobsFileError);
 * assert.equal(parseJobsFile("", "j.yaml").calcjobs.length, 0);
 * ```
 */
export function parseJobsFile(text: string, file: string): JobsFile {
  const r = safeParseJobsFile(text, file);
  if (!r.success) throw r.error;
  return r.data;
}

function yamlProblem(message: string): string {
  return `the file is not valid YAML: ${message.split("\n")[0].trim().replace(/:$/, "")}`;
}

function fail(file: string, path: string, problem: string, cause?: unknown): JobsFileParse {
  return {
    success: false,
    error: new JobsFileError(file, path, problem, cause === undefined ? undefined : { cause }),
  };
}
