import type Database from 'better-sqlite3';
import { NexomaticError, type Logger } from '@nexomatic/core';
import { MIGRATION_2 } from './migration-2.js';
import { MIGRATION_3 } from './migration-3.js';
import { MIGRATION_4 } from './migration-4.js';
import { MIGRATION_5 } from './migration-5.js';
import { MIGRATION_6 } from './migration-6.js';
import { MIGRATION_7 } from './migration-7.js';
import { MIGRATION_8 } from './migration-8.js';
import { MIGRATION_9 } from './migration-9.js';

/**
 * The schema, one migration per version. Migration `i` moves the database from
 * `PRAGMA user_version = i` to `i + 1`. Append new migrations; never edit a released one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    sink_type TEXT NOT NULL,
    module TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'SUCCESS', 'WARNING', 'ERROR')),
    payload TEXT NOT NULL,
    priority INTEGER NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    sink_id TEXT,
    pinned_sink_id TEXT,
    lease_expires_at INTEGER,
    not_before INTEGER,
    result TEXT,
    error TEXT,
    warnings TEXT NOT NULL DEFAULT '[]',
    source TEXT NOT NULL,
    parent_event_id TEXT,
    root_event_id TEXT NOT NULL,
    chain_depth INTEGER NOT NULL,
    idempotency_key TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    updated_at INTEGER NOT NULL
  );
  -- The claim predicate, over QUEUED events only: its cost does not grow with finished events.
  CREATE INDEX events_claim ON events (sink_type, priority DESC, seq) WHERE state = 'QUEUED';
  CREATE INDEX events_claim_tenant ON events (tenant_id, sink_type, priority DESC, seq) WHERE state = 'QUEUED';
  CREATE INDEX events_lease ON events (lease_expires_at) WHERE state = 'RUNNING';
  CREATE INDEX events_held ON events (sink_id) WHERE state = 'RUNNING';
  CREATE INDEX events_tenant ON events (tenant_id, seq);
  CREATE INDEX events_tenant_state ON events (tenant_id, state, seq);
  CREATE INDEX events_tenant_type ON events (tenant_id, event_type, seq);
  CREATE INDEX events_root ON events (root_event_id, seq);
  CREATE INDEX events_parent ON events (parent_event_id, seq);
  CREATE UNIQUE INDEX events_idempotency ON events (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

  CREATE TABLE definitions (
    scope TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (scope, kind, name)
  ) WITHOUT ROWID;

  CREATE TABLE sinks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sink_type TEXT NOT NULL,
    tenant_id TEXT,
    status TEXT NOT NULL,
    version TEXT NOT NULL,
    runtimes TEXT NOT NULL,
    modules TEXT NOT NULL,
    concurrency INTEGER NOT NULL,
    connected_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
  );
  CREATE INDEX sinks_tenant ON sinks (tenant_id);

  CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    enforce_node_auth INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
  );
  CREATE INDEX tokens_tenant ON tokens (tenant_id);

  CREATE TABLE client_secrets (
    sink_type TEXT NOT NULL,
    id TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (sink_type, id)
  ) WITHOUT ROWID;

  CREATE TABLE logs (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    time INTEGER NOT NULL,
    stream TEXT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    fields TEXT,
    UNIQUE (event_id, attempt, seq)
  );
  `,
  MIGRATION_2,
  MIGRATION_3,
  MIGRATION_4,
  MIGRATION_5,
  MIGRATION_6,
  MIGRATION_7,
  MIGRATION_8,
  MIGRATION_9,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to {@link SCHEMA_VERSION}. Runs under `BEGIN IMMEDIATE` and re-reads the
 * version inside the lock, so two processes opening a new file at once migrate it once.
 */
export function migrate(db: Database.Database, logger: Logger): void {
  db.transaction(() => {
    const from = db.pragma('user_version', { simple: true }) as number;
    if (from > SCHEMA_VERSION) {
      throw new NexomaticError(
        'INTERNAL',
        `the SQLite database has schema version ${from}; this hub knows up to ${SCHEMA_VERSION}`,
      );
    }
    for (let version = from; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
      logger.info('sqlite store migrated', { version: version + 1 });
    }
  }).immediate();
}
