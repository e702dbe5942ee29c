/**
 * `drover add jobs.yaml`: read, check, render, then store everything in one transaction.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import type { Store } from "../store/mod.ts";
import type { System } from "../systems/mod.ts";
import { type AddOutcome, CalcJobStore } from "./calcjob_store.ts";
import { JobsFileError, parseJobsFile } from "./jobs_file.ts";
import { planAdd } from "./plan_add.ts";
import { createTemplateEngine, type TemplateEngine } from "./template.ts";

/** Options of {@linkcode addJobsFile}. */
export interface AddJobsOptions {
  /** Configured systems by name (drover.yaml). */
  readonly systems: Readonly<Record<string, System>>;
  /** The time to record. Default: `Date.now()`. */
  readonly now?: number;
  /** The engine. Default: {@linkcode createTemplateEngine}. */
  readonly engine?: TemplateEngine;
}

/** What an add stored. */
export type AddResult = Extract<AddOutcome, { ok: true }>;

/**
 * Adds a jobs file to the store: all of it, or (on any problem) nothing.
 *
 * @param file The jobs file's path; files it names are relative to its folder.
 * @param store The open project store.
 * @param options Systems, clock, engine.
 * @returns How many calcjobs, codes and labelled objects were added.
 * @throws {JobsFileError} On an unreadable or invalid file, an unknown label, a template
 * error, or a label naming something different in the store.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "../store/mod.ts";
 * import { addJobsFile } from "./add_jobs.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/jobs.yaml`, `
 * codes: [{ label: echo, system: here, script: "echo {{ calc.parameters.x }}" }]
 * calcjobs: [{ code: echo, matrix: { x: [1, 2, 3] } }]
 * `);
 * const here = { name: "here", scheduler: "local", rundir: "/tmp", partitions: [],
 *   header: [], setup: [], deno: "upload", maxJobs: 1, pollMs: 100 } as const;
 * using store = openStore({ cwd: dir });
 * const r = addJobsFile(`${dir}/jobs.yaml`, store, { systems: { here } });
 * assert.equal(r.added, 3);
 * assert.equal(addJobsFile(`${dir}/jobs.yaml`, store, { systems: { here } }).existing, 3);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function addJobsFile(file: string, store: Store, options: AddJobsOptions): AddResult {
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    throw new JobsFileError(file, "", "cannot read the file", { cause: e });
  }
  const jobs = parseJobsFile(text, file);
  const base = dirname(resolve(file));
  const plan = planAdd(jobs, file, {
    systems: options.systems,
    engine: options.engine ?? createTemplateEngine(),
    readFile: (path) => Deno.readFileSync(resolve(base, path)),
  });
  const outcome = new CalcJobStore(store).add(plan, options.now ?? Date.now());
  if (!outcome.ok) {
    const { kind, label } = outcome.conflict;
    const i = kind === "objects"
      ? jobs.objects.findIndex((o) => o.label === label)
      : jobs.codes.findIndex((c) => c.label === label);
    const path = `${kind}[${i}]`;
    throw new JobsFileError(
      file,
      path,
      `${path}.label "${label}" already names a different ${
        kind === "objects" ? "object" : "code"
      } in the store (use a new label)`,
    );
  }
  return outcome;
}
