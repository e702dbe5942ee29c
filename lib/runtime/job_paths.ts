/**
 * Paths of the files a job shares with the driver, under a system's run directory `R` (see
 * {@link ./job_files.ts} for their contents and {@link ./job_layout.ts} for the layout as a
 * whole). Pure: paths only, checked.
 *
 * @module
 */
import { ARRAY_INDEX_PLACEHOLDER } from "../scheduler/mod.ts";

const HEX64 = /^[0-9a-f]{64}$/;

function checkHash(hash: string, what: string): void {
  if (typeof hash !== "string" || !HEX64.test(hash)) {
    throw new TypeError(
      `Cannot name the path of ${what}: expected 64 lowercase hex digits (got ${
        JSON.stringify(hash)
      })`,
    );
  }
}

function checkDir(dir: string, what: string): string {
  if (typeof dir !== "string" || !dir.startsWith("/") || dir.includes("\0")) {
    throw new TypeError(
      `Cannot name a job file: ${what} must be an absolute path (got ${JSON.stringify(dir)})`,
    );
  }
  return dir.length > 1 ? dir.replace(/\/+$/, "") : dir;
}

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new RangeError(
      `Cannot name an element's file: the index must be a whole number, 0 or more (got ${index})`,
    );
  }
}

/**
 * The path of an object under the run directory: `R/objects/<h[0:2]>/<h>`.
 *
 * @param runDir The run directory `R`, absolute.
 * @param hash sha256 hex of the object's bytes.
 * @returns The absolute path.
 * @throws {TypeError} for a relative `runDir` or a hash that is not 64 lowercase hex digits.
 *
 * @example
 * ```ts
 * import { objectPath } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * const h = "ab".repeat(32);
 * assert.equal(objectPath("/scratch/r/", h), `/scratch/r/objects/ab/${h}`);
 * ```
 */
export function objectPath(runDir: string, hash: string): string {
  checkHash(hash, "an object");
  return `${checkDir(runDir, "the run directory")}/objects/${hash.slice(0, 2)}/${hash}`;
}

/**
 * The directory of a job: `R/jobs/<name>`.
 *
 * @param runDir The run directory `R`, absolute.
 * @param name The job name (one path segment).
 * @returns The absolute path.
 * @throws {TypeError} for a relative `runDir`, or a name that is empty, `.`, `..` or has `/`.
 *
 * @example
 * ```ts
 * import { jobDir } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * assert.equal(jobDir("/scratch/r", "relax-1"), "/scratch/r/jobs/relax-1");
 * ```
 */
export function jobDir(runDir: string, name: string): string {
  if (typeof name !== "string" || !/^[^/\0]+$/.test(name) || name === "." || name === "..") {
    throw new TypeError(
      `Cannot name a job directory: a job name must be one path segment (got ${
        JSON.stringify(name)
      })`,
    );
  }
  return `${checkDir(runDir, "the run directory")}/jobs/${name}`;
}

/**
 * The store of nested step calls made inside jobs: `R/store/.drover`.
 *
 * @param runDir The run directory `R`, absolute.
 * @returns The absolute path of the `.drover` directory.
 * @throws {TypeError} for a relative `runDir`.
 *
 * @example
 * ```ts
 * import { jobStoreDir } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * assert.equal(jobStoreDir("/scratch/r"), "/scratch/r/store/.drover");
 * ```
 */
export function jobStoreDir(runDir: string): string {
  return `${checkDir(runDir, "the run directory")}/store/.drover`;
}

/**
 * The manifest of a job: `<jobDir>/manifest.json`.
 *
 * @param dir The job directory, absolute.
 * @returns The absolute path.
 * @throws {TypeError} for a relative `dir`.
 *
 * @example
 * ```ts
 * import { manifestPath } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * assert.equal(manifestPath("/r/jobs/j"), "/r/jobs/j/manifest.json");
 * ```
 */
export function manifestPath(dir: string): string {
  return `${checkDir(dir, "the job directory")}/manifest.json`;
}

/**
 * The started marker of element `index`: `<jobDir>/el/<index>.started`.
 *
 * @param dir The job directory, absolute.
 * @param index The element, 0-based.
 * @returns The absolute path.
 * @throws {TypeError} for a relative `dir`.
 * @throws {RangeError} for an index that is not a whole number, 0 or more.
 *
 * @example
 * ```ts
 * import { startedMarkerPath } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * assert.equal(startedMarkerPath("/r/jobs/j", 3), "/r/jobs/j/el/3.started");
 * ```
 */
export function startedMarkerPath(dir: string, index: number): string {
  checkIndex(index);
  return `${checkDir(dir, "the job directory")}/el/${index}.started`;
}

/**
 * The exit marker of element `index`, written by the job script after deno exits:
 * `<jobDir>/el/<index>.exit`.
 *
 * @param dir The job directory, absolute.
 * @param index The element, 0-based.
 * @returns The absolute path.
 * @throws {TypeError} for a relative `dir`.
 * @throws {RangeError} for an index that is not a whole number, 0 or more.
 *
 * @example
 * ```ts
 * import { exitMarkerPath } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * assert.equal(exitMarkerPath("/r/jobs/j", 0), "/r/jobs/j/el/0.exit");
 * ```
 */
export function exitMarkerPath(dir: string, index: number): string {
  checkIndex(index);
  return `${checkDir(dir, "the job directory")}/el/${index}.exit`;
}

/**
 * The outcome marker of a call: `<jobDir>/out/<key>.json`.
 *
 * @param dir The job directory, absolute.
 * @param key The call key.
 * @returns The absolute path.
 * @throws {TypeError} for a relative `dir` or a key that is not 64 lowercase hex digits.
 *
 * @example
 * ```ts
 * import { outcomeMarkerPath } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * const key = "0f".repeat(32);
 * assert.equal(outcomeMarkerPath("/r/jobs/j", key), `/r/jobs/j/out/${key}.json`);
 * ```
 */
export function outcomeMarkerPath(dir: string, key: string): string {
  checkHash(key, "an outcome marker (the call key)");
  return `${checkDir(dir, "the job directory")}/out/${key}.json`;
}

/**
 * The scheduler's stdout or stderr file of an element: `<jobDir>/log/<index>.out` or
 * `.err`. Without an index, the path holds the scheduler-neutral placeholder `{index}`
 * that the script renderers turn into their own token.
 *
 * @param dir The job directory, absolute.
 * @param stream Which stream.
 * @param index The element, 0-based. Default: the placeholder.
 * @returns The absolute path.
 * @throws {TypeError} for a relative `dir`.
 * @throws {RangeError} for an index that is not a whole number, 0 or more.
 *
 * @example
 * ```ts
 * import { logPath } from "./job_files.ts";
 * import assert from "node:assert/strict";
 * assert.equal(logPath("/r/jobs/j", "stdout"), "/r/jobs/j/log/{index}.out");
 * assert.equal(logPath("/r/jobs/j", "stderr", 2), "/r/jobs/j/log/2.err");
 * ```
 */
export function logPath(dir: string, stream: "stdout" | "stderr", index?: number): string {
  if (index !== undefined) checkIndex(index);
  const ext = stream === "stdout" ? "out" : "err";
  return `${checkDir(dir, "the job directory")}/log/${index ?? ARRAY_INDEX_PLACEHOLDER}.${ext}`;
}
