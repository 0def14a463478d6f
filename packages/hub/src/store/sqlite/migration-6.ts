/**
 * Schema version 6: the scheduler's Agenda jobs (issue 6), one row per Agenda job, as agenda's
 * `JobParameters` describe it. Times are milliseconds since the epoch; `data`, `repeat_interval`
 * (a string or a number) and `skip_days` are JSON.
 *
 * `agenda_jobs_due` matches the lock predicate of `getNextJobToRun` over enabled jobs,
 * `agenda_jobs_locked` finds expired locks without a scan, and `agenda_jobs_single` keeps one job
 * per name for `type = 'single'` (agenda's `every`).
 */
export const MIGRATION_6 = `
  CREATE TABLE agenda_jobs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    next_run_at INTEGER,
    type TEXT NOT NULL CHECK (type IN ('normal', 'single')),
    locked_at INTEGER,
    last_run_at INTEGER,
    last_finished_at INTEGER,
    failed_at INTEGER,
    fail_count INTEGER,
    fail_reason TEXT,
    repeat_interval TEXT,
    repeat_timezone TEXT,
    repeat_at TEXT,
    data TEXT NOT NULL DEFAULT 'null',
    disabled INTEGER NOT NULL DEFAULT 0,
    progress REAL,
    fork INTEGER NOT NULL DEFAULT 0,
    last_modified_by TEXT,
    debounce_started_at INTEGER,
    start_date INTEGER,
    end_date INTEGER,
    skip_days TEXT
  ) WITHOUT ROWID;
  CREATE INDEX agenda_jobs_due ON agenda_jobs (name, next_run_at, priority DESC) WHERE disabled = 0;
  CREATE INDEX agenda_jobs_locked ON agenda_jobs (name, locked_at) WHERE locked_at IS NOT NULL;
  CREATE UNIQUE INDEX agenda_jobs_single ON agenda_jobs (name) WHERE type = 'single';
`;
