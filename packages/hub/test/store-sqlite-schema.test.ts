import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from '@nexomatic/hub/sqlite';
import type { HubStore, NewEvent } from '../src/store/port.js';
import { OVERDUE } from '../src/store/sqlite/events.js';
import { sqliteInternals } from '../src/store/sqlite/index.js';
import { depthSql, groupsSql } from '../src/store/sqlite/queue.js';
import { MIGRATIONS } from '../src/store/sqlite/schema.js';

const dirs: string[] = [];
const stores: HubStore[] = [];

afterAll(async () => {
  for (const store of stores) await store.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A database path in a fresh temp dir. */
function freshFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nexomatic-'));
  dirs.push(dir);
  return path.join(dir, 'hub.db');
}

async function open(file: string): Promise<HubStore> {
  const store = await sqliteStore({ path: file });
  stores.push(store);
  return store;
}

/** The EXPLAIN QUERY PLAN details of a statement, one line each. */
function planOf(db: Database.Database, sql: string, params: unknown[]): string {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>;
  return rows.map((row) => row.detail).join('\n');
}

function ids(records: ReadonlyArray<{ id: string }>): string[] {
  return records.map((record) => record.id);
}

describe('sqliteStore schema', () => {
  it('answers overdue, queue groups, depth and lists by Source Type from indexes, without sorting', async () => {
    const { db } = sqliteInternals(await open(':memory:'));
    const overdue = planOf(db, OVERDUE, [0, 1]);
    expect(overdue).toMatch(/USING INDEX events_deadline /);
    const bySource = 'SELECT * FROM events WHERE tenant_id = ? AND source_type = ? ORDER BY seq DESC LIMIT ?';
    expect(planOf(db, bySource, ['t', 'webhook', 10])).toMatch(/USING INDEX events_tenant_source /);
    const groups = planOf(db, groupsSql(false), ['s']);
    const tenantGroups = planOf(db, groupsSql(true), ['s', 't']);
    for (const plan of [groups, tenantGroups]) expect(plan).toMatch(/USING INDEX queue_counts_key \(sink_type=\?/);
    expect(planOf(db, depthSql(false), ['t'])).toMatch(/USING INDEX queue_counts_tenant \(tenant_id=\?\)/);
    expect(planOf(db, depthSql(true), ['t', 'e'])).toMatch(
      /USING INDEX queue_counts_tenant \(tenant_id=\? AND event_type=\?\)/,
    );
    // Schema version 9: events_parent holds only events with a parent, and still serves lookups by parent.
    const byParent = 'SELECT * FROM events WHERE tenant_id = ? AND parent_event_id = ? ORDER BY seq DESC LIMIT ?';
    expect(planOf(db, byParent, ['t', 'p', 10])).toMatch(/USING INDEX events_parent /);
    const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").all() as Array<{ name: string; sql: string | null }>;
    for (const gone of ['events_claim', 'events_claim_tenant', 'events_claim_type']) expect(indexes.some((index) => index.name === gone)).toBe(false);
    expect(indexes.find((index) => index.name === 'events_parent')?.sql).toMatch(/WHERE parent_event_id IS NOT NULL/);
    const all = [overdue, planOf(db, bySource, ['t', 'webhook', 10]), groups, tenantGroups].join('\n');
    expect(all).not.toMatch(/TEMP B-TREE/);
  });

  it('migrates a version 1 database: backfills timeouts, deadlines, Source Types and queue counters', async () => {
    const file = freshFile();
    const raw = new Database(file);
    raw.exec(MIGRATIONS[0]!);
    raw.pragma('user_version = 1');
    const insert = raw.prepare(`INSERT INTO events (id, tenant_id, event_type, sink_type, module, state, payload,
      priority, max_attempts, source, root_event_id, chain_depth, idempotency_key, created_at, started_at, updated_at)
      VALUES (?, 't1', ?, 'S:BASE', 'm', ?, '{}', ?, 1, ?, ?, 0, ?, 0, ?, 0)`);
    const hook = '{"type":"webhook","id":"h"}';
    insert.run('q1', 'a.b', 'QUEUED', 2, hook, 'q1', 'old-key', null);
    insert.run('q2', 'a.b', 'QUEUED', 5, '{"type":"client"}', 'q2', null, null);
    insert.run('r1', 'a.b', 'RUNNING', 7, hook, 'r1', null, 1000);
    insert.run('e1', 'c.d', 'ERROR', 0, hook, 'e1', null, null);
    raw.close();

    const store = await open(file);
    expect(await store.events.get('q1', 't1')).toMatchObject({ timeoutMs: 600_000, rerunOf: null });
    expect(await store.events.queueGroups('S:BASE', null)).toEqual([
      { tenantId: 't1', eventType: 'a.b', queued: 2, running: 1, topPriority: 5 },
    ]);
    expect(await store.events.depth('t1')).toEqual({ queued: 2, running: 1 });
    expect(ids(await store.events.overdue(new Date(601_000), 10))).toEqual([]);
    expect(ids(await store.events.overdue(new Date(601_001), 10))).toEqual(['r1']);
    expect(ids((await store.events.list('t1', { sourceType: 'webhook' })).items)).toEqual(['e1', 'r1', 'q1']);
    // A key stored before the idempotency window existed holds for ever.
    const id = randomUUID();
    const again: NewEvent = {
      id,
      tenantId: 't1',
      eventType: 'a.b',
      sinkType: 'S:BASE',
      module: 'm',
      payload: {},
      priority: 0,
      maxAttempts: 1,
      pinnedSinkId: null,
      source: { type: 'client' },
      parentEventId: null,
      rootEventId: id,
      chainDepth: 0,
      idempotencyKey: 'old-key',
      idempotencyUntil: new Date(Date.UTC(2100, 0, 1)),
      notBefore: null,
      timeoutMs: 1000,
      rerunOf: null,
      createdAt: new Date(Date.UTC(2099, 0, 1)),
    };
    expect(await store.events.insert([again])).toEqual([{ id: 'q1', created: false }]);
    // The counters go on from the backfill.
    const now = new Date(0);
    const claim = { sinkId: 'x', sinkType: 'S:BASE', tenantId: 't1', modules: [], limit: 10, now, leaseExpiresAt: now };
    expect(ids(await store.events.claim(claim))).toEqual(['q2', 'q1']);
    expect(await store.events.depth('t1', 'a.b')).toEqual({ queued: 0, running: 3 });
  });
});
