/**
 * Turns a parsed jobs file into everything `drover add` writes: object bytes, codes, and
 * calcjobs with their matrices expanded and every template rendered. Nothing is written
 * here, so a bad file leaves the store untouched.
 *
 * @module
 */
import { hashValue, sha256Hex } from "../codec/mod.ts";
import type { Resources, System } from "../systems/mod.ts";
import type { CalcJobEntry, CodeEntry, JobsFile, UploadEntry } from "./jobs_file.ts";
import { JobsFileError } from "./jobs_file.ts";
import { combinationLabel, expandMatrix, MatrixError } from "./matrix.ts";
import { type Template, type TemplateEngine, TemplateError } from "./template.ts";

/** A file of a calcjob or code, by content. */
export interface PlannedFile {
  /** Relative path in the calcjob's directory. */
  readonly path: string;
  /** sha256 of its bytes. */
  readonly sha256: string;
}

/** A code as stored. */
export interface PlannedCode {
  /** Its label. */
  readonly label: string;
  /** Its system's name. */
  readonly system: string;
  /** sha256 of its script template. */
  readonly scriptSha256: string;
  /** Upload entries as written (template or not), with content hashes. */
  readonly upload: readonly (PlannedFile & { readonly template: boolean })[];
  /** Download globs. */
  readonly download: readonly string[];
}

/** A calcjob ready to store: script and templated files rendered. */
export interface PlannedCalcJob {
  /** A UUID derived from its definition, so adding the same file twice adds nothing. */
  readonly id: string;
  /** Its label (with `[x=1,y=a]` for a matrix element); `""` when none. */
  readonly label: string;
  /** Its code's label. */
  readonly code: string;
  /** Its system's name. */
  readonly system: string;
  /** Parameters, matrix values included. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Resources (ms, bytes). */
  readonly resources: Resources;
  /** sha256 of the rendered job script. */
  readonly scriptSha256: string;
  /** Every file sent (code's then its own; a later path wins). */
  readonly upload: readonly PlannedFile[];
  /** Every glob brought back (code's then its own). */
  readonly download: readonly string[];
  /** Its retry limit after transient failures (its own, else its code's); absent: the run's. */
  readonly maxRetries?: number;
}

/** What `drover add` writes. */
export interface AddPlan {
  /** Object bytes by sha256 (labelled objects, files, rendered scripts and files). */
  readonly blobs: ReadonlyMap<string, Uint8Array>;
  /** Labelled objects: label to sha256. */
  readonly objects: ReadonlyMap<string, string>;
  /** Codes. */
  readonly codes: readonly PlannedCode[];
  /** Calcjobs, matrices expanded. */
  readonly calcjobs: readonly PlannedCalcJob[];
}

/** What {@linkcode planAdd} needs besides the file. */
export interface PlanAddOptions {
  /** Configured systems by name (drover.yaml). */
  readonly systems: Readonly<Record<string, System>>;
  /** The template engine. */
  readonly engine: TemplateEngine;
  /** Reads a file named in the jobs file (a path relative to it). */
  readonly readFile: (path: string) => Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Plans an add: resolves labels, reads files, expands matrices and renders every job
 * script and templated file with strict undefined.
 *
 * @param jobs The parsed jobs file.
 * @param file The jobs file's path, for messages.
 * @param options Systems, engine and file reader.
 * @returns The plan.
 * @throws {JobsFileError} On an unknown label, an unreadable file or a template error
 * (the message names the item and the template's line and column).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTemplateEngine, parseJobsFile, planAdd } from "./mod.ts";
 * const jobs = parseJobsFile(`
 * codes: [{ label: echo, system: here, script: "echo {{ calc.parameters.x }}" }]
 * calcjobs: [{ code: echo, matrix: { x: [1, 2] } }]
 * `, "jobs.yaml");
 * const system = { name: "here", scheduler: "local", rundir: "/tmp", partitions: [],
 *   header: [], setup: [], deno: "upload", maxJobs: 1, pollMs: 100 } as const;
 * const plan = planAdd(jobs, "jobs.yaml", {
 *   systems: { here: system }, engine: createTemplateEngine(), readFile: Deno.readFileSync,
 * });
 * assert.equal(plan.calcjobs.length, 2);
 * const script = plan.blobs.get(plan.calcjobs[1].scriptSha256)!;
 * assert.equal(new TextDecoder().decode(script), "echo 2");
 * ```
 */
export function planAdd(jobs: JobsFile, file: string, options: PlanAddOptions): AddPlan {
  const blobs = new Map<string, Uint8Array>();
  const put = (bytes: Uint8Array): string => {
    const sha = sha256Hex(bytes);
    blobs.set(sha, bytes);
    return sha;
  };
  const read = (path: string, where: string): Uint8Array => {
    try {
      return options.readFile(path);
    } catch (e) {
      throw new JobsFileError(file, where, `${where}: cannot read file "${path}"`, { cause: e });
    }
  };
  const objects = new Map<string, string>();
  for (const [i, o] of jobs.objects.entries()) {
    const bytes = o.content !== undefined
      ? encoder.encode(o.content)
      : read(o.file!, `objects[${i}].file`);
    objects.set(o.label, put(bytes));
  }
  const source = (u: UploadEntry, where: string): Uint8Array => {
    if (u.content !== undefined) return encoder.encode(u.content);
    if (u.file !== undefined) return read(u.file, `${where}.file`);
    const sha = objects.get(u.object!);
    if (sha === undefined) {
      throw new JobsFileError(
        file,
        `${where}.object`,
        `${where}.object "${u.object}" is not a label under objects`,
      );
    }
    return blobs.get(sha)!;
  };
  const compile = (text: string, name: string, where: string): Template => {
    try {
      return options.engine.compile(text, name);
    } catch (e) {
      throw templateProblem(file, where, e);
    }
  };
  interface CodeInfo {
    readonly entry: CodeEntry;
    readonly planned: PlannedCode;
    readonly script: Template;
    readonly uploads: readonly Upload[];
    readonly system: System;
  }
  const codes = new Map<string, CodeInfo>();
  for (const [i, c] of jobs.codes.entries()) {
    const where = `codes[${i}]`;
    const system = options.systems[c.system];
    if (system === undefined) {
      const known = Object.keys(options.systems).sort().join(", ") || "none configured";
      throw new JobsFileError(
        file,
        `${where}.system`,
        `${where}.system "${c.system}" is not a system in drover.yaml (known: ${known})`,
      );
    }
    const uploads = c.upload.map((u, j) =>
      upload(u, source(u, `${where}.upload[${j}]`), `code "${c.label}" file ${u.path}`)
    );
    const planned: PlannedCode = {
      label: c.label,
      system: c.system,
      scriptSha256: put(encoder.encode(c.script)),
      upload: uploads.map((u) => ({ path: u.path, sha256: put(u.bytes), template: u.template })),
      download: c.download,
    };
    const script = compile(c.script, `the script of code "${c.label}"`, where);
    codes.set(c.label, { entry: c, planned, script, uploads, system });
  }
  const calcjobs: PlannedCalcJob[] = [];
  for (const [i, cj] of jobs.calcjobs.entries()) {
    const where = `calcjobs[${i}]${cj.label === undefined ? "" : ` ("${cj.label}")`}`;
    const code = codes.get(cj.code);
    if (code === undefined) {
      throw new JobsFileError(
        file,
        `calcjobs[${i}].code`,
        `calcjobs[${i}].code "${cj.code}" is not a label under codes`,
      );
    }
    const own = cj.upload.map((u, j) =>
      upload(u, source(u, `calcjobs[${i}].upload[${j}]`), `file ${u.path}`)
    );
    for (const combination of combinations(cj, file, i)) {
      const label = (cj.label ?? "") +
        (cj.matrix === undefined ? "" : combinationLabel(combination));
      const itemWhere = cj.matrix === undefined
        ? where
        : `calcjobs[${i}]${combinationLabel(combination)}`;
      const parameters = { ...cj.parameters, ...combination };
      const download = [...new Set([...code.entry.download, ...cj.download])];
      const id = uuidOf({
        code: code.planned,
        label,
        parameters,
        resources: { ...cj.resources },
        upload: own.map((u) => [u.path, sha256Hex(u.bytes), u.template]),
        download,
      });
      const context = {
        calc: { uuid: id, label, parameters, resources: cj.resources },
        code: { label: code.entry.label, system: code.entry.system, download },
        system: {
          name: code.system.name,
          scheduler: code.system.scheduler,
          rundir: code.system.rundir,
        },
      };
      const render = (t: Template): Uint8Array => {
        try {
          return encoder.encode(t.render(context));
        } catch (e) {
          throw templateProblem(file, itemWhere, e);
        }
      };
      const scriptSha256 = put(render(code.script));
      const files = new Map<string, string>();
      for (const u of [...code.uploads, ...own]) {
        const bytes = u.template
          ? render(u.compiled ??= compile(u.text(), u.name, itemWhere))
          : u.bytes;
        files.set(u.path, put(bytes));
      }
      calcjobs.push({
        id,
        label,
        code: code.entry.label,
        system: code.entry.system,
        parameters,
        resources: cj.resources,
        scriptSha256,
        upload: [...files].map(([path, sha256]) => ({ path, sha256 })),
        download,
        ...retriesOf(cj.retries ?? code.entry.retries),
      });
    }
  }
  return { blobs, objects, codes: [...codes.values()].map((c) => c.planned), calcjobs };
}

function retriesOf(retries: number | undefined): { maxRetries?: number } {
  return retries === undefined ? {} : { maxRetries: retries };
}

interface Upload {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly template: boolean;
  readonly name: string;
  text(): string;
  compiled?: Template;
}

function upload(u: UploadEntry, bytes: Uint8Array, name: string): Upload {
  return {
    path: u.path,
    bytes,
    template: u.template,
    name,
    text: () => decoder.decode(bytes),
  };
}

function combinations(cj: CalcJobEntry, file: string, i: number): Record<string, unknown>[] {
  if (cj.matrix === undefined) return [{}];
  try {
    return expandMatrix(cj.matrix, cj.matrixMode);
  } catch (e) {
    if (!(e instanceof MatrixError)) throw e;
    throw new JobsFileError(file, `calcjobs[${i}].matrix`, `calcjobs[${i}].matrix: ${e.message}`, {
      cause: e,
    });
  }
}

function templateProblem(file: string, where: string, e: unknown): unknown {
  if (e instanceof TemplateError) {
    return new JobsFileError(file, where, `${where}: ${lowerFirst(e.message)}`, { cause: e });
  }
  if (e instanceof TypeError && /decode/i.test(e.message)) {
    return new JobsFileError(file, where, `${where}: a templated file is not UTF-8 text`, {
      cause: e,
    });
  }
  return e;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** A UUID (version 8 layout) from the sha256 of a value's canonical encoding. */
function uuidOf(value: unknown): string {
  const h = hashValue(value);
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${
    h.slice(20, 32)
  }`;
}
