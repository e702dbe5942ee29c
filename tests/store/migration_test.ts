import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { MIGRATIONS } from "../../lib/store/schema.ts";
import { openStore } from "../../lib/store/mod.ts";
import { tempDir } from "../_helpers/temp.ts";
import { remoteProject, routeSquare, waitUntil } from "../e2e/_remote_project.ts";

/** A schema-2 database, as the previous drover wrote it (its migrations are frozen). */
export function makeV2(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(MIGRATIONS[0]);
  db.exec(MIGRATIONS[1]);
  db.exec("INSERT INTO meta (key, value) VALUES ('schema_version', '2')");
  return db;
}

const call = (key: string, state: string, error: unknown = null): unknown[] => [
  key,
  "s",
  state,
  "c",
  "",
  "{}",
  null,
  null,
  error === null ? null : JSON.stringify(error),
  null,
  "hpc",
  1,
  0,
  0,
  0,
];

Deno.test("schema v3 migrates a v2 store: drover's retry flag moves to its columns, queued becomes pending, ids are never reused", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/.drover/objects`, { recursive: true });
  const db = makeV2(`${dir.path}/.drover/drover.db`);
  const ins = db.prepare(
    "INSERT INTO calls (key, step, state, code_hash, version, arg_hashes, inputs_ref, result_ref, error, run_id, location, attempts, created_at, started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  ins.run(
    ...call("timeout", "failed", {
      name: "JobFailedError",
      message: "m",
      data: { reason: "timeout", retryable: true },
    }) as never[],
  );
  ins.run(
    ...call("user", "failed", {
      name: "MyError",
      message: "m",
      data: { retryable: true },
    }) as never[],
  );
  ins.run(...call("live", "running") as never[]);
  db.exec(`INSERT INTO jobs (id, name, system, step, state, size, attempt, spec, dir, created_at)
    VALUES (1, 'a', 'hpc', 's', 'finished', 1, 1, '{}', '/r/a', 0),
           (2, 'b', 'hpc', 's', 'submitted', 1, 1, '{}', '/r/b', 0)`);
  db.exec(`INSERT INTO job_calls (job_id, key, element, inputs_ref, state, reason, detail)
    VALUES (1, 'timeout', 0, 'i', 'failed', 'cancelled', 'the job was killed by SIGKILL (exit 137)'),
           (2, 'live', 0, 'i', 'queued', NULL, NULL)`);
  db.close();
  using store = openStore({ dir: `${dir.path}/.drover` });
  assert.deepEqual(store.getCall("timeout")?.failure, {
    reason: "timeout",
    retryable: true,
    retryState: "max-restarts",
  });
  assert.deepEqual(store.getCall("user")?.failure, {
    reason: "exception",
    retryable: false,
    retryState: "non-retryable",
  });
  assert.equal(store.jobs.callsOf(2)[0].state, "pending");
  assert.equal(store.jobs.callsOf(1)[0].reason, "killed");
  assert.deepEqual(store.jobs.elementsOf(2).map((e) => e.state), ["pending"]);
  assert.equal(store.jobs.inLiveJob("live"), true);
  // Job ids are never reused, even after the newest job is removed.
  store.jobs.removeJobs([2]);
  const id = store.jobs.createJob(
    {
      name: "c",
      system: "hpc",
      step: "s",
      size: 1,
      attempt: 1,
      spec: {},
      dir: "/r/c",
      runId: null,
      createdAt: 0,
    },
    [],
  );
  assert.equal(id, 3);
});

Deno.test("a store made by the previous version with a running job migrates and its job re-attaches", async () => {
  await using p = await remoteProject("");
  const route = routeSquare("here", { inputsPerJob: 5 });
  const env = { N: "10", SLEEP_MS: "500", COUNT_FILE: `${p.path}/count.txt` };
  // A driver submits and dies while its job runs.
  const crashed = await p.run("remote_workflow.ts", {
    route,
    env: { ...env, DROVER_CRASH_AT: "after-submit" },
  });
  assert.notEqual(crashed.code, 0);
  // Rewrite the store as the previous version kept it (schema 2), job still running.
  const path = `${p.path}/.drover/drover.db`;
  const v3 = new DatabaseSync(path);
  v3.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const rows = (sql: string) => v3.prepare(sql).all();
  const calls = rows(
    "SELECT key, step, state, code_hash, version, arg_hashes, inputs_ref, result_ref, error, run_id, location, attempts, created_at, started_at, ended_at FROM calls",
  );
  const jobs = rows(
    "SELECT id, name, system, step, state, scheduler_id, size, attempt, spec, dir, run_id, created_at, submitted_at, ended_at, error FROM jobs",
  );
  const jobCalls = rows(
    "SELECT job_id, key, element, inputs_ref, state, reason, detail, result_ref FROM job_calls",
  );
  const objects = rows("SELECT hash, size, data, created_at FROM objects");
  const runs = rows(
    "SELECT id, script, argv, cwd, host, pid, started_at, ended_at, status, error FROM runs",
  );
  v3.close();
  for (const f of [path, `${path}-wal`, `${path}-shm`]) await Deno.remove(f).catch(() => {});
  const v2 = makeV2(path);
  const put = (table: string, r: Record<string, unknown>) => {
    const cols = Object.keys(r);
    v2.prepare(
      `INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
    )
      .run(
        ...cols.map((c) =>
          (table === "job_calls" && c === "state" && r[c] === "pending" ? "queued" : r[c]) as never
        ),
      );
  };
  for (const r of runs) put("runs", r);
  for (const r of objects) put("objects", r);
  for (const r of calls) put("calls", r);
  for (const r of jobs) put("jobs", r);
  for (const r of jobCalls) put("job_calls", r);
  assert.equal(
    v2.prepare("SELECT COUNT(*) AS n FROM job_calls WHERE state = 'queued'").get()?.n,
    10,
  );
  v2.close();
  // The new version migrates, re-attaches to the running job and submits nothing.
  const rerun = await p.run("remote_workflow.ts", { route, env });
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(JSON.parse(rerun.stdout).values, Array.from({ length: 10 }, (_, x) => x * x));
  using store = p.store();
  assert.equal(store.jobs.listJobs().length, 1, "no second job");
  await waitUntil(() => true, "");
  const ran = Deno.readTextFileSync(`${p.path}/count.txt`).split("\n").filter(Boolean);
  assert.equal(ran.length, 10, "every call ran once");
});
