/**
 * Recognising out-of-memory kills in job logs.
 *
 * @module
 */

const OOM_PATTERNS: readonly RegExp[] = [
  /\boom[-_]kill/i,
  /cgroup out-of-memory handler/i,
  /Memory cgroup out of memory/i,
  /Exceeded (job|step) memory limit/i,
  /PBS: job killed: (v?mem|pmem)/i,
  /\bOUT_OF_MEMORY\b/,
];

/**
 * Whether a job's stderr (or a log tail) shows that the kernel or the scheduler killed it
 * for using too much memory: Slurm's `Detected 1 oom-kill event(s)` and `Exceeded job
 * memory limit`, the kernel's `Memory cgroup out of memory`, PBS's `job killed: mem ...
 * exceeded limit`. V8's own `JavaScript heap out of memory` does not count: more memory
 * for the job does not raise the heap limit.
 *
 * @param text The text to scan.
 * @returns True when one of the known messages is present.
 *
 * @example
 * ```ts
 * import { hasOomHint } from "./oom_hint.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   hasOomHint("slurmstepd: error: Detected 1 oom-kill event(s) in StepId=12.batch."),
 *   true,
 * );
 * assert.equal(hasOomHint("Fatal JavaScript out of memory: Reached heap limit"), false);
 * ```
 */
export function hasOomHint(text: string): boolean {
  return OOM_PATTERNS.some((p) => p.test(text));
}
