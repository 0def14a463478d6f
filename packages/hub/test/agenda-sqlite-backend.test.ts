import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agenda } from 'agenda';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from '@nexomatic/hub/sqlite';
import type { HubStore } from '../src/store/port.js';
import { sqliteInternals } from '../src/store/sqlite/index.js';
import { describeJobRepositoryContract, type OpenBackend } from './support/job-repository-contract.js';
import { waitFor } from './support/wait.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKER = fileURLToPath(new URL('./fixtures/agenda-worker.ts', import.meta.url));
const dirs: string[] = [];
const files = new WeakMap<OpenBackend, string>();

function freshFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nexomatic-agenda-'));
  dirs.push(dir);
  return path.join(dir, 'hub.db');
}

async function openAt(file: string): Promise<OpenBackend & { store: HubStore }> {
  const store = await sqliteStore({ path: file });
  const open = { store, backend: store.schedulerBackend(), close: () => store.close() };
  files.set(open, file);
  return open;
}

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describeJobRepositoryContract('sqlite', {
  create: () => openAt(freshFile()),
  peer: (first) => openAt(files.get(first)!),
});

describe('the SQLite Agenda backend', () => {
  it('is one backend per store, on the store’s own database, and the store owns the connection', async () => {
    const open = await openAt(freshFile());
    try {
      expect(open.store.schedulerBackend()).toBe(open.backend);
      expect(open.backend.ownsConnection).toBe(false);
      await open.backend.repository.saveJob({ name: 'mine', priority: 0, nextRunAt: null, type: 'normal', data: {} }, undefined);
      const { db } = sqliteInternals(open.store);
      expect(db.prepare('SELECT name FROM agenda_jobs').all()).toEqual([{ name: 'mine' }]);
      // Agenda's stop() leaves a connection it does not own open.
      const agenda = new Agenda({ backend: open.backend, processEvery: 50 });
      await agenda.start();
      await agenda.stop();
      expect(await open.backend.repository.getDistinctJobNames()).toEqual(['mine']);
    } finally {
      await open.close();
    }
  });

  it('locks through the indexes of migration 6', async () => {
    const open = await openAt(freshFile());
    try {
      const { db } = sqliteInternals(open.store);
      const plan = (db.prepare(
        `EXPLAIN QUERY PLAN SELECT id FROM agenda_jobs WHERE name = ? AND disabled = 0 AND ((locked_at IS NULL AND next_run_at <= ?) OR locked_at <= ?)`,
      ).all('x', 1, 1) as Array<{ detail: string }>).map((row) => row.detail).join('\n');
      expect(plan).toMatch(/agenda_jobs_due/);
      expect(plan).not.toMatch(/SCAN agenda_jobs\b(?! USING)/);
    } finally {
      await open.close();
    }
  });

  it('runs each job exactly once with Agenda instances in two processes on one file', async () => {
    const file = freshFile();
    const open = await openAt(file);
    const children: ChildProcess[] = [];
    try {
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) {
        const saved = await open.backend.repository.saveJob({ name: 'race', priority: 0, nextRunAt: new Date(Date.now() - 1000), type: 'normal', data: { i } }, undefined);
        ids.push(String(saved._id));
      }
      const start = (name: string) => {
        const child = fork(WORKER, [file, name], {
          cwd: REPO_ROOT,
          execArgv: ['--import', 'tsx', '--conditions=source'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        children.push(child);
        const next = (type: string) =>
          new Promise<{ ran?: string[] }>((resolve, reject) => {
            child.on('message', (message: { type: string; ran?: string[] }) => message.type === type && resolve(message));
            child.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code}`)));
          });
        return { child, ready: next('ready'), done: next('done') };
      };
      const workers = [start('p1'), start('p2')];
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.child.send({ type: 'go' });
      await waitFor('every job ran', async () => (await open.backend.repository.queryJobs({ name: 'race', state: 'completed' })).total === ids.length, 20_000);
      for (const w of workers) w.child.send({ type: 'stop' });
      const ran = (await Promise.all(workers.map((w) => w.done))).flatMap((m) => m.ran ?? []);
      expect(ran.length).toBe(ids.length);
      expect([...ran].sort()).toEqual([...ids].sort());
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill();
      await open.close();
    }
  });
});
