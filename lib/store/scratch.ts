/**
 * Scratch on systems that `drover clean` may delete: objects staged in a system's object
 * store (`<rundir>/objects/`) that no recorded job names and that this store holds itself
 * (so nothing is lost: a later job stages them again). Results that exist only on the
 * system are never scratch.
 *
 * @module
 */
import { guard } from "./database.ts";
import type { Store } from "./store.ts";

/** A staged object on a system. */
export interface StagedObject {
  /** The object. */
  readonly hash: string;
  /** Its size in bytes. */
  readonly size: number;
}

/**
 * The objects staged on a system that no job still recorded (other than `ignoreJobs`)
 * names, and that the local store holds. Reads only.
 *
 * @param store The store.
 * @param system The system's name.
 * @param ignoreJobs Jobs about to be forgotten: what only they name counts as scratch.
 * @returns The objects, by hash.
 *
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * import { stagedScratch } from "./scratch.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const local = store.objects.put(new Uint8Array([1]));
 * store.jobs.putRemoteObject(local, "hpc", 1);
 * store.jobs.putRemoteObject("f".repeat(64), "hpc", 9); // only on the system: a result
 * assert.deepEqual(stagedScratch(store, "hpc"), [{ hash: local, size: 1 }]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function stagedScratch(
  store: Store,
  system: string,
  ignoreJobs: readonly number[] = [],
): StagedObject[] {
  const ignored = new Set(ignoreJobs);
  const named = new Set<string>();
  const jobs = guard(store.dbPath, () => store.db.prepare("SELECT id, spec FROM jobs").all());
  for (const job of jobs) {
    if (ignored.has(Number(job.id))) continue;
    for (const m of String(job.spec).matchAll(/\b[0-9a-f]{64}\b/g)) named.add(m[0]);
  }
  const calls = guard(
    store.dbPath,
    () => store.db.prepare("SELECT job_id, inputs_ref, result_ref FROM job_calls").all(),
  );
  for (const c of calls) {
    if (ignored.has(Number(c.job_id))) continue;
    named.add(String(c.inputs_ref));
    if (c.result_ref != null) named.add(String(c.result_ref));
  }
  const rows = guard(store.dbPath, () =>
    store.db.prepare(
      `SELECT r.hash, r.size FROM remote_objects r JOIN objects o ON o.hash = r.hash
       WHERE r.system = ? ORDER BY r.hash`,
    ).all(system));
  return rows
    .map((r) => ({ hash: String(r.hash), size: Number(r.size) }))
    .filter((o) => !named.has(o.hash));
}

/**
 * Forgets that a system holds these objects (after they were deleted there), in one
 * transaction.
 *
 * @param store The store.
 * @param system The system's name.
 * @param hashes The objects.
 */
export function forgetStaged(store: Store, system: string, hashes: readonly string[]): void {
  if (hashes.length === 0) return;
  const del = store.db.prepare("DELETE FROM remote_objects WHERE system = ? AND hash = ?");
  store.transaction(() => {
    for (const hash of hashes) del.run(system, hash);
  });
}
