/**
 * Retention and archive on the filesystem: records past retention move to gzip JSON-lines blobs,
 * and every query answers the same before and after. A crash in the middle of archiving (after the
 * blob is written, or between indexing and deleting in a store that does those apart) loses
 * nothing, shows nothing twice, and the next run finishes the work. Events are never touched.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogRecord } from '@nexomatic/core';
import { createHub, fsArchive, type HubStore, type LogArchive } from '../src/index.js';
import { sqliteStore } from '../src/sqlite.js';
import { codeOf, tokenClient } from './support/api.js';
import { logAnswers, seedLogs } from './support/log-seed.js';
import { startTestHub, testDefinitions, type TestHub } from './support/test-hub.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
});

/** A temporary folder, removed after the test. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nexomatic-archive-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function hubWith(options: Parameters<typeof startTestHub>[0]): Promise<{ test: TestHub; tenantB: string }> {
  const test = await startTestHub(options);
  cleanup.push(() => test.close());
  const tenantB = (await test.hub.createTenant({ name: 'tenant-b' })).id;
  await test.hub.apply(testDefinitions, tenantB);
  return { test, tenantB };
}

/** Every file under a folder, recursively, relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  let found: string[] = [];
  let names: string[];
  try {
    names = readdirSync(join(dir, prefix));
  } catch {
    return [];
  }
  for (const name of names) {
    const path = prefix ? `${prefix}/${name}` : name;
    if (statSync(join(dir, path)).isDirectory()) found = found.concat(filesUnder(dir, path));
    else found.push(path);
  }
  return found.sort();
}

/** Every live (not archived) record of an event. */
const live = (store: HubStore, tenantId: string, eventId: string) => store.logs.query(tenantId, { eventId, limit: 10_000 });

describe('log archive on the filesystem', () => {
  it('moves records past retention to gzip JSON lines, and queries answer the same before and after', async () => {
    const archiveDir = tempDir();
    const { test: archiving, tenantB: tenantOfB } = await hubWith({ logs: { archive: fsArchive({ dir: archiveDir }) } });
    const { hub } = archiving;
    const seeded = await seedLogs(hub, tenantOfB);
    const { first, second, other } = seeded.events;
    const before = await logAnswers(hub, seeded);
    const viewer = tokenClient(archiving.url, (await hub.createToken({ role: 'Viewer', name: 'reader' })).token);
    const apiBefore = await viewer.logs.query.query({ eventId: first, limit: 100 });
    const aliasBefore = await viewer.events.logs.query({ id: first });

    const summary = await hub.logs.archiveNow(seeded.now);
    // One chunk per attempt with old records: first#1, first#2, second#1, other#1.
    expect(summary).toMatchObject({ chunks: 4, records: seeded.old });

    // The store keeps only what is within retention: the boundary record itself stays.
    expect((await live(hub.store, hub.tenantId, first)).map((r) => [r.attempt, r.seq])).toEqual([[2, 6], [2, 7], [2, 8], [2, 9]]);
    expect((await live(hub.store, hub.tenantId, second)).map((r) => r.message)).toEqual(['exactly at the retention boundary', expect.stringContaining('hay')]);
    expect(await live(hub.store, tenantOfB, other)).toEqual([]);

    // The blobs: gzip, one JSON record per line, in seq order, under deterministic names.
    const files = filesUnder(archiveDir);
    expect(files).toHaveLength(4);
    expect(files.every((f) => /^logs\/[^/]+\/\d{4}-\d{2}-\d{2}\/[^/]+\/\d+-\d+-\d+\.jsonl\.gz$/.test(f))).toBe(true);
    const secondFile = files.find((f) => f.includes(`/${second}/`))!;
    expect(secondFile.endsWith('/1-0-1.jsonl.gz')).toBe(true);
    const lines = gunzipSync(readFileSync(join(archiveDir, secondFile))).toString('utf8').trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as LogRecord).message)).toEqual([expect.stringContaining('Needle'), 'one millisecond past retention']);

    // Every query answers the same, reading archived records transparently; the API too.
    expect(await logAnswers(hub, seeded)).toEqual(before);
    expect(await viewer.logs.query.query({ eventId: first, limit: 100 })).toEqual(apiBefore);
    expect(await viewer.events.logs.query({ id: first })).toEqual(aliasBefore);
    // Events are never touched.
    expect((await hub.getEvent(first)).state).toBe('QUEUED');

    // A second run finds nothing more; a resend of an archived record is not stored again.
    expect(await hub.logs.archiveNow(seeded.now)).toMatchObject({ chunks: 0, records: 0 });
    const archived = (before as { second: LogRecord[] }).second[1]!;
    await hub.store.logs.append(hub.tenantId, [archived]);
    expect(await logAnswers(hub, seeded)).toEqual(before);
  });

  it('keeps records without an archive, and says so when asked to archive', async () => {
    const { test, tenantB } = await hubWith({ logs: { retentionDays: 1 } });
    const seeded = await seedLogs(test.hub, tenantB);
    expect(await codeOf(test.hub.logs.archiveNow(seeded.now))).toBe('VALIDATION');
    expect(await live(test.hub.store, test.hub.tenantId, seeded.events.first)).toHaveLength(22);
    // Bad queries name the field.
    await expect(test.hub.logs.query({ attempt: 1 })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('attempt') });
    await expect(test.hub.logs.query({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('cursor') });
    await expect(test.hub.logs.query({ minLevel: 'loud' as never })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('minLevel') });
  });

  it('loses and duplicates nothing when the hub crashes after writing a blob, and a re-run finishes the job', async () => {
    const archiveDir = tempDir();
    const disk = fsArchive({ dir: archiveDir });
    // The "crash": the blob is written, then the archiver dies before it touches the store.
    let crashes = 2;
    const crashing: LogArchive = {
      description: 'crashing',
      get: (name) => disk.get(name),
      async put(name, body) {
        await disk.put(name, body);
        if (crashes-- > 0) throw new Error('the hub died after writing the blob');
      },
    };
    const { test: crashy, tenantB } = await hubWith({ logs: { archive: crashing } });
    const { hub } = crashy;
    const seeded = await seedLogs(hub, tenantB);
    const before = await logAnswers(hub, seeded);

    await expect(hub.logs.archiveNow(seeded.now)).rejects.toThrow('the hub died after writing the blob');
    // Blobs were written, but the store still holds (and queries still show, once) every record.
    expect(filesUnder(archiveDir).length).toBeGreaterThan(0);
    expect(await logAnswers(hub, seeded)).toEqual(before);

    // The re-run (the crashes are over) writes the same names again and finishes.
    const summary = await hub.logs.archiveNow(seeded.now);
    expect(summary.records).toBeGreaterThan(0);
    expect(await logAnswers(hub, seeded)).toEqual(before);
    const chunks = await hub.store.logs.chunks(hub.tenantId, { limit: 1 });
    const chunksB = await hub.store.logs.chunks(tenantB, { limit: 1 });
    // No orphan: every blob on disk is an indexed chunk (the crashed writes were overwritten).
    expect(filesUnder(archiveDir)).toEqual([...chunks, ...chunksB].map((c) => c.name).sort());
    expect(chunks.length + chunksB.length).toBe(4);
    expect(await live(hub.store, hub.tenantId, seeded.events.first)).toHaveLength(4);
  });

  it('loses and duplicates nothing when the hub process is killed mid-archive (SIGKILL after a blob write)', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const archiveDir = tempDir();
    const first = await createHub({ dataDir });
    await first.apply(testDefinitions);
    const tenantB = (await first.createTenant({ name: 'tenant-b' })).id;
    await first.apply(testDefinitions, tenantB);
    const seeded = await seedLogs(first, tenantB);
    const before = await logAnswers(first, seeded);
    await first.close();

    // Another process archives and is killed right after writing its second blob.
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', fileURLToPath(new URL('./support/archive-crash-main.ts', import.meta.url))], {
      env: { ...process.env, NEXOMATIC_TEST_DATA_DIR: dataDir, NEXOMATIC_TEST_ARCHIVE_DIR: archiveDir, NEXOMATIC_TEST_KILL_AFTER: '2', NEXOMATIC_TEST_NOW: seeded.now.toISOString() },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    expect(ended, stderr).toEqual({ code: null, signal: 'SIGKILL' });
    expect(filesUnder(archiveDir).length).toBeGreaterThanOrEqual(2);

    // The hub restarts on the same files: the same answers, then a run that finishes the job.
    const restarted = await createHub({ dataDir, logs: { archive: fsArchive({ dir: archiveDir }) } });
    cleanup.push(() => restarted.close());
    expect(await logAnswers(restarted, seeded)).toEqual(before);
    await restarted.logs.archiveNow(seeded.now);
    expect(await logAnswers(restarted, seeded)).toEqual(before);
    const chunks = [...(await restarted.store.logs.chunks(restarted.tenantId, { limit: 1 })), ...(await restarted.store.logs.chunks(tenantB, { limit: 1 }))];
    expect(chunks.reduce((sum, c) => sum + c.count, 0)).toBe(seeded.old);
    // Every blob is an indexed chunk; the kill may leave a write's temporary file (never read).
    const files = filesUnder(archiveDir);
    expect(files.filter((f) => !f.endsWith('.tmp'))).toEqual(chunks.map((c) => c.name).sort());
    expect(files.filter((f) => f.endsWith('.tmp')).every((f) => chunks.some((c) => f.startsWith(`${c.name}.`)))).toBe(true);
  });

  it('shows nothing twice when a store that indexes and deletes apart crashes between the two', async () => {
    const dir = tempDir();
    // A store whose `logs.archive` records the chunk, then "crashes" before it deletes the records.
    const real = await sqliteStore({ path: join(dir, 'hub.db') });
    cleanup.push(() => real.close());
    let crash = true;
    const store: HubStore = {
      ...real,
      logs: {
        ...real.logs,
        async archive(chunk, seqs) {
          if (!crash) return real.logs.archive(chunk, seqs);
          await real.logs.archive(chunk, []);
          throw new Error('the hub died between indexing and deleting');
        },
      },
    };
    const { test: split, tenantB } = await hubWith({ store, logs: { archive: fsArchive({ dir: join(dir, 'archive') }) } });
    const { hub } = split;
    const seeded = await seedLogs(hub, tenantB);
    const before = await logAnswers(hub, seeded);

    await expect(hub.logs.archiveNow(seeded.now)).rejects.toThrow('between indexing and deleting');
    // Records are both live and indexed now: queries show each once.
    expect((await hub.store.logs.chunks(hub.tenantId, { limit: 1 })).length).toBeGreaterThan(0);
    expect(await logAnswers(hub, seeded)).toEqual(before);

    crash = false;
    await hub.logs.archiveNow(seeded.now);
    expect(await logAnswers(hub, seeded)).toEqual(before);
    expect(await live(hub.store, hub.tenantId, seeded.events.first)).toHaveLength(4);
  });
});
