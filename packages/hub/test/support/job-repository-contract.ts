/**
 * A contract suite for agenda `JobRepository` / `AgendaBackend` implementations: the repository
 * semantics agenda documents and its MongoDB and PostgreSQL backends implement (ids, `single` and
 * `unique()` saves, the lock predicate and lock expiry, disabled jobs, removal, queries), then the
 * same through two real Agenda instances on one database. Call it once per backend.
 */
import { Agenda, type AgendaBackend, type JobParameters, type JobRepository } from 'agenda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from './wait.js';

/** One open backend and how to close what it stands on. */
export interface OpenBackend {
  backend: AgendaBackend;
  close(): Promise<void>;
}

/** How the suite gets backends: a fresh database, and a second connection to the same one. */
export interface BackendFactory {
  create(): Promise<OpenBackend>;
  peer(first: OpenBackend): Promise<OpenBackend>;
}

const SECOND = 1000;
const job = (overrides: Partial<JobParameters> & { name: string }): JobParameters => ({
  priority: 0,
  nextRunAt: new Date(Date.now() - SECOND),
  type: 'normal',
  data: {},
  ...overrides,
});

/** Arguments of `getNextJobToRun` as Agenda passes them: scan horizon ahead, lock deadline behind. */
const scan = (lockLifetimeMs = 600_000) => {
  const now = new Date();
  return [new Date(now.getTime() + 5 * SECOND), new Date(now.getTime() - lockLifetimeMs), now] as const;
};

export function describeJobRepositoryContract(name: string, factory: BackendFactory): void {
  describe(`${name}: agenda JobRepository contract`, () => {
    let open: OpenBackend;
    let repo: JobRepository;
    const extra: OpenBackend[] = [];
    const agendas: Agenda[] = [];

    beforeEach(async () => {
      open = await factory.create();
      repo = open.backend.repository;
      await open.backend.connect();
    });

    afterEach(async () => {
      for (const agenda of agendas.splice(0)) await agenda.stop(false);
      for (const peer of extra.splice(0)) await peer.close();
      await open.close();
    });

    const peer = async () => {
      const second = await factory.peer(open);
      extra.push(second);
      await second.backend.connect();
      return second.backend;
    };

    it('saves a job with a new id and reads every field back', async () => {
      const at = new Date(Date.UTC(2030, 0, 1, 12));
      const saved = await repo.saveJob(
        job({ name: 'fields', priority: 7, nextRunAt: at, data: { a: 1, nested: { b: 'x' } }, repeatInterval: 5000, repeatTimezone: 'Europe/Berlin', skipDays: [0, 6], startDate: at }),
        { lastModifiedBy: 'me' },
      );
      expect(saved._id).toBeTruthy();
      const read = await repo.getJobById(String(saved._id));
      expect(read).toMatchObject({ name: 'fields', priority: 7, type: 'normal', data: { a: 1, nested: { b: 'x' } }, repeatInterval: 5000, repeatTimezone: 'Europe/Berlin', skipDays: [0, 6], lastModifiedBy: 'me' });
      expect(read!.nextRunAt!.getTime()).toBe(at.getTime());
      expect(read!.startDate!.getTime()).toBe(at.getTime());
      expect(read!.lockedAt == null).toBe(true);
      const cron = await repo.saveJob(job({ name: 'fields', repeatInterval: '*/5 * * * *' }), undefined);
      expect((await repo.getJobById(String(cron._id)))!.repeatInterval).toBe('*/5 * * * *');
      expect(await repo.getJobById('00000000-0000-4000-8000-000000000000')).toBeNull();
    });

    it('updates a job by id without undoing its lock, and returns the input for a removed job', async () => {
      const saved = await repo.saveJob(job({ name: 'update' }), undefined);
      const locked = await repo.lockJob(saved, undefined);
      expect(locked?.lockedAt).toBeInstanceOf(Date);
      const updated = await repo.saveJob({ ...saved, priority: 20, data: { v: 2 } }, undefined);
      expect(updated).toMatchObject({ _id: saved._id, priority: 20, data: { v: 2 } });
      expect((await repo.getJobById(String(saved._id)))!.lockedAt).toBeInstanceOf(Date);
      await repo.removeJobs({ id: saved._id! });
      const gone = { ...saved, priority: 1 };
      expect(await repo.saveJob(gone, undefined)).toBe(gone);
    });

    it('keeps one job per name for type single, and a due nextRunAt does not replace the stored one', async () => {
      const later = new Date(Date.now() + 60 * SECOND);
      const first = await repo.saveJob(job({ name: 'single', type: 'single', nextRunAt: later, data: { run: 1 } }), undefined);
      const second = await repo.saveJob(job({ name: 'single', type: 'single', nextRunAt: new Date(Date.now() - SECOND), data: { run: 2 } }), undefined);
      expect(second._id).toBe(first._id);
      expect(second.data).toEqual({ run: 2 });
      expect(second.nextRunAt!.getTime()).toBe(later.getTime());
      const third = await repo.saveJob(job({ name: 'single', type: 'single', nextRunAt: new Date(later.getTime() + SECOND) }), undefined);
      expect(third.nextRunAt!.getTime()).toBe(later.getTime() + SECOND);
      expect((await repo.queryJobs({ name: 'single' })).total).toBe(1);
    });

    it('upserts by unique(), exactly by JSON type, and leaves an existing job alone with insertOnly', async () => {
      const a = await repo.saveJob(job({ name: 'u', data: { key: '1', v: 1 }, unique: { 'data.key': '1' } }), undefined);
      const b = await repo.saveJob(job({ name: 'u', data: { key: '1', v: 2 }, unique: { 'data.key': '1' } }), undefined);
      expect(b._id).toBe(a._id);
      expect(b.data).toEqual({ key: '1', v: 2 });
      const numeric = await repo.saveJob(job({ name: 'u', data: { key: 1, v: 3 }, unique: { 'data.key': 1 } }), undefined);
      expect(numeric._id).not.toBe(a._id);
      const kept = await repo.saveJob(job({ name: 'u', data: { key: '1', v: 4 }, unique: { 'data.key': '1' }, uniqueOpts: { insertOnly: true } }), undefined);
      expect(kept).toMatchObject({ _id: a._id, data: { key: '1', v: 2 } });
      const nested = await repo.saveJob(job({ name: 'u', data: { t: { id: 'x' } }, unique: { 'data.t.id': 'x', name: 'u' } }), undefined);
      expect((await repo.saveJob(job({ name: 'u', data: { t: { id: 'x' }, w: 1 }, unique: { 'data.t.id': 'x' } }), undefined))._id).toBe(nested._id);
      expect((await repo.queryJobs({ name: 'u' })).total).toBe(3);
      await expect(repo.saveJob(job({ name: 'u', unique: { 'data.key': { $gt: 1 } } }), undefined)).rejects.toThrow(/operator/);
    });

    it('converges concurrent unique() saves from two connections on one job', async () => {
      const other = (await peer()).repository;
      const saves = Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? repo : other).saveJob(job({ name: 'race', data: { tick: 'T', i }, unique: { 'data.tick': 'T' }, uniqueOpts: { insertOnly: true } }), undefined),
      );
      const ids = new Set((await Promise.all(saves)).map((saved) => String(saved._id)));
      expect(ids.size).toBe(1);
      expect((await repo.queryJobs({ name: 'race' })).total).toBe(1);
    });

    it('locks the next due job once, by priority then time, and again only after its lock expired', async () => {
      const same = new Date(Date.now() - 60 * SECOND);
      await repo.saveJob(job({ name: 'next', priority: 5, nextRunAt: same, data: { p: 'low' } }), undefined);
      await repo.saveJob(job({ name: 'next', priority: 10, nextRunAt: same, data: { p: 'high' } }), undefined);
      await repo.saveJob(job({ name: 'next', nextRunAt: new Date(Date.now() + 60 * SECOND), data: { p: 'future' } }), undefined);
      const first = await repo.getNextJobToRun('next', ...scan(), undefined);
      expect(first).toMatchObject({ data: { p: 'high' } });
      expect(first!.lockedAt).toBeInstanceOf(Date);
      expect(await repo.getNextJobToRun('next', ...scan(), undefined)).toMatchObject({ data: { p: 'low' } });
      expect(await repo.getNextJobToRun('next', ...scan(), undefined)).toBeUndefined();
      // A lock older than the lock lifetime has expired: the job is handed out again, with a new lock.
      const [horizon, , now] = scan();
      const again = await repo.getNextJobToRun('next', horizon, new Date(now.getTime() + SECOND), now, { lastModifiedBy: 'peer' });
      expect(again).toBeDefined();
      expect(again!.lockedAt!.getTime()).toBe(now.getTime());
      expect(again!.lastModifiedBy).toBe('peer');
    });

    it('never locks a disabled job, and lockJob needs an unlocked job with the same nextRunAt', async () => {
      const disabled = await repo.saveJob(job({ name: 'off', disabled: true }), undefined);
      expect(await repo.getNextJobToRun('off', ...scan(), undefined)).toBeUndefined();
      expect(await repo.lockJob(disabled, undefined)).toBeUndefined();
      expect(await repo.enableJobs({ name: 'off' })).toBe(1);
      expect(await repo.lockJob({ ...disabled, nextRunAt: new Date(0) }, undefined)).toBeUndefined();
      expect(await repo.lockJob(disabled, undefined)).toBeDefined();
      expect(await repo.lockJob(disabled, undefined)).toBeUndefined();
      expect(await repo.disableJobs({ name: 'off' })).toBe(1);
      expect(await repo.disableJobs({ name: 'off' })).toBe(0);
      expect((await repo.queryJobs({ includeDisabled: false })).total).toBe(0);
      expect((await repo.queryJobs({ state: 'paused' })).total).toBe(1);
    });

    it('unlocks a waiting job but not one being run (nextRunAt null), and unlockJobs unlocks both', async () => {
      const waiting = (await repo.lockJob(await repo.saveJob(job({ name: 'w' }), undefined), undefined))!;
      const running = (await repo.lockJob(await repo.saveJob(job({ name: 'r' }), undefined), undefined))!;
      await repo.saveJobState({ ...running, nextRunAt: null, lastRunAt: new Date() }, undefined);
      await repo.unlockJob(waiting);
      await repo.unlockJob(running);
      expect((await repo.getJobById(String(waiting._id)))!.lockedAt == null).toBe(true);
      expect((await repo.getJobById(String(running._id)))!.lockedAt).toBeInstanceOf(Date);
      await repo.unlockJobs([running._id!]);
      expect((await repo.getJobById(String(running._id)))!.lockedAt == null).toBe(true);
    });

    it('saves the state fields, and refuses to save the state of a removed job', async () => {
      const saved = await repo.saveJob(job({ name: 'state' }), undefined);
      const now = new Date();
      await repo.saveJobState({ ...saved, lastRunAt: now, lastFinishedAt: now, progress: 50, failCount: 1, failReason: 'boom', failedAt: now }, undefined);
      expect(await repo.getJobById(String(saved._id))).toMatchObject({ progress: 50, failCount: 1, failReason: 'boom', lastRunAt: now, failedAt: now });
      expect((await repo.queryJobs({ id: String(saved._id) })).jobs[0]!.state).toBe('failed');
      await repo.removeJobs({ id: saved._id! });
      await expect(repo.saveJobState(saved, undefined)).rejects.toThrow();
    });

    it('removes by id, ids, name, names, notNames and data, and nothing without criteria', async () => {
      const ids = [];
      for (const [n, data] of [['a', { k: 1 }], ['a', { k: 2 }], ['b', { k: 1 }], ['c', { k: 3 }], ['d', {}]] as const) {
        ids.push((await repo.saveJob(job({ name: n, data }), undefined))._id!);
      }
      expect(await repo.removeJobs({})).toBe(0);
      expect(await repo.removeJobs({ name: 'nobody' })).toBe(0);
      expect(await repo.removeJobs({ data: { k: 1 }, name: 'a' })).toBe(1);
      expect(await repo.removeJobs({ id: ids[1]! })).toBe(1);
      expect(await repo.removeJobs({ notNames: ['b', 'c'] })).toBe(1);
      expect(await repo.removeJobs({ ids: [ids[2]!] })).toBe(1);
      expect(await repo.removeJobs({ names: ['c'] })).toBe(1);
      expect(await repo.getDistinctJobNames()).toEqual([]);
    });

    it('queries by name, search, data, state and pages; counts the queue; overviews; purges', async () => {
      await repo.saveJob(job({ name: 'q-a', priority: 10, nextRunAt: new Date(Date.now() + 60 * SECOND), data: { type: 'alpha' } }), undefined);
      await repo.saveJob(job({ name: 'q-b', nextRunAt: new Date(Date.now() - 60 * SECOND), data: { type: 'beta' } }), undefined);
      await repo.saveJob(job({ name: 'q-a', nextRunAt: new Date(Date.now() + 120 * SECOND), data: { type: 'alpha', n: 3 } }), undefined);
      await repo.saveJob(job({ name: '100%', nextRunAt: null, lastFinishedAt: new Date() }), undefined);
      expect((await repo.queryJobs()).total).toBe(4);
      expect((await repo.queryJobs({ name: 'q-a' })).total).toBe(2);
      expect((await repo.queryJobs({ names: ['q-a', 'q-b'] })).total).toBe(3);
      expect((await repo.queryJobs({ search: 'Q-' })).total).toBe(3);
      expect((await repo.queryJobs({ search: '%' })).jobs.map((j) => j.name)).toEqual(['100%']);
      expect((await repo.queryJobs({ data: { type: 'alpha' } })).total).toBe(2);
      expect((await repo.queryJobs({ state: 'queued' })).jobs.map((j) => j.name)).toEqual(['q-b']);
      expect((await repo.queryJobs({ state: 'completed' })).jobs.map((j) => j.name)).toEqual(['100%']);
      const page = await repo.queryJobs({ sort: { nextRunAt: 'asc' }, skip: 1, limit: 2 });
      expect(page.total).toBe(4);
      expect(page.jobs.map((j) => j.data)).toEqual([{ type: 'beta' }, { type: 'alpha' }]);
      expect(await repo.getQueueSize()).toBe(1);
      expect(await repo.getDistinctJobNames()).toEqual(['100%', 'q-a', 'q-b']);
      const overview = await repo.getJobsOverview();
      expect(overview.find((o) => o.name === 'q-a')).toMatchObject({ total: 2, scheduled: 2 });
      expect(await repo.purgeAllJobs()).toBe(4);
      expect((await repo.queryJobs()).total).toBe(0);
    });

    const agenda = (backend: AgendaBackend, name: string, lockLifetime = 10_000) => {
      const instance = new Agenda({ backend, name, processEvery: 50, defaultLockLifetime: lockLifetime });
      agendas.push(instance);
      return instance;
    };

    it('runs each due job exactly once with two Agenda instances on one database', async () => {
      const ran: Array<{ id: string; by: string }> = [];
      const [a, b] = [agenda(open.backend, 'a'), agenda(await peer(), 'b')];
      for (const [instance, by] of [[a, 'a'], [b, 'b']] as const) {
        instance.define('work', async (j) => {
          ran.push({ id: String(j.attrs._id), by });
        });
      }
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push(String((await a.create('work', { i }).schedule(new Date(Date.now() - SECOND)).save()).attrs._id));
      await Promise.all([a.start(), b.start()]);
      await waitFor('every job ran', async () => (await repo.queryJobs({ name: 'work', state: 'completed' })).total === 30);
      expect(ran.map((r) => r.id).sort()).toEqual([...ids].sort());
    });

    it('hands a job whose lock expired to the other Agenda instance, and never runs a disabled one', async () => {
      const a = agenda(open.backend, 'a', 300);
      const b = agenda(await peer(), 'b', 300);
      const ranBy: string[] = [];
      let release!: () => void;
      const stuck = new Promise<void>((resolve) => (release = resolve));
      a.define('slow', async () => {
        ranBy.push('a');
        await stuck;
      });
      b.define('slow', async () => {
        ranBy.push('b');
      });
      b.define('gate', async () => {});
      await a.create('slow', {}).schedule(new Date(Date.now() - SECOND)).save();
      await a.start();
      await waitFor('a runs the job', () => ranBy.includes('a'));
      // Agenda A stops polling as if it died mid-run: its job keeps the lock until the lock expires.
      await a.stop(false);
      // Disabled and due before the enabled job of the same name: had it been lockable, it would run first.
      const off = await b.create('gate', { off: true }).schedule(new Date(Date.now() - 2 * SECOND)).disable().save();
      await b.create('gate', { off: false }).schedule(new Date(Date.now() - SECOND)).save();
      await b.start();
      await waitFor('b runs the job after a’s lock expired', () => ranBy.includes('b'), 10_000);
      await waitFor('the enabled gate job ran', async () => (await repo.queryJobs({ name: 'gate', state: 'completed' })).total === 1);
      expect((await repo.getJobById(String(off.attrs._id)))!.lastRunAt).toBeUndefined();
      release();
    });
  });
}
