/**
 * Flow runs as the store keeps them (`store.flowRuns`): one row per run, per step and per
 * element (its call key, state, error or root causes, and its value by object hash: no file
 * per element), and the run's log. Written as the run goes, so another process sees it live
 * and a crash leaves a run that can be resumed.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { guard, transaction } from "./database.ts";
import { toElement, toRun, toStep } from "./_flow_run_rows.ts";
import { processAlive } from "./_process.ts";
import type {
  FlowElementRow,
  FlowLogRow,
  FlowRunRecord,
  FlowRunState,
  FlowStepJob,
  FlowStepRecord,
  NewFlowRun,
  NewFlowStep,
  StepEnd,
} from "./flow_run_types.ts";

export { FLOW_RUN_TRANSITIONS } from "./flow_run_types.ts";

const ELEMENT_CHUNK = 10_000;

/**
 * The flow-run tables. Run state changes are guarded `UPDATE ... WHERE state IN (...)`
 * statements that say whether they applied (see `FLOW_RUN_TRANSITIONS`).
 *
 * @example
 * ```ts
 * import { openStore } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using store = openStore({ dir: `${dir}/.drover` });
 * const id = store.flowRuns.create({
 *   flow: "f", inputsRef: "00", origin: "run", cwd: dir,
 *   steps: [{ step: "a", spec: null, inputs: ["x"], outputs: ["y"] }],
 * });
 * assert.equal(store.flowRuns.start(id), true);
 * store.flowRuns.stepStarted(id, "a", 1, 5);
 * assert.equal(store.flowRuns.steps(id)[0].state, "running");
 * assert.equal(store.flowRuns.finish(id, "succeeded"), true);
 * assert.equal(store.flowRuns.get(id)?.state, "succeeded");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class FlowRunStore {
  readonly #db: DatabaseSync;
  readonly #path: string;

  /**
   * Use `store.flowRuns`.
   *
   * @param db The open database.
   * @param path Its file, for error messages.
   */
  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.#path = path;
  }

  #run(sql: string, ...params: SQLInputValue[]): number {
    return Number(guard(this.#path, () => this.#db.prepare(sql).run(...params)).changes);
  }

  #all(sql: string, ...params: SQLInputValue[]): Record<string, SQLInputValue>[] {
    return guard(this.#path, () => this.#db.prepare(sql).all(...params));
  }

  /**
   * Records a new run (`pending`) and its steps (`pending`), before anything runs.
   *
   * @param run The flow, its inputs' object, where it came from and its steps in order.
   * @returns The run id.
   */
  create(run: NewFlowRun): number {
    return transaction(this.#db, this.#path, () => {
      const r = guard(this.#path, () =>
        this.#db.prepare(
          `INSERT INTO flow_runs (flow, script, export_name, inputs_ref, parent, origin, state,
             cwd, host, started_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
        ).run(
          run.flow,
          run.script ?? null,
          run.exportName ?? null,
          run.inputsRef,
          run.parent ?? null,
          run.origin,
          run.cwd,
          Deno.hostname(),
          run.at ?? Date.now(),
        ));
      const id = Number(r.lastInsertRowid);
      this.#putSteps(id, run.steps);
      return id;
    });
  }

  #putSteps(id: number, steps: readonly NewFlowStep[]): void {
    steps.forEach((s, seq) =>
      this.#run(
        `INSERT INTO flow_steps (run, step, seq, state, spec, inputs, outputs)
         VALUES (?, ?, ?, 'pending', ?, ?, ?)`,
        id,
        s.step,
        seq,
        s.spec,
        JSON.stringify(s.inputs),
        JSON.stringify(s.outputs),
      )
    );
  }

  /**
   * Moves a run to `running` in this process (from `pending`, or to resume it from
   * `interrupted`, `failed` or `partial`): its steps go back to `pending` and its elements
   * are forgotten (they are written again, from the cache, as the run goes).
   *
   * @param id The run.
   * @param options The owning process (default: this one); the flow's steps as they are now
   * (a resumed flow whose code changed), replacing the recorded ones.
   * @returns Whether it applied (false: the run is running elsewhere, or unknown).
   */
  start(
    id: number,
    options: { readonly pid?: number; readonly steps?: readonly NewFlowStep[] } = {},
  ): boolean {
    return transaction(this.#db, this.#path, () => {
      const n = this.#run(
        `UPDATE flow_runs SET state = 'running', host = ?, pid = ?, ended_at = NULL, error = NULL,
           ok = 0, failed = 0, skipped = 0, total = 0
         WHERE id = ? AND state IN ('pending', 'interrupted', 'failed', 'partial')`,
        Deno.hostname(),
        options.pid ?? Deno.pid,
        id,
      );
      if (n === 0) return false;
      if (options.steps) {
        this.#run("DELETE FROM flow_steps WHERE run = ?", id);
        this.#putSteps(id, options.steps);
      }
      this.#run(
        `UPDATE flow_steps SET state = 'pending', ok = 0, failed = 0, skipped = 0, total = 0,
           restarts = 0, missing = NULL, started_at = NULL, ended_at = NULL WHERE run = ?`,
        id,
      );
      this.#run("DELETE FROM flow_elements WHERE run = ?", id);
      return true;
    });
  }

  /**
   * Ends a running run.
   *
   * @param id The run.
   * @param state `succeeded`, `partial`, `failed` or `interrupted`.
   * @param options The error of a failed run, the time.
   * @returns Whether it applied (false: not running).
   */
  finish(
    id: number,
    state: Exclude<FlowRunState, "pending" | "running">,
    options: { readonly error?: string; readonly at?: number } = {},
  ): boolean {
    return this.#run(
      `UPDATE flow_runs SET state = ?, ended_at = ?, error = ?
       WHERE id = ? AND state IN ('pending', 'running')`,
      state,
      options.at ?? Date.now(),
      options.error ?? null,
      id,
    ) > 0;
  }

  /**
   * Records the export holding a run's flow once found (a submitted run's worker finds it).
   *
   * @param id The run.
   * @param exportName The export.
   */
  setExport(id: number, exportName: string): void {
    this.#run("UPDATE flow_runs SET export_name = ? WHERE id = ?", exportName, id);
  }

  /**
   * A step started with `total` calls.
   *
   * @param id The run.
   * @param step The step.
   * @param total Its calls (elements that run).
   * @param at When.
   */
  stepStarted(id: number, step: string, total: number, at: number): void {
    this.#run(
      `UPDATE flow_steps SET state = 'running', total = ?, started_at = ? WHERE run = ? AND step = ?`,
      total,
      at,
      id,
      step,
    );
  }

  /**
   * Live counts of a running step's settled calls.
   *
   * @param id The run.
   * @param step The step.
   * @param counts Calls that succeeded and failed so far.
   */
  stepProgress(id: number, step: string, counts: { ok: number; failed: number }): void {
    this.#run(
      "UPDATE flow_steps SET ok = ?, failed = ? WHERE run = ? AND step = ? AND state = 'running'",
      counts.ok,
      counts.failed,
      id,
      step,
    );
  }

  /**
   * A step ended: its row, its elements and the run's counts, in one transaction.
   *
   * @param id The run.
   * @param end How it ended and its elements.
   */
  stepEnded(id: number, end: StepEnd): void {
    transaction(this.#db, this.#path, () => {
      const c = end.counts;
      this.#run(
        `UPDATE flow_steps SET state = ?, ok = ?, failed = ?, skipped = ?, total = ?, restarts = ?,
           missing = ?, plan = ?, started_at = ?, ended_at = ? WHERE run = ? AND step = ?`,
        end.state,
        c.ok,
        c.failed,
        c.skipped,
        c.ok + c.failed + c.skipped,
        end.restarts,
        JSON.stringify(end.missing),
        end.plan === null ? null : JSON.stringify(end.plan),
        end.startedAt,
        end.endedAt,
        id,
        end.step,
      );
      // One statement per chunk: SQLite unpacks the rows from JSON (far cheaper than a
      // statement per element through node:sqlite).
      for (let at = 0; at < end.elements.length; at += ELEMENT_CHUNK) {
        const rows = end.elements.slice(at, at + ELEMENT_CHUNK).map((e) => [
          e.flat,
          e.index,
          e.key ?? null,
          e.state,
          e.error ?? null,
        ]);
        this.#run(
          `INSERT OR REPLACE INTO flow_elements (run, step, flat, idx, key, state, error, value_ref)
           SELECT ?1, ?2, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'),
             json_extract(j.value, '$[2]'), json_extract(j.value, '$[3]'),
             json_extract(j.value, '$[4]'),
             (SELECT c.result_ref FROM calls c
               WHERE c.key = json_extract(j.value, '$[2]') AND c.state = 'done')
           FROM json_each(?3) j`,
          id,
          end.step,
          JSON.stringify(rows),
        );
      }
      this.#run(
        `UPDATE flow_runs SET (ok, failed, skipped, total) = (SELECT COALESCE(SUM(ok), 0),
           COALESCE(SUM(failed), 0), COALESCE(SUM(skipped), 0), COALESCE(SUM(total), 0)
           FROM flow_steps WHERE run = ?1 AND ended_at IS NOT NULL) WHERE id = ?1`,
        id,
      );
    });
  }

  /**
   * Appends entries to a run's log.
   *
   * @param id The run.
   * @param entries Times and events (JSON data).
   */
  appendLog(id: number, entries: readonly { at: number; event: unknown }[]): void {
    if (entries.length === 0) return;
    transaction(this.#db, this.#path, () => {
      const [row] = this.#all("SELECT COALESCE(MAX(seq), -1) AS s FROM flow_log WHERE run = ?", id);
      let seq = Number(row.s);
      const put = this.#db.prepare(
        "INSERT INTO flow_log (run, seq, at, event) VALUES (?, ?, ?, ?)",
      );
      guard(this.#path, () => {
        for (const e of entries) put.run(id, ++seq, e.at, JSON.stringify(e.event));
      });
    });
  }

  /**
   * One run. A `running` run whose process on this host is gone reads as `interrupted`.
   *
   * @param id The run.
   * @returns It, or undefined.
   */
  get(id: number): FlowRunRecord | undefined {
    this.markInterrupted();
    const [row] = this.#all("SELECT * FROM flow_runs WHERE id = ?", id);
    return row ? toRun(row) : undefined;
  }

  /**
   * Runs started since a time, newest first (dead `running` runs marked `interrupted`).
   *
   * @param sinceMs Only runs started at or after this time.
   * @returns The runs.
   */
  list(sinceMs = 0): FlowRunRecord[] {
    this.markInterrupted();
    return this.#all(
      "SELECT * FROM flow_runs WHERE started_at >= ? ORDER BY started_at DESC, id DESC",
      sinceMs,
    ).map(toRun);
  }

  /**
   * Marks `running` runs of this host whose process is gone (kill -9, reboot) as
   * `interrupted`, and their running steps too.
   *
   * @returns How many runs were marked.
   */
  markInterrupted(): number {
    let n = 0;
    const rows = this.#all(
      "SELECT id, pid FROM flow_runs WHERE state = 'running' AND host = ?",
      Deno.hostname(),
    );
    for (const r of rows) {
      const pid = Number(r.pid);
      if (pid === Deno.pid || processAlive(pid)) continue;
      n += this.#run(
        "UPDATE flow_runs SET state = 'interrupted' WHERE id = ? AND state = 'running'",
        Number(r.id),
      );
    }
    return n;
  }

  /**
   * A run's steps in flow order.
   *
   * @param id The run.
   * @returns The step rows.
   */
  steps(id: number): FlowStepRecord[] {
    return this.#all("SELECT * FROM flow_steps WHERE run = ? ORDER BY seq", id).map(toStep);
  }

  /**
   * The elements of one step of a run, in flat order.
   *
   * @param id The run.
   * @param step The step.
   * @returns The element rows.
   */
  elements(id: number, step: string): FlowElementRow[] {
    return this.#all(
      "SELECT * FROM flow_elements WHERE run = ? AND step = ? ORDER BY flat",
      id,
      step,
    ).map(toElement);
  }

  /**
   * The jobs that ran elements of a step of a run, created since `since` (jobs of calls an
   * earlier run made are not this run's), in submission order.
   *
   * @param id The run.
   * @param step The step.
   * @param since When the step started (ms).
   * @returns The jobs: name, system, scheduler id, elements, attempt, when submitted.
   */
  jobsOfStep(id: number, step: string, since: number): FlowStepJob[] {
    return this.#all(
      `SELECT DISTINCT j.name, j.system, j.scheduler_id, j.size, j.attempt,
         COALESCE(j.submitted_at, j.created_at) AS at
       FROM flow_elements e JOIN job_calls jc ON jc.key = e.key JOIN jobs j ON j.id = jc.job_id
       WHERE e.run = ? AND e.step = ? AND j.created_at >= ? ORDER BY at, j.id`,
      id,
      step,
      since,
    ).map(toStepJob);
  }

  /**
   * The jobs of a step that is still running: jobs of its step name made since it started
   * (its elements' rows are written when it ends, so {@linkcode FlowRunStore.jobsOfStep}
   * cannot find them yet). Another process running the same step at the same time would
   * be counted too.
   *
   * @param step The step's name.
   * @param since When it started (epoch ms).
   * @returns The jobs, in submission order.
   */
  liveJobsOfStep(step: string, since: number): FlowStepJob[] {
    return this.#all(
      `SELECT name, system, scheduler_id, size, attempt, COALESCE(submitted_at, created_at) AS at
       FROM jobs WHERE step = ? AND created_at >= ? ORDER BY at, id`,
      step,
      since,
    ).map(toStepJob);
  }

  /**
   * A run's log, in order.
   *
   * @param id The run.
   * @returns The entries.
   */
  log(id: number): FlowLogRow[] {
    return this.#all("SELECT at, event FROM flow_log WHERE run = ? ORDER BY at, seq", id).map((
      r,
    ) => ({
      at: Number(r.at),
      event: JSON.parse(String(r.event)),
    }));
  }
}

/** A job row (name, system, scheduler_id, size, attempt, at) as a step's job. */
function toStepJob(r: Record<string, unknown>): FlowStepJob {
  return {
    job: String(r.name),
    system: String(r.system),
    schedulerId: r.scheduler_id == null ? null : String(r.scheduler_id),
    elements: Number(r.size),
    attempt: Number(r.attempt),
    at: Number(r.at),
  };
}
