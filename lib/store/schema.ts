/**
 * The store's SQLite schema as an ordered list of migrations. Migration `i` moves a
 * database from schema version `i` to `i + 1`; never edit a released migration, append.
 *
 * - v1: runs, objects, code, calls.
 * - v2: jobs, job_calls, remote_objects, system_polls, call_sites.
 * - v3: explicit states: job ids never reused (AUTOINCREMENT), job state `refused`, job call
 *   state `pending` (was `queued`) with `decided_at`, persisted `job_elements` (missing since),
 *   drover's retry flag in its own call columns (`failure_reason`, `retryable`,
 *   `retry_state`) instead of the error's data, and call claims (`owner`, `lease_until`).
 *
 * @module
 */

/** Ordered migrations; index i upgrades version i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    script TEXT NOT NULL,
    argv TEXT NOT NULL,
    cwd TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
    error TEXT
  );
  CREATE INDEX runs_started ON runs(started_at);
  CREATE TABLE objects (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    data BLOB,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE code (
    hash TEXT PRIMARY KEY,
    step TEXT NOT NULL,
    parts TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE code_cache (
    step TEXT NOT NULL,
    file TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    files TEXT NOT NULL,
    PRIMARY KEY (step, file)
  );
  CREATE TABLE calls (
    key TEXT PRIMARY KEY,
    step TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    code_hash TEXT NOT NULL,
    version TEXT NOT NULL,
    arg_hashes TEXT NOT NULL,
    inputs_ref TEXT,
    result_ref TEXT,
    error TEXT,
    run_id INTEGER,
    location TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER
  );
  CREATE INDEX calls_step_state ON calls(step, state);
  CREATE INDEX calls_state ON calls(state);
  CREATE INDEX calls_run ON calls(run_id);
  CREATE INDEX calls_ended ON calls(ended_at);
  CREATE INDEX calls_result ON calls(result_ref);
  CREATE INDEX calls_inputs ON calls(inputs_ref);
  `,
  `
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    system TEXT NOT NULL,
    step TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('staged', 'submitted', 'finished', 'cancelled')),
    scheduler_id TEXT,
    size INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    spec TEXT NOT NULL,
    dir TEXT NOT NULL,
    run_id INTEGER,
    created_at INTEGER NOT NULL,
    submitted_at INTEGER,
    ended_at INTEGER,
    error TEXT
  );
  CREATE INDEX jobs_system_state ON jobs(system, state);
  CREATE TABLE job_calls (
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    element INTEGER NOT NULL,
    inputs_ref TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
    reason TEXT,
    detail TEXT,
    result_ref TEXT,
    PRIMARY KEY (job_id, key)
  );
  CREATE INDEX job_calls_key ON job_calls(key);
  CREATE INDEX job_calls_state ON job_calls(state);
  CREATE TABLE remote_objects (
    hash TEXT NOT NULL,
    system TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (hash, system)
  );
  CREATE TABLE system_polls (
    system TEXT PRIMARY KEY,
    polled_at INTEGER NOT NULL,
    owner TEXT NOT NULL
  );
  CREATE TABLE call_sites (
    run_id INTEGER NOT NULL,
    step TEXT NOT NULL,
    step_file TEXT,
    label TEXT,
    frames TEXT NOT NULL,
    PRIMARY KEY (run_id, step, frames)
  );
  `,
  `
  CREATE TABLE jobs_v3 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    system TEXT NOT NULL,
    step TEXT NOT NULL,
    state TEXT NOT NULL
      CHECK (state IN ('staged', 'submitted', 'finished', 'cancelled', 'refused')),
    scheduler_id TEXT,
    size INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    spec TEXT NOT NULL,
    dir TEXT NOT NULL,
    run_id INTEGER,
    created_at INTEGER NOT NULL,
    submitted_at INTEGER,
    ended_at INTEGER,
    error TEXT,
    submit_started_at INTEGER,
    pending_reason TEXT
  );
  INSERT INTO jobs_v3 (id, name, system, step, state, scheduler_id, size, attempt, spec, dir,
      run_id, created_at, submitted_at, ended_at, error)
    SELECT id, name, system, step, state, scheduler_id, size, attempt, spec, dir, run_id,
      created_at, submitted_at, ended_at, error FROM jobs;
  CREATE TABLE job_calls_v3 (
    job_id INTEGER NOT NULL REFERENCES jobs_v3(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    element INTEGER NOT NULL,
    inputs_ref TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    reason TEXT,
    detail TEXT,
    result_ref TEXT,
    decided_at INTEGER,
    PRIMARY KEY (job_id, key)
  );
  INSERT INTO job_calls_v3 (job_id, key, element, inputs_ref, state, reason, detail, result_ref)
    SELECT job_id, key, element, inputs_ref,
      CASE state WHEN 'queued' THEN 'pending' ELSE state END,
      CASE WHEN reason = 'cancelled' AND detail LIKE '%killed by%' THEN 'killed'
           WHEN reason = 'cancelled' THEN 'cancelled-by-user'
           ELSE reason END,
      detail, result_ref FROM job_calls;
  DROP TABLE job_calls;
  DROP TABLE jobs;
  ALTER TABLE jobs_v3 RENAME TO jobs;
  ALTER TABLE job_calls_v3 RENAME TO job_calls;
  CREATE INDEX jobs_system_state ON jobs(system, state);
  CREATE INDEX job_calls_key ON job_calls(key);
  CREATE INDEX job_calls_state ON job_calls(state);
  CREATE TABLE job_elements (
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    element INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'missing', 'exited', 'decided')),
    since INTEGER NOT NULL,
    exit_code INTEGER,
    native TEXT,
    reason TEXT,
    PRIMARY KEY (job_id, element)
  );
  INSERT INTO job_elements (job_id, element, state, since)
    SELECT DISTINCT jc.job_id, jc.element, 'pending', j.created_at
    FROM job_calls jc JOIN jobs j ON j.id = jc.job_id
    WHERE j.state IN ('staged', 'submitted');
  ALTER TABLE calls ADD COLUMN failure_reason TEXT;
  ALTER TABLE calls ADD COLUMN retryable INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE calls ADD COLUMN retry_state TEXT;
  ALTER TABLE calls ADD COLUMN owner TEXT;
  ALTER TABLE calls ADD COLUMN lease_until INTEGER;
  UPDATE calls SET failure_reason = 'exception', retry_state = 'non-retryable'
    WHERE state = 'failed';
  UPDATE calls SET
      failure_reason = CASE json_extract(error, '$.data.reason')
        WHEN 'cancelled' THEN 'killed' ELSE json_extract(error, '$.data.reason') END,
      retryable = CASE WHEN json_extract(error, '$.data.retryable') THEN 1 ELSE 0 END,
      retry_state = CASE WHEN json_extract(error, '$.data.retryable')
        THEN 'max-restarts' ELSE 'non-retryable' END
    WHERE state = 'failed' AND json_valid(error) AND json_extract(error, '$.name') = 'JobFailedError';
  CREATE INDEX calls_owner ON calls(owner) WHERE owner IS NOT NULL;
  `,
  // v4: calls a run answered from the cache (NULL: not recorded, runs before v4).
  `ALTER TABLE runs ADD COLUMN cached INTEGER;`,
  // Table queues (lib/queue): tables of JSON rows, tasks over them and their claimed items.
  `
  CREATE TABLE queue_tables (
    name TEXT PRIMARY KEY,
    fields TEXT NOT NULL,
    key_field TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE queue_rows (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl TEXT NOT NULL,
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tbl, key)
  );
  CREATE INDEX queue_rows_tbl_seq ON queue_rows(tbl, seq);
  CREATE TABLE queue_tasks (
    name TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    code_where TEXT,
    code_priority TEXT,
    code_in_flight INTEGER NOT NULL,
    set_where TEXT,
    set_priority TEXT,
    set_in_flight INTEGER,
    synced_seq INTEGER NOT NULL DEFAULT 0,
    ranked_by TEXT,
    timed_n INTEGER NOT NULL DEFAULT 0,
    timed_ms INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE queue_items (
    task TEXT NOT NULL,
    row_seq INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'claimed', 'done', 'failed')),
    boost INTEGER NOT NULL DEFAULT 0,
    rank INTEGER NOT NULL DEFAULT 0,
    owner TEXT,
    lease_until INTEGER,
    fence INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    result TEXT,
    error TEXT,
    claimed_at INTEGER,
    ended_at INTEGER,
    PRIMARY KEY (task, row_seq)
  ) WITHOUT ROWID;
  CREATE INDEX queue_items_next ON queue_items(task, boost DESC, rank, row_seq)
    WHERE state = 'pending';
  CREATE INDEX queue_items_lease ON queue_items(task, lease_until) WHERE state = 'claimed';
  CREATE INDEX queue_items_failed ON queue_items(task) WHERE state = 'failed';
  `,
  // Calculation jobs from YAML (`drover add`, lib/calcjob): labelled objects, codes,
  // calcjobs with their files, and each calcjob's state history.
  `
  CREATE TABLE calcjob_objects (
    label TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE calcjob_codes (
    label TEXT PRIMARY KEY,
    system TEXT NOT NULL,
    script_sha256 TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE calcjobs (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    label TEXT NOT NULL,
    code TEXT NOT NULL,
    system TEXT NOT NULL,
    parameters TEXT NOT NULL,
    resources TEXT NOT NULL,
    script_sha256 TEXT NOT NULL,
    download TEXT NOT NULL,
    state TEXT NOT NULL,
    batch TEXT,
    element INTEGER,
    scheduler_id TEXT,
    exit_code INTEGER,
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX calcjobs_state ON calcjobs(system, state);
  CREATE INDEX calcjobs_batch ON calcjobs(batch) WHERE batch IS NOT NULL;
  CREATE TABLE calcjob_files (
    calcjob TEXT NOT NULL REFERENCES calcjobs(id) ON DELETE CASCADE,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (calcjob, direction, path)
  );
  CREATE INDEX calcjob_files_sha256 ON calcjob_files(sha256);
  CREATE TABLE calcjob_events (
    calcjob TEXT NOT NULL REFERENCES calcjobs(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    state TEXT NOT NULL,
    detail TEXT
  );
  CREATE INDEX calcjob_events_calcjob ON calcjob_events(calcjob);
  `,
  // Calcjob retries (lib/calcjob): the retry limit a jobs file set for a calcjob (its own
  // `retries` or its code's); calcjobs without a row use the run's default.
  `
  CREATE TABLE calcjob_retry_limits (
    calcjob TEXT PRIMARY KEY REFERENCES calcjobs(id) ON DELETE CASCADE,
    max_retries INTEGER NOT NULL
  );
  `,
  // Flow runs in the store (lib/store/flow_runs.ts): one row per run, per step, per element
  // (values by object hash, no file per element) and the run's log.
  `
  CREATE TABLE flow_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    flow TEXT NOT NULL,
    script TEXT,
    export_name TEXT,
    inputs_ref TEXT NOT NULL,
    parent INTEGER,
    origin TEXT NOT NULL,
    state TEXT NOT NULL,
    cwd TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    error TEXT,
    ok INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX flow_runs_started ON flow_runs(started_at);
  CREATE TABLE flow_steps (
    run INTEGER NOT NULL,
    step TEXT NOT NULL,
    seq INTEGER NOT NULL,
    state TEXT NOT NULL,
    spec TEXT,
    inputs TEXT NOT NULL,
    outputs TEXT NOT NULL,
    plan TEXT,
    ok INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    restarts INTEGER NOT NULL DEFAULT 0,
    missing TEXT,
    started_at INTEGER,
    ended_at INTEGER,
    PRIMARY KEY (run, step)
  ) WITHOUT ROWID;
  CREATE TABLE flow_elements (
    run INTEGER NOT NULL,
    step TEXT NOT NULL,
    flat INTEGER NOT NULL,
    idx TEXT NOT NULL,
    key TEXT,
    state TEXT NOT NULL,
    error TEXT,
    value_ref TEXT,
    PRIMARY KEY (run, step, flat)
  ) WITHOUT ROWID;
  CREATE INDEX flow_elements_key ON flow_elements(key) WHERE key IS NOT NULL;
  CREATE TABLE flow_log (
    run INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (run, seq)
  ) WITHOUT ROWID;
  `,
  // Table queues, purge and remaining cost (lib/queue): finished items by when they ended.
  `CREATE INDEX queue_items_ended ON queue_items(task, state, ended_at) WHERE ended_at IS NOT NULL;`,
  // Speed (issue 10): every call wrote two random-keyed index entries (its inputs' and
  // result's hash) that only garbage collection read; it now gathers the references in one
  // pass (lib/store/object_gc.ts).
  `DROP INDEX calls_result; DROP INDEX calls_inputs;`,
  // Job-call changes in commit order (lib/runtime/watch_loop.ts reads them by sequence, not
  // by time: a slow poll pass that stamps its decisions with the time it began, or another
  // host's lagging clock, can no longer hide a decision from a waiting driver).
  `
  CREATE TABLE job_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    system TEXT NOT NULL,
    key TEXT NOT NULL
  );
  CREATE INDEX job_changes_system ON job_changes(system, seq);
  `,
  // Speed (issue 11): an index on flow elements' call keys that no query used (a step's
  // jobs are found from its elements by their primary key), written at random per element.
  `DROP INDEX flow_elements_key;`,
  // Speed (issue 10): result sets, the results of a chunk of finished calls in one row, so a
  // replayed map reads a row per chunk (lib/store/result_sets.ts). A cache of `calls`: a
  // deleted done call (`drover clean`, `rm`) drops every set and advances the calls'
  // generation here; the rarer ways out of `done` do the same in code (an UPDATE trigger
  // would cost every call's record 4-20 µs).
  `
  CREATE TABLE result_sets (
    hash TEXT PRIMARY KEY,
    n INTEGER NOT NULL,
    data BLOB NOT NULL,
    data_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TRIGGER calls_done_deleted AFTER DELETE ON calls WHEN old.state = 'done'
  BEGIN
    DELETE FROM result_sets;
    INSERT INTO meta (key, value) VALUES ('calls_generation', '1')
      ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1;
  END;
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;
