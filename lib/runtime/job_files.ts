/**
 * The files a job shares with the driver, under a system's run directory `R`: objects,
 * the job's manifest, and the markers its elements leave. Pure: paths and parsers only;
 * the driver (through a transport) and the element runner (on the compute node) do the I/O.
 *
 * ```
 * R/objects/<h[0:2]>/<h>           content-addressed objects (inputs, results, bundles)
 * R/jobs/<name>/manifest.json      { format: 1, step, bundle, elements: [[{ key, inputs }]] }
 * R/jobs/<name>/el/<i>.started     { host, pid, at }, written when element i starts
 * R/jobs/<name>/in/<i>.bin         the inputs of element i's calls (see element_files.ts)
 * R/jobs/<name>/out/<i>.log        element i's call log: outcomes, small results inline
 * R/jobs/<name>/out/<key>.json     a call's outcome (jobs of earlier versions)
 * R/jobs/<name>/el/<i>.exit        exit code of element i's deno process, by the job script
 * R/jobs/<name>/log/<i>.out|.err   the scheduler's stdout and stderr of element i
 * R/store/.drover                  the store of nested step calls made inside jobs
 * ```
 *
 * Every file is written to a temporary name starting with `.` in the same directory and
 * renamed, so a reader never sees half a file.
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";
import type { StoredError } from "../store/mod.ts";
import { describeIssue, type SafeParseResult, type ValidationProblem } from "../systems/mod.ts";
import type { Assert, Equals, Plain } from "../_type_check.ts";

export {
  exitMarkerPath,
  jobDir,
  jobStoreDir,
  logPath,
  manifestPath,
  objectPath,
  outcomeMarkerPath,
  startedMarkerPath,
} from "./job_paths.ts";

/** The environment variable holding the run directory `R` in a job. */
export const RUNDIR_VARIABLE = "DROVER_RUNDIR";
/** The environment variable holding the job's directory `R/jobs/<name>` in a job. */
export const JOB_DIR_VARIABLE = "DROVER_JOB_DIR";
/** The manifest format this version writes and reads. */
export const MANIFEST_FORMAT = 1;
/** Exit code of an element whose runner failed (as opposed to user code throwing). */
export const RUNNER_FAILED_EXIT_CODE = 3;

/** One call of a job: its key and the object holding its encoded inputs. */
export interface JobCall {
  /** The call key (64 lowercase hex digits). */
  readonly key: string;
  /** sha256 of the inputs object, `encode(inputs, { root: "args" })`. */
  readonly inputs: string;
}

/** `R/jobs/<name>/manifest.json`: which step, which bundle, which calls each element runs. */
export interface JobManifest {
  /** Always {@linkcode MANIFEST_FORMAT}. */
  readonly format: 1;
  /** The step every call runs. */
  readonly step: string;
  /** sha256 of the bundle object. */
  readonly bundle: string;
  /** Element i (0-based) runs `elements[i]`, in order, in one process. */
  readonly elements: readonly (readonly JobCall[])[];
  /**
   * Whether each element's inputs are staged as one pack, `in/<i>.bin` (see
   * `encodeInputPack`), rather than as one object per call. Default: false.
   */
  readonly packed?: boolean;
}

/** `el/<i>.started`: where and when an element started. */
export interface StartedMarker {
  /** Host name of the compute node. */
  readonly host: string;
  /** Process id of the element's deno process. */
  readonly pid: number;
  /** When it started, ms since the epoch. */
  readonly at: number;
}

/** `out/<key>.json`: how one call ended. Times are ms since the epoch. */
export type CallOutcomeMarker =
  | {
    /** The call returned a value. */
    readonly ok: true;
    /** sha256 of the result object, `encode(value, { root: "result" })`. */
    readonly result: string;
    /** Size of the result object in bytes. */
    readonly size: number;
    /** When the call started. */
    readonly startedAt: number;
    /** When it ended. */
    readonly endedAt: number;
  }
  | {
    /** The call threw, or its result could not be encoded, or it could not run. */
    readonly ok: false;
    /** The error as the store keeps it. */
    readonly error: StoredError;
    /** When the call started. */
    readonly startedAt: number;
    /** When it ended. */
    readonly endedAt: number;
  };

/** A job file that cannot be read: it names the file and the path inside it. */
export class JobFileError extends Error {
  /** The file, as given to the parser. */
  readonly file: string;
  /** Where inside it (`elements[0][1].inputs`); `""` for the whole file. */
  readonly path: string;
  /** What was expected there. */
  readonly expected: string;

  /**
   * Creates an instance.
   *
   * @param file The file.
   * @param problem Path, expectation and description.
   * @param options The underlying error, if any.
   */
  constructor(file: string, problem: ValidationProblem, options?: ErrorOptions) {
    super(`Cannot read job file "${file}": ${problem.message}`, options);
    this.name = "JobFileError";
    this.file = file;
    this.path = problem.path;
    this.expected = problem.expected;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

function expect(message: string): { message: string } {
  return { message };
}

const SHA = z.string(expect("a sha256 hex digest")).regex(HEX64, expect("a sha256 hex digest"));
const TIME = z.number(expect("a time in ms since the epoch")).int(
  expect("a time in ms since the epoch"),
).nonnegative(expect("a time in ms since the epoch"));

const JOB_CALL = z.object({
  key: z.string(expect("a call key")).regex(HEX64, expect("a call key (64 lowercase hex digits)")),
  inputs: SHA,
}, expect("a call { key, inputs }"));

const MANIFEST = z.object({
  format: z.literal(MANIFEST_FORMAT, {
    errorMap: () => expect(`${MANIFEST_FORMAT} (the manifest format)`),
  }),
  step: z.string(expect("a step name")).min(1, expect("a step name")),
  bundle: SHA,
  elements: z.array(
    z.array(JOB_CALL, expect("a list of calls")).min(1, expect("a list of at least one call")),
    expect("a list of elements"),
  ).min(1, expect("a list of at least one element")),
  packed: z.boolean(expect("true or false")).optional(),
}, expect("a JSON object { format, step, bundle, elements }")).superRefine((m, ctx) => {
  const seen = new Map<string, string>();
  m.elements.forEach((calls, i) =>
    calls.forEach((call, j) => {
      const where = `elements[${i}][${j}]`;
      const first = seen.get(call.key);
      if (first === undefined) seen.set(call.key, where);
      else {
        ctx.addIssue({
          code: "custom",
          path: ["elements", i, j, "key"],
          message: "a key not used before",
          params: { text: `is the key of ${first} again (each call runs once per job)` },
        });
      }
    })
  );
});

const STARTED = z.object({
  host: z.string(expect("a host name")),
  pid: z.number(expect("a process id")).int(expect("a process id")).positive(
    expect("a process id"),
  ),
  at: TIME,
}, expect("a JSON object { host, pid, at }"));

const STORED_ERROR = z.object({
  name: z.string(expect("an error name")),
  message: z.string(expect("an error message")),
  stack: z.string(expect("a stack trace")).optional(),
  data: z.record(z.unknown(), expect("a mapping of error data")).optional(),
}, expect("an error { name, message, stack?, data? }"));

const OUTCOME = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    result: SHA,
    size: z.number(expect("a size in bytes")).int(expect("a size in bytes")).nonnegative(
      expect("a size in bytes"),
    ),
    startedAt: TIME,
    endedAt: TIME,
  }),
  z.object({ ok: z.literal(false), error: STORED_ERROR, startedAt: TIME, endedAt: TIME }),
], {
  errorMap: (issue) =>
    expect(
      issue.code === "invalid_union_discriminator"
        ? "true or false"
        : "a JSON object { ok, result, size, startedAt, endedAt } or { ok, error, startedAt, endedAt }",
    ),
});

type _Manifest = Assert<Equals<Plain<z.infer<typeof MANIFEST>>, Plain<JobManifest>>>;
type _Started = Assert<Equals<Plain<z.infer<typeof STARTED>>, Plain<StartedMarker>>>;
type _Outcome = Assert<Equals<Plain<z.infer<typeof OUTCOME>>, Plain<CallOutcomeMarker>>>;

function parseJson<T>(
  text: string,
  file: string,
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
): SafeParseResult<T, JobFileError> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return {
      success: false,
      error: new JobFileError(file, {
        path: "",
        expected: "JSON",
        message: `it is not valid JSON (${reason})`,
      }, { cause: e }),
    };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { success: true, data: parsed.data };
  return {
    success: false,
    error: new JobFileError(file, describeIssue(parsed.error.issues[0], value)),
  };
}

function orThrow<T>(result: SafeParseResult<T, JobFileError>): T {
  if (!result.success) throw result.error;
  return result.data;
}

/**
 * Reads a job manifest. Unknown fields are ignored; a key used twice is an error.
 *
 * @param text The file's text.
 * @param file The file, as messages name it.
 * @returns `{ success: true, data }` or `{ success: false, error: JobFileError }`.
 *
 * @example
 * ```ts
 * import { safeParseManifest } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * const r = safeParseManifest('{"format": 2}', "/r/jobs/j/manifest.json");
 * assert.equal(r.success, false);
 * assert.equal(
 *   !r.success && r.error.message,
 *   'Cannot read job file "/r/jobs/j/manifest.json": format must be 1 (the manifest format) (got 2)',
 * );
 * ```
 */
export function safeParseManifest(
  text: string,
  file: string,
): SafeParseResult<JobManifest, JobFileError> {
  return parseJson(text, file, MANIFEST);
}

/**
 * Reads a job manifest, throwing on bad input.
 *
 * @param text The file's text.
 * @param file The file, as messages name it.
 * @returns The manifest.
 * @throws {JobFileError} naming the file, the path inside it and what was expected.
 *
 * @example
 * ```ts
 * import { parseManifest } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * const key = "1".repeat(64), inputs = "2".repeat(64), bundle = "3".repeat(64);
 * const m = parseManifest(
 *   JSON.stringify({ format: 1, step: "relax", bundle, elements: [[{ key, inputs }]] }),
 *   "manifest.json",
 * );
 * assert.equal(m.elements[0][0].key, key);
 * assert.throws(
 *   () => parseManifest(JSON.stringify({ ...m, bundle: "x" }), "manifest.json"),
 *   { name: "JobFileError", message: /bundle must be a sha256 hex digest \(got "x"\)/ },
 * );
 * ```
 */
export function parseManifest(text: string, file: string): JobManifest {
  return orThrow(safeParseManifest(text, file));
}

/**
 * Reads a call's outcome marker.
 *
 * @param text The file's text.
 * @param file The file, as messages name it.
 * @returns `{ success: true, data }` or `{ success: false, error: JobFileError }`.
 *
 * @example
 * ```ts
 * import { safeParseOutcomeMarker } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * assert.equal(safeParseOutcomeMarker("{", "out/k.json").success, false);
 * ```
 */
export function safeParseOutcomeMarker(
  text: string,
  file: string,
): SafeParseResult<CallOutcomeMarker, JobFileError> {
  return parseJson(text, file, OUTCOME);
}

/**
 * Reads a call's outcome marker, throwing on bad input.
 *
 * @param text The file's text.
 * @param file The file, as messages name it.
 * @returns The outcome.
 * @throws {JobFileError} naming the file, the path inside it and what was expected.
 *
 * @example
 * ```ts
 * import { parseOutcomeMarker } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * const m = parseOutcomeMarker(
 *   '{"ok": false, "error": {"name": "RangeError", "message": "fmax"}, "startedAt": 1, "endedAt": 2}',
 *   "out/k.json",
 * );
 * assert.equal(m.ok, false);
 * assert.equal(!m.ok && m.error.name, "RangeError");
 * ```
 */
export function parseOutcomeMarker(text: string, file: string): CallOutcomeMarker {
  return orThrow(safeParseOutcomeMarker(text, file));
}

/**
 * Reads an element's started marker, throwing on bad input.
 *
 * @param text The file's text.
 * @param file The file, as messages name it.
 * @returns The marker.
 * @throws {JobFileError} naming the file, the path inside it and what was expected.
 *
 * @example
 * ```ts
 * import { parseStartedMarker } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   parseStartedMarker('{"host": "node7", "pid": 42, "at": 1700000000000}', "el/0.started"),
 *   { host: "node7", pid: 42, at: 1700000000000 },
 * );
 * ```
 */
export function parseStartedMarker(text: string, file: string): StartedMarker {
  return orThrow(parseJson(text, file, STARTED));
}

/**
 * Reads an element's exit marker: the exit code as decimal text, with optional spaces and
 * newline around it.
 *
 * @param text The file's text.
 * @param file The file, as messages name it.
 * @returns The exit code, 0 to 255.
 * @throws {JobFileError} when the text is not such a number.
 *
 * @example
 * ```ts
 * import { parseExitMarker } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseExitMarker("137\n", "el/0.exit"), 137);
 * assert.throws(() => parseExitMarker("", "el/0.exit"), { name: "JobFileError" });
 * ```
 */
export function parseExitMarker(text: string, file: string): number {
  const value = text.trim();
  const code = /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(code >= 0 && code <= 255)) {
    const expected = "an exit code, a whole number from 0 to 255";
    throw new JobFileError(file, {
      path: "",
      expected,
      message: `the file must hold ${expected} (got ${JSON.stringify(value.slice(0, 40))})`,
    });
  }
  return code;
}
