/**
 * The rows of a new job (folder private): the job (`staged`), its calls (`pending`) and its
 * elements (`pending`). The ledger writes them with the calls' own rows; `JobStore.createJob`
 * writes them alone for imports and fixtures.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { NewJob } from "./jobs.ts";

/**
 * Inserts a job, its job calls and its elements; the caller holds the transaction.
 *
 * @param db The connection.
 * @param job The job.
 * @param calls Its calls: key, element, inputs object.
 * @returns The job id.
 */
export function insertJobRows(
  db: DatabaseSync,
  job: NewJob,
  calls: readonly { key: string; element: number; inputsRef: string }[],
): number {
  const r = db.prepare(
    `INSERT INTO jobs (name, system, step, state, size, attempt, spec, dir, run_id, created_at)
     VALUES (?, ?, ?, 'staged', ?, ?, ?, ?, ?, ?)`,
  ).run(
    job.name,
    job.system,
    job.step,
    job.size,
    job.attempt,
    JSON.stringify(job.spec),
    job.dir,
    job.runId,
    job.createdAt,
  );
  const id = Number(r.lastInsertRowid);
  const call = db.prepare(
    "INSERT INTO job_calls (job_id, key, element, inputs_ref, state) VALUES (?, ?, ?, ?, 'pending')",
  );
  const element = db.prepare(
    "INSERT OR IGNORE INTO job_elements (job_id, element, state, since) VALUES (?, ?, 'pending', ?)",
  );
  for (const c of calls) {
    call.run(id, c.key, c.element, c.inputsRef);
    element.run(id, c.element, job.createdAt);
  }
  return id;
}

/**
 * Logs a change for each undecided call of a job that just ended (cancelled, or finished
 * with calls left pending), so drivers waiting for them look again.
 *
 * @param db The open database, inside the transaction that ended the job.
 * @param jobId The job.
 */
export function logPendingChanges(db: DatabaseSync, jobId: number): void {
  db.prepare(
    `INSERT INTO job_changes (system, key)
     SELECT j.system, jc.key FROM job_calls jc JOIN jobs j ON j.id = jc.job_id
     WHERE jc.job_id = ? AND jc.state = 'pending' ORDER BY jc.key`,
  ).run(jobId);
}
