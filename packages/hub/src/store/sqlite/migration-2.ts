const KEY = 'sink_type, tenant_id, event_type, priority';

/** Adds `queued` and `running` (SQL expressions) to the counter row of `NEW`'s group and priority. */
const countUpsert = (queued: string, running: string): string => `
    INSERT INTO queue_counts (${KEY}, queued, running)
      VALUES (NEW.sink_type, NEW.tenant_id, NEW.event_type, NEW.priority, ${queued}, ${running})
      ON CONFLICT (${KEY}) DO UPDATE SET queued = queued + excluded.queued, running = running + excluded.running;`;

/**
 * Schema version 2: attempt timeouts and deadlines, re-runs, the idempotency window, delayed
 * inserts, the Source Type column, claims by Event Type and the queue-group counters.
 *
 * `queue_counts` holds the `QUEUED` and `RUNNING` events per (Sink Type, tenant, Event Type,
 * priority): a queue group is the sum of its rows, its top priority the highest row with queued
 * events. One row per priority (rather than a group table beside a priority table) keeps each
 * state change to one statement. Triggers on `events` keep it, so every path that changes an
 * event's state (insert, claim, complete, release, cancel, born-failed inserts) updates it in the
 * same transaction. They rely on what every path guarantees: an event's Sink Type, tenant, Event
 * Type and priority never change after insert. Rows that drop to zero stay; there are at most as
 * many per group as distinct priorities it has seen.
 *
 * **Cheap triggers.** A statement that fires a trigger and may abort half-way needs a statement
 * journal: a copy of every page it touches, which tripled the cost of an event insert. So nothing
 * a trigger runs can abort: `queue_counts` has no NOT NULL or CHECK constraint and no primary key
 * (a unique index, met by the upsert's conflict target), and every statement that fires a trigger
 * is `INSERT OR FAIL` / `UPDATE OR FAIL`, whose own constraint failures stop without undoing (a
 * single-row insert checks every constraint before it writes). Each such statement runs inside a
 * transaction or savepoint that is rolled back when it throws, so nothing half-done is committed.
 */
export const MIGRATION_2 = `
  ALTER TABLE events ADD COLUMN timeout_ms INTEGER NOT NULL DEFAULT 600000;
  ALTER TABLE events ADD COLUMN rerun_of TEXT;
  ALTER TABLE events ADD COLUMN idempotency_until INTEGER;
  ALTER TABLE events ADD COLUMN deadline_at INTEGER;
  ALTER TABLE events ADD COLUMN source_type TEXT NOT NULL DEFAULT '';
  UPDATE events SET source_type = json_extract(source, '$.type');
  UPDATE events SET deadline_at = started_at + timeout_ms WHERE state = 'RUNNING';

  CREATE INDEX events_claim_group ON events (sink_type, tenant_id, event_type, priority DESC, seq)
    WHERE state = 'QUEUED';
  CREATE INDEX events_claim_type ON events (sink_type, event_type, priority DESC, seq) WHERE state = 'QUEUED';
  CREATE INDEX events_deadline ON events (deadline_at) WHERE state = 'RUNNING';
  CREATE INDEX events_tenant_source ON events (tenant_id, source_type, seq);

  -- No NOT NULL, CHECK or primary key here: see "Cheap triggers" above.
  CREATE TABLE queue_counts (
    sink_type TEXT,
    tenant_id TEXT,
    event_type TEXT,
    priority INTEGER,
    queued INTEGER,
    running INTEGER
  );
  CREATE UNIQUE INDEX queue_counts_key ON queue_counts (${KEY});
  CREATE INDEX queue_counts_tenant ON queue_counts (tenant_id, event_type);
  INSERT INTO queue_counts (${KEY}, queued, running)
    SELECT ${KEY}, SUM(state = 'QUEUED'), SUM(state = 'RUNNING') FROM events
    WHERE state IN ('QUEUED', 'RUNNING') GROUP BY ${KEY};

  CREATE TRIGGER events_count_insert AFTER INSERT ON events
  WHEN NEW.state IN ('QUEUED', 'RUNNING')
  BEGIN${countUpsert("NEW.state = 'QUEUED'", "NEW.state = 'RUNNING'")}
  END;

  CREATE TRIGGER events_count_update AFTER UPDATE OF state ON events
  WHEN OLD.state IS NOT NEW.state
    AND (OLD.state IN ('QUEUED', 'RUNNING') OR NEW.state IN ('QUEUED', 'RUNNING'))
  BEGIN${countUpsert(
    "(NEW.state = 'QUEUED') - (OLD.state = 'QUEUED')",
    "(NEW.state = 'RUNNING') - (OLD.state = 'RUNNING')",
  )}
  END;
`;
