/**
 * Schema version 7: log queries and the log archive (issue 8).
 *
 * `logs_tenant_time` serves a tenant's log queries in `(time, event_id, attempt, seq)` order (the
 * event-scoped order uses the table's unique `(event_id, attempt, seq)`); `logs_time` finds the
 * records past retention for the archiver. `log_chunks` is the archive index: one row per blob,
 * keyed by its deterministic name, found by event and attempt (and seq range, which also refuses
 * late resends of archived records) or by tenant and time.
 */
export const MIGRATION_7 = `
  CREATE INDEX logs_tenant_time ON logs (tenant_id, time, event_id, attempt, seq);
  CREATE INDEX logs_time ON logs (time);

  CREATE TABLE log_chunks (
    name TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    min_seq INTEGER NOT NULL,
    max_seq INTEGER NOT NULL,
    count INTEGER NOT NULL,
    first_time INTEGER NOT NULL,
    last_time INTEGER NOT NULL,
    levels TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    archived_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX log_chunks_event ON log_chunks (event_id, attempt, min_seq);
  CREATE INDEX log_chunks_tenant_time ON log_chunks (tenant_id, first_time);
`;
