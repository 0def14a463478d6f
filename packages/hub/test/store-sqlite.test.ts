import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from '@nexomatic/hub/sqlite';
import { describeHubStoreContract } from '@nexomatic/hub/testing';
import type { HubStore, NewEvent } from '../src/store/port.js';
import { CLAIM_INDEX, claimSql, claimsInOrder } from '../src/store/sqlite/claim.js';
import { sqliteInternals } from '../src/store/sqlite/index.js';
import { SCHEMA_VERSION } from '../src/store/sqlite/schema.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKER = fileURLToPath(new URL('./fixtures/claim-worker.ts', import.meta.url));

const dirs: string[] = [];
const files = new WeakMap<HubStore, string>();

/** A database path in a fresh temp dir, one folder down so the store must create its parent. */
function freshFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nexomatic-'));
  dirs.push(dir);
  return path.join(dir, 'data', 'hub.db');
}

async function open(file: string): Promise<HubStore> {
  const store = await sqliteStore({ path: file });
  files.set(store, file);
  return store;
}

function fileOf(store: HubStore): string {
  const file = files.get(store);
  if (file === undefined) throw new Error('store not opened by this test file');
  return file;
}

/** The EXPLAIN QUERY PLAN details of a statement, one line each. */
function planOf(db: Database.Database, sql: string, params: unknown): string {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>;
  return rows.map((row) => row.detail).join('\n');
}

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describeHubStoreContract('sqlite', {
  create: () => open(freshFile()),
  createPeer: (first) => open(fileOf(first)),
  reopen: (closed) => open(fileOf(closed)),
});

function newEvent(sinkType: string, index: number): NewEvent {
  const id = randomUUID();
  return {
    id,
    tenantId: 'tenant-1',
    eventType: 'orders.placed',
    sinkType,
    module: 'orders.process',
    payload: { index },
    priority: 0,
    maxAttempts: 1,
    pinnedSinkId: null,
    source: { type: 'client' },
    parentEventId: null,
    rootEventId: id,
    chainDepth: 0,
    idempotencyKey: null,
    idempotencyUntil: null,
    notBefore: null,
    timeoutMs: 60_000,
    rerunOf: null,
    createdAt: new Date(Date.UTC(2030, 0, 1) + index),
  };
}

describe('sqliteStore', () => {
  it('opens the file in WAL mode with synchronous=FULL, a busy timeout, foreign keys and temp_store=MEMORY', async () => {
    const file = freshFile();
    const store = await open(file);
    const { db } = sqliteInternals(store);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('temp_store', { simple: true })).toBe(2); // MEMORY
    expect(fs.existsSync(file)).toBe(true);
    await store.close();
  });

  it('migrates once: reopening keeps the version and the data', async () => {
    const file = freshFile();
    const first = await open(file);
    const event = newEvent('LOCAL:BASE', 1);
    await first.events.insert([event]);
    await first.close();
    const second = await open(file);
    expect(sqliteInternals(second).db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(await second.events.get(event.id, null)).toMatchObject({ id: event.id, state: 'QUEUED' });
    await second.close();
  });

  it('refuses a database written by a newer schema', async () => {
    const file = freshFile();
    await (await open(file)).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    await expect(sqliteStore({ path: file })).rejects.toMatchObject({ code: 'INTERNAL', message: /schema version/ });
  });

  it('works in memory', async () => {
    const store = await sqliteStore({ path: ':memory:' });
    const event = newEvent('LOCAL:BASE', 1);
    await store.events.insert([event]);
    expect(await store.events.get(event.id, 'tenant-1')).toMatchObject({ id: event.id });
    await store.close();
  });

  it('rejects bad options with a VALIDATION error naming the field', async () => {
    await expect(sqliteStore({ path: '' })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('path'),
      details: { fields: ['path'] },
    });
    await expect(sqliteStore({ path: 42 } as never)).rejects.toMatchObject({ code: 'VALIDATION', message: /path/ });
    await expect(sqliteStore({ path: ':memory:', pth: 'x' } as never)).rejects.toMatchObject({
      code: 'VALIDATION',
      message: /pth/,
    });
    await expect(sqliteStore({ path: ':memory:', logger: {} as never })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: /logger/,
    });
  });

  it('rejects calls after close with CLOSED; closing twice is fine', async () => {
    const store = await open(freshFile());
    await store.close();
    await store.close();
    await expect(store.events.get('x', null)).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(store.events.insert([newEvent('LOCAL:BASE', 1)])).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('group-commits: 1000 concurrent inserts share a few transactions', async () => {
    const store = await open(freshFile());
    const { stats } = sqliteInternals(store);
    const before = { ...stats };
    const events = Array.from({ length: 1000 }, (_, i) => newEvent('LOCAL:BASE', i));
    const results = await Promise.all(events.map((event) => store.events.insert([event])));
    expect(results.flat().every((result) => result.created)).toBe(true);
    expect(stats.operations - before.operations).toBe(1000);
    expect(stats.transactions - before.transactions).toBeLessThanOrEqual(5);
    expect((await store.events.countByState('tenant-1')).QUEUED).toBe(1000);
    await store.close();
  });

  it('claims through the partial index of the claim predicate, a queue group without sorting', async () => {
    const store = await open(freshFile());
    const { db } = sqliteInternals(store);
    const params = { sinkId: 's', sinkType: 't', now: 0, leaseExpiresAt: 0, limit: 1, tenantId: 'x', eventType: 'e' };
    for (const byTenant of [false, true]) {
      for (const byType of [false, true]) {
        for (const byModule of [false, true]) {
          const details = planOf(db, claimSql({ byTenant, byType, byModule }), { ...params, modules: '[]' });
          if (claimsInOrder({ byTenant, byType })) {
            expect(details).toMatch(new RegExp(`USING INDEX ${CLAIM_INDEX} `));
            expect(details).not.toMatch(/TEMP B-TREE/);
          } else {
            // Shapes the engine never makes: an index search and a sort, never a scan of the table.
            expect(details).toMatch(/SEARCH events USING INDEX/);
            expect(details).not.toMatch(/SCAN events/);
          }
        }
      }
    }
    await store.close();
  });

  it('never gives one event to two processes claiming the same file', async () => {
    const file = freshFile();
    const store = await open(file);
    const sinkType = 'RACE:BASE';
    const events = Array.from({ length: 600 }, (_, i) => newEvent(sinkType, i));
    await store.events.insert(events);
    const children: ChildProcess[] = [];
    try {
      const start = (name: string) => {
        const child = fork(WORKER, [file, sinkType, name], {
          cwd: REPO_ROOT,
          execArgv: ['--import', 'tsx', '--conditions=source'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        children.push(child);
        const messages = new Map<string, Promise<{ claimed?: string[] }>>();
        for (const type of ['ready', 'done']) {
          messages.set(
            type,
            new Promise((resolve, reject) => {
              const onMessage = (message: { type: string; claimed?: string[] }) => {
                if (message.type === type) resolve(message);
              };
              child.on('message', onMessage);
              child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before "${type}"`)));
            }),
          );
        }
        return { child, ready: messages.get('ready')!, done: messages.get('done')! };
      };
      const workers = [start('sink-a'), start('sink-b')];
      await Promise.all(workers.map((worker) => worker.ready));
      for (const worker of workers) worker.child.send('go');
      const [a, b] = await Promise.all(workers.map(async (worker) => (await worker.done).claimed ?? []));
      const all = [...a!, ...b!];
      expect(a!.length).toBeGreaterThan(0);
      expect(b!.length).toBeGreaterThan(0);
      expect(all).toHaveLength(events.length);
      expect(new Set(all)).toEqual(new Set(events.map((event) => `${event.id}#1`)));
      expect((await store.events.countByState('tenant-1')).RUNNING).toBe(events.length);
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill();
      await store.close();
    }
  });
});
