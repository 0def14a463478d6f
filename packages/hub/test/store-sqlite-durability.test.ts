/**
 * Durability and the commit path of the embedded SQLite store: the group commit's fsync off the
 * event loop (GroupCommit + WalSync), what survives a crash of the process, the checkpoint thread
 * (Checkpointer), statements that bind LIMIT without a re-prepare (boundLimit), and the store's
 * `watch`. Real files in temp dirs, real worker threads and child processes; no sleeps.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger, type EventRecord, type Logger } from '@nexomatic/core';
import { sqliteStore } from '@nexomatic/hub/sqlite';
import { LEASE, NOW, ids, scenario, type Scenario } from '../src/store/contract/fixtures.js';
import type { ClaimRequest, HubStore, NewEvent } from '../src/store/port.js';
import { Checkpointer, WAL_RESTART_FRAMES, type CheckpointReport } from '../src/store/sqlite/checkpointer.js';
import { claimSql, type ClaimShape } from '../src/store/sqlite/claim.js';
import { boundLimit } from '../src/store/sqlite/connection.js';
import { OVERDUE } from '../src/store/sqlite/events.js';
import { GroupCommit } from '../src/store/sqlite/group-commit.js';
import { sqliteInternals } from '../src/store/sqlite/index.js';
import { WalSync } from '../src/store/sqlite/wal-sync.js';
import { waitFor } from './support/wait.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WRITER = fileURLToPath(new URL('./fixtures/durability-writer.ts', import.meta.url));
const SQLITE_SRC = fileURLToPath(new URL('../src/store/sqlite/', import.meta.url));

const dirs: string[] = [];
/** Closed after each test: raw handles, stores, group commits. */
const cleanup: Array<() => unknown> = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  vi.restoreAllMocks();
});
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A database path in a fresh temp dir. */
function freshFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nexomatic-durability-'));
  dirs.push(dir);
  return path.join(dir, 'hub.db');
}

/** A raw connection, closed after the test. */
function rawDb(file: string, options?: Database.Options): Database.Database {
  const db = new Database(file, options);
  cleanup.push(() => db.open && db.close());
  return db;
}

/** A store on `file`, closed after the test (closing twice is fine). */
async function openStore(file: string, options: { logger?: Logger } = {}): Promise<HubStore> {
  const store = await sqliteStore({ path: file, ...options });
  cleanup.push(() => store.close());
  return store;
}

/** A file database in WAL mode with a table `t`, as `openDatabase` leaves it (synchronous=FULL, the log exists). */
function walDatabase(): { db: Database.Database; file: string } {
  const file = freshFile();
  const db = rawDb(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  return { db, file };
}

/** The WalSync of `file`'s log; fails the test when it cannot be opened. */
function walSyncOf(file: string): WalSync {
  const wal = WalSync.open(file);
  if (wal === null) throw new Error(`no write-ahead log next to ${file}`);
  cleanup.push(() => wal.close());
  return wal;
}

/**
 * Holds the group commit's fsyncs back: each `wal.sync()` call waits for `release()`, then runs the
 * real (coalesced) fsync. `calls` counts the calls.
 */
function holdSyncs(wal: WalSync): { release(): void; readonly calls: number } {
  const real = wal.sync.bind(wal);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  wal.sync = () => {
    calls += 1;
    return released.then(real);
  };
  return {
    release,
    get calls() {
      return calls;
    },
  };
}

/** Lets every callback that is ready run: `setImmediate` runs after pending I/O callbacks and microtasks. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Tracks whether a promise settled, without awaiting it. */
function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  // The caller awaits `promise`; this copy only records.
  tracked.catch(() => undefined);
  return {
    promise,
    get settled() {
      return settled;
    },
  };
}

describe('GroupCommit with a WalSync on a file in WAL mode', () => {
  it('resolves a durable operation only after an fsync of the log, and a durable: false one at COMMIT, before it', async () => {
    const { db, file } = walDatabase();
    const wal = walSyncOf(file);
    const commit = new GroupCommit(db, { wal });
    const held = holdSyncs(wal);
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const order: string[] = [];
    const durable = commit.enqueue(() => insert.run('durable', 1).changes).then((value) => {
      order.push('durable');
      return value;
    });
    const fast = commit
      .enqueue(() => insert.run('fast', 2).changes, { durable: false })
      .then((value) => {
        order.push('fast');
        return value;
      });
    expect(commit.pending).toBe(2);

    expect(await fast).toBe(1);
    expect(order).toEqual(['fast']);
    expect(commit.stats).toEqual({ transactions: 1, operations: 2 });
    // Both committed (another connection sees them), one is waiting for its fsync: still pending.
    expect(held.calls).toBe(1);
    expect(commit.pending).toBe(1);
    const peer = rawDb(file, { readonly: true });
    expect(peer.prepare('SELECT k FROM t ORDER BY k').pluck().all()).toEqual(['durable', 'fast']);
    // Nothing resolves the durable operation while its fsync is held back.
    for (let i = 0; i < 5; i += 1) await turn();
    expect(order).toEqual(['fast']);
    expect(wal.syncs).toBe(0);

    held.release();
    expect(await durable).toBe(1);
    expect(order).toEqual(['fast', 'durable']);
    expect(wal.syncs).toBe(1);
    expect(commit.pending).toBe(0);
  });

  it('calls afterCommit once per committed flush and leaves the connection at synchronous=FULL', async () => {
    const { db, file } = walDatabase();
    const afterCommit = vi.fn();
    const commit = new GroupCommit(db, { wal: walSyncOf(file), afterCommit });
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    await Promise.all(['a', 'b', 'c'].map((k, v) => commit.enqueue(() => insert.run(k, v))));
    expect(afterCommit).toHaveBeenCalledTimes(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL between flushes
    await commit.enqueue(() => insert.run('d', 4));
    expect(afterCommit).toHaveBeenCalledTimes(2);
    // A flush that cannot begin (another connection holds the write lock; no busy wait here)
    // rejects every operation of the batch, commits nothing and calls nothing.
    db.pragma('busy_timeout = 0');
    const peer = rawDb(file);
    peer.exec('BEGIN IMMEDIATE');
    const onCommit = vi.fn();
    const results = await Promise.allSettled([
      commit.enqueue(() => insert.run('e', 5), { onCommit }),
      commit.enqueue(() => insert.run('f', 6), { onCommit, durable: false }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(results[0]).toMatchObject({ reason: { code: 'SQLITE_BUSY' } });
    expect(afterCommit).toHaveBeenCalledTimes(2);
    expect(onCommit).not.toHaveBeenCalled();
    expect(commit.pending).toBe(0);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    peer.exec('ROLLBACK');
    expect(db.prepare('SELECT k FROM t ORDER BY k').pluck().all()).toEqual(['a', 'b', 'c', 'd']);
  });

  // SQLite applies `PRAGMA synchronous` when the statement is prepared, not when it runs: a
  // statement prepared once and run per flush would leave the level unchanged.
  it('commits with synchronous=NORMAL inside the flush, FULL again after it', async () => {
    const { db, file } = walDatabase();
    const commit = new GroupCommit(db, { wal: walSyncOf(file) });
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const levels = await Promise.all(
      ['a', 'b'].map((k, v) =>
        commit.enqueue(() => {
          insert.run(k, v);
          return db.pragma('synchronous', { simple: true });
        }),
      ),
    );
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL after it
    expect(levels).toEqual([1, 1]); // NORMAL inside the transaction
  });

  it('resolves each durable operation after an fsync that started after its commit, not one already running', async () => {
    const { db, file } = walDatabase();
    const wal = walSyncOf(file);
    const commit = new GroupCommit(db, { wal });
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const syncsAtResolve = new Map<string, number>();
    const at = (k: string) => () => void syncsAtResolve.set(k, wal.syncs);
    // `flush()` is synchronous and the fsync runs in libuv's pool: the second flush commits while
    // the first flush's fsync is under way, so it must wait for the next one.
    const first = commit.enqueue(() => insert.run('first', 1)).then(at('first'));
    commit.flush();
    expect(commit.pending).toBe(1);
    const second = commit.enqueue(() => insert.run('second', 2)).then(at('second'));
    commit.flush();
    expect(commit.pending).toBe(2);
    await Promise.all([first, second]);
    expect(Object.fromEntries(syncsAtResolve)).toEqual({ first: 1, second: 2 });
    expect(commit.stats.transactions).toBe(2);
    expect(commit.pending).toBe(0);

    // A stream of flushes: each operation resolves after at least one fsync completed since its commit.
    const checks: Array<Promise<void>> = [];
    for (let i = 0; i < 30; i += 1) {
      let atCommit = -1;
      checks.push(
        commit
          .enqueue(() => insert.run(`stream-${i}`, i), { onCommit: () => (atCommit = wal.syncs) })
          .then(() => {
            expect(atCommit).toBeGreaterThanOrEqual(0);
            expect(wal.syncs).toBeGreaterThan(atCommit);
          }),
      );
      if (i % 3 === 0) await turn();
    }
    await Promise.all(checks);
  });

  it('coalesces: sync() calls made while an fsync runs share the next one', async () => {
    const { file } = walDatabase();
    const wal = walSyncOf(file);
    const seen: Array<[string, number]> = [];
    const call = (name: string) => wal.sync().then(() => void seen.push([name, wal.syncs]));
    await Promise.all([call('a'), call('b'), call('c')]);
    expect(seen).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 2],
    ]);
    expect(wal.syncs).toBe(2);
  });

  it('calls onCommit once per committed operation with its value; a failing operation rejects alone and leaves nothing', async () => {
    const { db, file } = walDatabase();
    const commit = new GroupCommit(db, {
      wal: walSyncOf(file),
      mapError: (error) => new Error(`mapped: ${(error as Error).message}`),
    });
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const onCommit = vi.fn();
    const results = await Promise.allSettled([
      commit.enqueue(
        () => {
          insert.run('a', 1);
          return 'a';
        },
        { onCommit },
      ),
      commit.enqueue(
        () => {
          insert.run('half', 2); // rolled back with its savepoint
          throw new Error('boom');
        },
        { onCommit },
      ),
      commit.enqueue(() => insert.run('a', 3).changes, { onCommit }), // duplicate key
      commit.enqueue(
        () => {
          insert.run('c', 4);
          return 'c';
        },
        { onCommit, durable: false },
      ),
    ]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 'a' },
      { status: 'rejected', reason: expect.objectContaining({ message: 'mapped: boom' }) },
      { status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/^mapped: UNIQUE constraint failed/) }) },
      { status: 'fulfilled', value: 'c' },
    ]);
    expect(onCommit.mock.calls).toEqual([['a'], ['c']]);
    expect(commit.stats).toEqual({ transactions: 1, operations: 4 });
    expect(db.prepare('SELECT k, v FROM t ORDER BY k').all()).toEqual([
      { k: 'a', v: 1 },
      { k: 'c', v: 4 },
    ]);
    expect(commit.pending).toBe(0);
  });

  it('rejects the durable operations of a flush whose fsync failed; the durable: false ones resolved at COMMIT', async () => {
    const { db, file } = walDatabase();
    const wal = walSyncOf(file);
    const commit = new GroupCommit(db, { wal, mapError: (error) => new Error(`mapped: ${(error as Error).message}`) });
    wal.sync = () => Promise.reject(new Error('EIO: i/o error, fdatasync'));
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const onCommit = vi.fn();
    const [durable, fast] = await Promise.allSettled([
      commit.enqueue(() => insert.run('durable', 1).changes, { onCommit }),
      commit.enqueue(() => insert.run('fast', 2).changes, { onCommit, durable: false }),
    ]);
    expect(durable).toEqual({ status: 'rejected', reason: expect.objectContaining({ message: 'mapped: EIO: i/o error, fdatasync' }) });
    expect(fast).toEqual({ status: 'fulfilled', value: 1 });
    expect(onCommit).toHaveBeenCalledTimes(2); // both committed
    expect(commit.pending).toBe(0);
  });

  it('close() flushes what is queued and waits for its fsync: nothing is left pending', async () => {
    const { db, file } = walDatabase();
    const wal = walSyncOf(file);
    const commit = new GroupCommit(db, { wal });
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const flushed = track(commit.enqueue(() => insert.run('flushed', 1).changes));
    commit.flush(); // committed, its fsync under way
    const queued = [0, 1, 2].map((v) => track(commit.enqueue(() => insert.run(`queued-${v}`, v).changes)));
    const fast = track(commit.enqueue(() => insert.run('fast', 9).changes, { durable: false }));
    expect(commit.pending).toBe(5);
    await commit.close();
    expect(commit.pending).toBe(0);
    for (const op of [flushed, ...queued, fast]) expect(op.settled).toBe(true);
    expect(await Promise.all([flushed, ...queued, fast].map((op) => op.promise))).toEqual([1, 1, 1, 1, 1]);
    expect(wal.syncs).toBeGreaterThanOrEqual(2);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(5);
    await expect(wal.sync()).rejects.toThrow(/closed/);
  });
  it('commits ahead operations first, in a transaction of their own; the others of that flush wait one turn, once', async () => {
    const { db, file } = walDatabase();
    const commit = new GroupCommit(db, { wal: walSyncOf(file) });
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const count = db.prepare('SELECT count(*) FROM t').pluck();
    const ran: string[] = [];
    const op = (k: string, options?: { ahead?: boolean; durable?: boolean }) =>
      track(
        commit.enqueue(() => {
          ran.push(k);
          insert.run(k, ran.length);
          return count.get();
        }, options),
      );
    const first = op('first');
    const claim = op('claim', { ahead: true, durable: false });
    const second = op('second');
    commit.flush();
    // Only the ahead operation ran, alone in its transaction: it saw none of the others.
    expect(ran).toEqual(['claim']);
    expect(commit.stats).toEqual({ transactions: 1, operations: 1 });
    expect(await claim.promise).toBe(1);
    expect(first.settled || second.settled).toBe(false);
    expect(commit.pending).toBe(2);
    // Before the next turn, another ahead operation and another write: the ahead one still goes
    // first, but the held-back writes run in this flush too (with the new one), not one turn later.
    const nextClaim = op('next-claim', { ahead: true, durable: false });
    const third = op('third');
    await turn();
    expect(ran).toEqual(['claim', 'next-claim', 'first', 'second', 'third']);
    expect(commit.stats).toEqual({ transactions: 3, operations: 5 });
    expect(await Promise.all([nextClaim.promise, first.promise, second.promise, third.promise])).toEqual([2, 3, 4, 5]);
    // A flush without ahead operations holds nothing back.
    const alone = op('alone');
    commit.flush();
    expect(ran.at(-1)).toBe('alone');
    expect(await alone.promise).toBe(6);
    // close() runs what a flush held back.
    const lastClaim = op('last-claim', { ahead: true, durable: false });
    const last = op('last');
    commit.flush();
    expect(ran.at(-1)).toBe('last-claim');
    await commit.close();
    expect(ran.at(-1)).toBe('last');
    expect(await Promise.all([lastClaim.promise, last.promise])).toEqual([7, 8]);
    expect(commit.pending).toBe(0);
  });
});

describe('GroupCommit without a WalSync', () => {
  for (const where of [':memory:', 'a file, no wal option'] as const) {
    it(`resolves every operation at COMMIT (${where}), with synchronous=FULL inside the transaction`, async () => {
      const db = where === ':memory:' ? rawDb(':memory:') : walDatabase().db;
      if (where === ':memory:') db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
      db.pragma('synchronous = FULL');
      const afterCommit = vi.fn();
      const commit = new GroupCommit(db, { afterCommit });
      const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
      const onCommit = vi.fn();
      const durable = track(
        commit.enqueue(
          () => {
            insert.run('durable', 1);
            return db.pragma('synchronous', { simple: true });
          },
          { onCommit },
        ),
      );
      const fast = track(commit.enqueue(() => insert.run('fast', 2).changes, { durable: false }));
      expect(commit.pending).toBe(2);
      commit.flush();
      expect(commit.pending).toBe(0);
      expect(onCommit).toHaveBeenCalledWith(2);
      expect(afterCommit).toHaveBeenCalledTimes(1);
      // Resolved within the flush: only microtasks ran since.
      await Promise.resolve();
      await Promise.resolve();
      expect(durable.settled).toBe(true);
      expect(fast.settled).toBe(true);
      expect(await durable.promise).toBe(2); // FULL: no NORMAL commit without a WalSync
      await commit.close();
      expect(commit.pending).toBe(0);
    });
  }
});

describe('sqliteStore on a file: the commit path', () => {
  it('acknowledges an insert after an fsync of the log, and a claim at COMMIT without waiting for one', async () => {
    const open = vi.spyOn(WalSync, 'open');
    const start = vi.spyOn(Checkpointer, 'start');
    const file = freshFile();
    const store = await openStore(file);
    expect(open).toHaveBeenCalledExactlyOnceWith(path.resolve(file));
    const wal = open.mock.results[0]!.value as WalSync | null;
    expect(wal).toBeInstanceOf(WalSync);
    expect(start.mock.results[0]!.value).toBeInstanceOf(Checkpointer);
    const s = scenario();

    const before = wal!.syncs;
    await store.events.insert([s.event(), s.event()]);
    expect(wal!.syncs).toBeGreaterThan(before);

    const held = holdSyncs(wal!);
    const insert = track(store.events.insert([s.event()]));
    const claimed = await store.events.claim(s.claim({ limit: 2 }));
    expect(claimed).toHaveLength(2);
    // The claim is committed (another connection sees it) while the insert still waits for its fsync.
    const peer = rawDb(file, { readonly: true });
    expect(peer.prepare("SELECT count(*) FROM events WHERE tenant_id = ? AND state = 'RUNNING'").pluck().get(s.tenantId)).toBe(2);
    for (let i = 0; i < 5; i += 1) await turn();
    expect(insert.settled).toBe(false);
    expect(held.calls).toBeGreaterThan(0);
    const synced = wal!.syncs;
    held.release();
    expect(await insert.promise).toEqual([{ id: expect.any(String), created: true }]);
    expect(wal!.syncs).toBeGreaterThan(synced);
  });
});

describe('a process killed while it writes', () => {
  /** The child is SIGKILLed once this many of its events were acknowledged. */
  const KILL_AFTER = 2000;

  it('loses no acknowledged event: reopening the file shows every one, and each insert landed whole', { timeout: 60_000 }, async () => {
    const file = freshFile();
    const tenantId = randomUUID();
    const child = fork(WRITER, [file, tenantId, 'CRASH:BASE'], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx', '--conditions=source'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    cleanup.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const disconnected = new Promise<void>((resolve) => child.once('disconnect', () => resolve()));
    /** Acknowledged inserts: batch -> its event ids. */
    const acked = new Map<string, string[]>();
    let ackedEvents = 0;
    child.on('message', (message: { type: string; batch?: string; ids?: string[] }) => {
      if (message.type !== 'acked') return;
      acked.set(message.batch!, message.ids!);
      ackedEvents += message.ids!.length;
      if (ackedEvents >= KILL_AFTER && child.signalCode === null) child.kill('SIGKILL');
    });
    // Every message the child sent before it died has arrived once the channel is closed.
    const [exit] = await Promise.all([exited, disconnected]);
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(ackedEvents).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(fs.existsSync(`${file}-wal`)).toBe(true); // not closed: the log holds what it wrote

    const store = await openStore(file);
    const { db } = sqliteInternals(store);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = db
      .prepare("SELECT id, json_extract(payload, '$.batch') AS batch FROM events WHERE tenant_id = ?")
      .all(tenantId) as Array<{ id: string; batch: string }>;
    const stored = new Set(rows.map((row) => row.id));
    const missing = [...acked.values()].flat().filter((id) => !stored.has(id));
    expect(missing, `${missing.length} of ${ackedEvents} acknowledged events are gone`).toEqual([]);
    // Inserts in flight when it died landed whole or not at all.
    const perBatch = new Map<string, number>();
    for (const row of rows) perBatch.set(row.batch, (perBatch.get(row.batch) ?? 0) + 1);
    expect([...new Set(perBatch.values())]).toEqual([acked.values().next().value!.length]);
    expect(rows.length).toBeGreaterThanOrEqual(ackedEvents);
  });
});

/** Every report the checkpoint thread sends, in order (the Checkpointer itself keeps only the last). */
function recordReports(checkpointer: Checkpointer): CheckpointReport[] {
  const reports: CheckpointReport[] = [];
  let last = checkpointer.last;
  Object.defineProperty(checkpointer, 'last', {
    configurable: true,
    enumerable: true,
    get: () => last,
    set: (report: CheckpointReport | null) => {
      last = report;
      if (report !== null) reports.push(report);
    },
  });
  return reports;
}

describe('the checkpoint thread', () => {
  /** Payload bytes per event, and inserts in flight per round, of the write stream. */
  const ROW_BYTES = 16 * 1024;
  const LANES = 16;

  it('checkpoints instead of SQLite: the log stays bounded under a stream of writes; close turns autocheckpoint back on and the log goes', { timeout: 60_000 }, async () => {
    const start = vi.spyOn(Checkpointer, 'start');
    const file = freshFile();
    const store = await openStore(file);
    expect(start).toHaveBeenCalledTimes(1);
    const checkpointer = start.mock.results[0]!.value as Checkpointer | null;
    expect(checkpointer).toBeInstanceOf(Checkpointer);
    const reports = recordReports(checkpointer!);
    const { db } = sqliteInternals(store);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);

    // Three times the log size past which the thread restarts the log: without checkpoints the log
    // ends larger than that (every page written lands in it, once per transaction at least).
    const restartBytes = WAL_RESTART_FRAMES * (db.pragma('page_size', { simple: true }) as number);
    const rounds = Math.ceil((3 * restartBytes) / (ROW_BYTES * LANES));
    const s = scenario();
    const pad = 'x'.repeat(ROW_BYTES);
    let peak = 0;
    for (let round = 0; round < rounds; round += 1) {
      await Promise.all(Array.from({ length: LANES }, () => store.events.insert([s.event({ payload: { pad } })])));
      peak = Math.max(peak, fs.statSync(`${file}-wal`).size);
    }
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(checkpointer!.checkpoints).toBeGreaterThan(0);
    expect(reports).toHaveLength(checkpointer!.checkpoints);
    expect(peak, `the log reached ${(peak / 2 ** 20).toFixed(1)} MiB`).toBeLessThan(2.5 * restartBytes);
    // PASSIVE until a checkpoint saw a log past WAL_RESTART_FRAMES, then RESTART.
    reports.forEach((report, i) => {
      const previous = reports[i - 1];
      expect(report.mode).toBe(previous !== undefined && previous.log > WAL_RESTART_FRAMES ? 'RESTART' : 'PASSIVE');
      expect(report.checkpointed).toBeLessThanOrEqual(report.log);
    });

    const pragma = vi.spyOn(db, 'pragma');
    await store.close();
    expect(pragma).toHaveBeenCalledWith('wal_autocheckpoint = 1000');
    expect(db.open).toBe(false);
    const log = `${file}-wal`;
    expect(!fs.existsSync(log) || fs.statSync(log).size === 0, 'the log is gone or empty').toBe(true);
    const fresh = rawDb(file, { readonly: true });
    expect(fresh.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(fresh.prepare('SELECT count(*) FROM events WHERE tenant_id = ?').pluck().get(s.tenantId)).toBe(rounds * LANES);
  });

  it('turns automatic checkpoints back on when its thread fails', async () => {
    const { db } = walDatabase();
    const error = vi.fn();
    const logger: Logger = { ...silentLogger, error };
    // The thread cannot open this file: it dies at start.
    const checkpointer = Checkpointer.start(db, path.join(path.dirname(freshFile()), 'missing', 'hub.db'), 100, logger);
    expect(checkpointer).toBeInstanceOf(Checkpointer);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await waitFor('automatic checkpoints back on', () => db.pragma('wal_autocheckpoint', { simple: true }) === 1000, 10_000);
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/automatic checkpoints are back on/), expect.anything());
    checkpointer!.nudge();
    await checkpointer!.close();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('a :memory: store starts no thread and no log sync, and keeps automatic checkpoints', async () => {
    const start = vi.spyOn(Checkpointer, 'start');
    const open = vi.spyOn(WalSync, 'open');
    const store = await openStore(':memory:');
    const s = scenario();
    await store.events.insert([s.event()]);
    expect(await store.events.claim(s.claim())).toHaveLength(1);
    expect(start).not.toHaveBeenCalled();
    expect(open).not.toHaveBeenCalled();
    expect(sqliteInternals(store).db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });
});

describe('hot statements bind LIMIT through boundLimit', () => {
  /**
   * A LIMIT whose value is a bare bound parameter (`LIMIT ?`, `?1`, `@x`, `:x`, `$x`): re-prepared on
   * every bind. Not JavaScript's `limit ?? x` or `limit?.x`.
   */
  const BARE_LIMIT = /\bLIMIT\s+(?:\?(?![?.])|[@:$][A-Za-z_])/i;
  /** Files whose bare LIMITs are lists: cold, and their plan may depend on the limit. */
  const LISTS = new Set(['event-list.ts', 'logs.ts', 'audit.ts', 'secrets.ts']);
  const SHAPES: ClaimShape[] = [false, true].flatMap((byTenant) =>
    [false, true].flatMap((byType) => [false, true].map((byModule) => ({ byTenant, byType, byModule }))),
  );

  /** The source without its comments (which may quote the bare form). */
  function code(source: string): string {
    return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  }

  it('recognizes the bare form and not the bound one', () => {
    for (const bare of ['LIMIT ?', 'limit ?2', 'LIMIT  @limit', 'LIMIT :n', 'LIMIT $n', 'ORDER BY seq\n      LIMIT ?)']) {
      expect(bare).toMatch(BARE_LIMIT);
    }
    for (const bound of [boundLimit('?'), boundLimit('@limit'), 'LIMIT 1', 'LIMIT ${limit}', 'options.limit ?? 0']) expect(bound).not.toMatch(BARE_LIMIT);
  });

  it('no statement of the SQLite store outside the lists binds a bare LIMIT', () => {
    const files = (fs.readdirSync(SQLITE_SRC, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts'));
    expect(files).toEqual(expect.arrayContaining(['claim.ts', 'events.ts', 'queue.ts', path.join('agenda', 'repository.ts')]));
    const offenders = files
      .filter((file) => !LISTS.has(file))
      .flatMap((file) =>
        code(fs.readFileSync(path.join(SQLITE_SRC, file), 'utf8'))
          .split('\n')
          .filter((line) => BARE_LIMIT.test(line))
          .map((line) => `${file}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });

  it('the claim of every shape and the OVERDUE sweep use boundLimit', () => {
    for (const shape of SHAPES) {
      const sql = claimSql(shape);
      expect(sql, JSON.stringify(shape)).not.toMatch(BARE_LIMIT);
      expect(sql, JSON.stringify(shape)).toContain(boundLimit('@limit'));
    }
    expect(OVERDUE).not.toMatch(BARE_LIMIT);
    expect(OVERDUE).toContain(boundLimit('?'));
  });

  it('claims exactly 1, 2 and 5 events, in claim order, for every shape', async () => {
    const store = await openStore(freshFile());
    for (const shape of SHAPES) {
      const s = scenario();
      // Decoys first and with the top priority: claimed first unless a filter of the shape excludes them.
      const decoys = [
        s.event({ tenantId: s.otherTenantId, priority: 9 }),
        s.event({ eventType: 'orders.other', priority: 9 }),
        s.event({ module: 'orders.other', priority: 9 }),
      ];
      const wanted = [0, 2, 0, 1, 2, 0, 1, 0, 2, 0].map((priority) => s.event({ priority }));
      const all = [...decoys, ...wanted];
      await store.events.insert(all);
      const matches = (event: NewEvent) =>
        (!shape.byTenant || event.tenantId === s.tenantId) &&
        (!shape.byType || event.eventType === 'orders.placed') &&
        (!shape.byModule || event.module === 'orders.process');
      const expected = all
        .map((event, seq) => ({ event, seq }))
        .filter(({ event }) => matches(event))
        .sort((a, b) => b.event.priority - a.event.priority || a.seq - b.seq)
        .map(({ event }) => event.id);
      const request: ClaimRequest = s.claim({
        tenantId: shape.byTenant ? s.tenantId : null,
        modules: shape.byModule ? ['orders.process', 'billing.unused'] : [],
        ...(shape.byType ? { eventType: 'orders.placed' } : {}),
      });
      const claimed: string[][] = [];
      for (const limit of [1, 2, 5]) claimed.push(ids(await store.events.claim({ ...request, limit })));
      expect(claimed, JSON.stringify(shape)).toEqual([expected.slice(0, 1), expected.slice(1, 3), expected.slice(3, 8)]);
    }
  });

  it('overdue and expiredLeases return exactly limit events, oldest first', async () => {
    const store = await openStore(freshFile());
    const s = scenario();
    const events = [4000, 1000, 3000, 2000].map((timeoutMs) => s.event({ timeoutMs }));
    await store.events.insert(events);
    // One claim per event, in insertion order, each with its own lease.
    const leaseOffsets = [3, 1, 4, 2];
    for (const offset of leaseOffsets) {
      expect(await store.events.claim(s.claim({ limit: 1, leaseExpiresAt: new Date(LEASE.getTime() + offset * 1000) }))).toHaveLength(1);
    }
    const [e0, e1, e2, e3] = events.map((event) => event.id);
    const later = new Date(NOW.getTime() + 10_000);
    expect(ids(await store.events.overdue(later, 1))).toEqual([e1]);
    expect(ids(await store.events.overdue(later, 2))).toEqual([e1, e3]);
    expect(ids(await store.events.overdue(later, 5))).toEqual([e1, e3, e2, e0]);
    expect(ids(await store.events.overdue(new Date(NOW.getTime() + 2500), 5))).toEqual([e1, e3]);
    const afterLeases = new Date(LEASE.getTime() + 10_000);
    expect(ids(await store.events.expiredLeases(afterLeases, 1))).toEqual([e1]);
    expect(ids(await store.events.expiredLeases(afterLeases, 3))).toEqual([e1, e3, e0]);
    expect(ids(await store.events.expiredLeases(afterLeases, 5))).toEqual([e1, e3, e0, e2]);
  });
});

describe('store.watch', () => {
  /** Claims the scenario's next event. */
  const claimOne = async (store: HubStore, s: Scenario): Promise<EventRecord> => {
    const [event] = await store.events.claim(s.claim({ limit: 1 }));
    if (event === undefined) throw new Error('nothing to claim');
    return event;
  };

  it('fires once per flush, after the COMMIT of inserts, before their fsync; for releases and completions with follow-ons', async () => {
    const open = vi.spyOn(WalSync, 'open');
    const store = await openStore(freshFile());
    const wal = open.mock.results[0]!.value as WalSync | null;
    expect(wal).toBeInstanceOf(WalSync);
    const { db, stats } = sqliteInternals(store);
    const s = scenario();
    const count = db.prepare('SELECT count(*) FROM events WHERE tenant_id = ?').pluck();
    /** Rows the watcher saw committed, per call. */
    const seen: number[] = [];
    store.watch!(() => void seen.push(count.get(s.tenantId) as number));

    // Three inserts in one tick: one flush, one notification, which sees all three committed and
    // comes while the inserts still wait for their fsync (held back here).
    const held = holdSyncs(wal!);
    const transactions = stats.transactions;
    const callsAtResolve: number[] = [];
    const inserts = Promise.all([0, 1, 2].map(() => store.events.insert([s.event()]).then(() => void callsAtResolve.push(seen.length))));
    await waitFor('the notification', () => seen.length > 0, 5000);
    expect(seen).toEqual([3]);
    expect(callsAtResolve).toEqual([]);
    held.release();
    await inserts;
    expect(stats.transactions - transactions).toBe(1);
    expect(seen).toEqual([3]);
    expect(callsAtResolve).toEqual([1, 1, 1]);

    // One insert of two events, another flush: one more.
    await store.events.insert([s.event(), s.event()]);
    expect(seen).toEqual([3, 5]);

    // A release makes an event claimable again: it fires.
    const released = await claimOne(store, s);
    expect(await store.events.release([{ eventId: released.id, attempt: released.attempt, notBefore: null }])).toEqual([true]);
    expect(seen).toHaveLength(3);

    // A completion with follow-ons queues them: it fires.
    const parent = await claimOne(store, s);
    const followOn = s.event({ parentEventId: parent.id, rootEventId: parent.rootEventId, chainDepth: 1 });
    expect(await store.events.complete([s.completion(parent.id, parent.attempt, { followOns: [followOn] })])).toEqual([true]);
    expect(seen).toEqual([3, 5, 5, 6]);
  });

  it('does not fire for a claim, a completion without follow-ons or a failed insert; the returned function stops it', async () => {
    const store = await openStore(freshFile());
    const s = scenario();
    const original = s.event();
    await store.events.insert([original, s.event(), s.event()]);
    const other = vi.fn();
    const onQueued = vi.fn();
    const stopOther = store.watch!(other);
    const stop = store.watch!(onQueued);

    const claimed = await store.events.claim(s.claim({ limit: 2 }));
    expect(claimed).toHaveLength(2);
    await turn();
    expect(await store.events.complete([s.completion(claimed[0]!.id, 1)])).toEqual([true]);
    await turn();
    await expect(store.events.insert([original])).rejects.toMatchObject({ code: 'CONFLICT' });
    await turn();
    expect(onQueued).not.toHaveBeenCalled();

    // Two watchers: each is called; stopping one leaves the other.
    await store.events.insert([s.event()]);
    expect(onQueued).toHaveBeenCalledTimes(1);
    expect(other).toHaveBeenCalledTimes(1);
    stop();
    await store.events.insert([s.event()]);
    expect(await store.events.release([{ eventId: claimed[1]!.id, attempt: 1, notBefore: null }])).toEqual([true]);
    await turn();
    expect(onQueued).toHaveBeenCalledTimes(1);
    expect(other).toHaveBeenCalledTimes(3);
    stopOther();
  });

  it('logs a watcher that throws and still calls the others', async () => {
    const error = vi.fn();
    const store = await openStore(freshFile(), { logger: { ...silentLogger, error } });
    const s = scenario();
    store.watch!(() => {
      throw new Error('watcher failed');
    });
    const after = vi.fn();
    store.watch!(after);
    await store.events.insert([s.event()]);
    expect(after).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledWith('a queued-events watcher failed', { error: 'Error: watcher failed' });
  });
});
