/**
 * The store's SQLite schema as an ordered list of migrations. Migration `i` moves a
 * database from schema version `i` to `i + 1`; never edit a released migration, append.
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
];

/** The schema version this code writes. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;
