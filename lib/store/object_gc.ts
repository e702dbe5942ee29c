/**
 * Garbage collection of stored objects, in two steps: {@linkcode planGc} finds what may go
 * (read-only, however long it takes), {@linkcode collectGarbage} deletes it in one short
 * write transaction that checks every object again.
 *
 * An object is kept when anything in the store names it (a call's inputs or result, a job
 * call's inputs or result, a job's spec: bundle, manifest, script, input files; a code
 * record; a flow run's inputs and its elements' values) or when it was stored less than the
 * grace period ago: a script running now may have stored it and not yet written the row
 * that names it.
 *
 * The hashes the calls and flows name are gathered once into a temporary table (one pass
 * over each table), so a collection costs O(n log n) and the calls table needs no index on
 * its object references (two random-keyed B-trees fewer on every call written).
 *
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import { join } from "node:path";
import { guard } from "./database.ts";
import type { Store } from "./store.ts";

/** Objects stored less than this long ago are never collected, in ms (1 hour). */
export const GC_GRACE_MS = 3_600_000;

/** Options of {@linkcode planGc} and {@linkcode collectGarbage}. */
export interface GcOptions {
  /** The current time, ms since the epoch. Default: `Date.now()`. */
  readonly now?: number;
  /** Objects younger than this are kept, in ms. Default: {@linkcode GC_GRACE_MS}. */
  readonly graceMs?: number;
}

/** What a collection would delete and what it keeps. */
export interface GcPlan {
  /** The objects to delete: hash, size in bytes, whether it is a file. */
  readonly unreferenced: readonly { hash: string; size: number; isFile: boolean }[];
  /** Their total size in bytes. */
  readonly bytes: number;
  /** Objects kept because something names them. */
  readonly referenced: number;
  /** Unreferenced objects kept because they are younger than the grace period. */
  readonly recent: number;
}

/**
 * Finds the objects a collection would delete. Reads only.
 *
 * @param store The store.
 * @param options Clock and grace period.
 * @returns The plan.
 *
 * @example
 * ```ts
 * import { openStore } from "./store.ts";
 * import { planGc } from "./object_gc.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * store.objects.put(new Uint8Array([1]));
 * assert.equal(planGc(store).recent, 1);
 * assert.equal(planGc(store, { now: Date.now() + 7_200_000 }).unreferenced.length, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function planGc(store: Store, options: GcOptions = {}): GcPlan {
  const cutoff = (options.now ?? Date.now()) - (options.graceMs ?? GC_GRACE_MS);
  const named = namedObjects(store);
  const rows = guard(store.dbPath, () => {
    gatherReferences(store);
    return store.db.prepare(
      `SELECT hash, size, data IS NULL AS is_file, created_at FROM objects o
       WHERE NOT EXISTS (SELECT 1 FROM temp.gc_refs r WHERE r.hash = o.hash)`,
    ).all();
  });
  const total = Number(
    guard(store.dbPath, () => store.db.prepare("SELECT COUNT(*) AS n FROM objects").get())?.n ?? 0,
  );
  const unreferenced: { hash: string; size: number; isFile: boolean }[] = [];
  let recent = 0;
  let bytes = 0;
  let candidates = 0;
  for (const row of rows) {
    const hash = String(row.hash);
    if (named.has(hash)) continue;
    candidates++;
    if (Number(row.created_at) > cutoff) {
      recent++;
      continue;
    }
    unreferenced.push({ hash, size: Number(row.size), isFile: Boolean(row.is_file) });
    bytes += Number(row.size);
  }
  return { unreferenced, bytes, referenced: total - candidates, recent };
}

/**
 * Deletes the objects of a plan that are still unreferenced and old enough, in one short
 * write transaction (an object named or re-stored since the plan is kept), then their
 * files, then stray files (written but never recorded) older than the grace period.
 *
 * @param store The store.
 * @param plan From {@linkcode planGc}.
 * @param options Clock and grace period (the same as for the plan).
 * @returns How many objects and bytes were freed.
 */
export function collectGarbage(
  store: Store,
  plan: GcPlan,
  options: GcOptions = {},
): { objects: number; bytes: number } {
  const now = options.now ?? Date.now();
  const cutoff = now - (options.graceMs ?? GC_GRACE_MS);
  const deleted = store.transaction(() => {
    const named = namedObjects(store);
    gatherReferences(store);
    const del = store.db.prepare(
      `DELETE FROM objects WHERE hash = ? AND created_at <= ?
         AND NOT EXISTS (SELECT 1 FROM temp.gc_refs r WHERE r.hash = objects.hash)`,
    );
    return plan.unreferenced.filter((o) =>
      !named.has(o.hash) && Number(del.run(o.hash, cutoff).changes) > 0
    );
  });
  let bytes = 0;
  for (const o of deleted) {
    bytes += o.size;
    if (o.isFile) removeQuietly(store.objects.pathOf(o.hash));
  }
  removeStrayFiles(store, cutoff);
  return { objects: deleted.length, bytes };
}

/**
 * Fills the connection's temporary table `gc_refs` with every hash the calls and flow runs
 * name (their inputs, results and element values).
 */
function gatherReferences(store: Store): void {
  store.db.exec(
    `CREATE TEMP TABLE IF NOT EXISTS gc_refs (hash TEXT PRIMARY KEY) WITHOUT ROWID;
     DELETE FROM temp.gc_refs;
     INSERT OR IGNORE INTO temp.gc_refs
       SELECT result_ref FROM calls WHERE result_ref IS NOT NULL;
     INSERT OR IGNORE INTO temp.gc_refs
       SELECT inputs_ref FROM calls WHERE inputs_ref IS NOT NULL;
     INSERT OR IGNORE INTO temp.gc_refs SELECT inputs_ref FROM flow_runs;
     INSERT OR IGNORE INTO temp.gc_refs
       SELECT value_ref FROM flow_elements WHERE value_ref IS NOT NULL;`,
  );
}

/** Hashes named anywhere but the calls table (checked in SQL): job calls, job specs, code. */
function namedObjects(store: Store): Set<string> {
  const named = new Set<string>();
  const all = (sql: string): Record<string, SQLInputValue>[] =>
    guard(store.dbPath, () => store.db.prepare(sql).all());
  for (const r of all("SELECT inputs_ref, result_ref FROM job_calls")) {
    if (r.inputs_ref != null) named.add(String(r.inputs_ref));
    if (r.result_ref != null) named.add(String(r.result_ref));
  }
  for (
    const r of all(
      `SELECT sha256 FROM calcjob_files UNION SELECT sha256 FROM calcjob_objects
       UNION SELECT script_sha256 FROM calcjob_codes UNION SELECT script_sha256 FROM calcjobs`,
    )
  ) named.add(String(r.sha256)); // calcjobs (lib/calcjob): labelled objects, scripts, files
  for (
    const r of all(
      "SELECT spec AS text FROM jobs UNION ALL SELECT parts FROM code UNION ALL SELECT spec FROM calcjob_codes",
    )
  ) {
    for (const m of String(r.text).matchAll(/\b[0-9a-f]{64}\b/g)) named.add(m[0]);
  }
  return named;
}

function removeStrayFiles(store: Store, cutoff: number): void {
  const root = join(store.dir, "objects");
  let shards: Deno.DirEntry[];
  try {
    shards = [...Deno.readDirSync(root)];
  } catch {
    return;
  }
  for (const shard of shards) {
    if (!shard.isDirectory) continue;
    for (const f of Deno.readDirSync(join(root, shard.name))) {
      const path = join(root, shard.name, f.name);
      const hash = f.name.slice(0, 64);
      if (f.name.length === 64 && store.objects.has(hash)) continue;
      // A file being written now has no row yet: leave young files alone.
      const mtime = statMtime(path);
      if (mtime !== undefined && mtime <= cutoff) removeQuietly(path);
    }
  }
}

function statMtime(path: string): number | undefined {
  try {
    return Deno.statSync(path).mtime?.getTime();
  } catch {
    return undefined;
  }
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // already gone
  }
}

/**
 * The number and total size of the distinct objects among `refs` that the store holds.
 *
 * @param store The store.
 * @param refs Object references (nulls and repeats are skipped).
 * @returns Objects and bytes.
 */
export function objectsSize(
  store: Store,
  refs: Iterable<string | null>,
): { objects: number; bytes: number } {
  const unique = [...new Set([...refs].filter((r): r is string => r !== null))];
  let objects = 0;
  let bytes = 0;
  const stmt = store.db.prepare("SELECT size FROM objects WHERE hash = ?");
  for (const ref of unique) {
    const row = guard(store.dbPath, () => stmt.get(ref));
    if (row) {
      objects++;
      bytes += Number(row.size);
    }
  }
  return { objects, bytes };
}
