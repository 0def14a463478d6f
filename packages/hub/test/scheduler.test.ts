import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toNexomaticError } from '@nexomatic/client';
import { nextRun, tickKey, type TickData } from '@nexomatic/sources';
import { silentLogger, type EventRecord, type ScheduleDefinition } from '@nexomatic/core';
import { codeOf, tokenClient } from './support/api.js';
import { forceTick, pendingTick, tickJobs } from './support/schedule-ticks.js';
import { startTestHub, testDefinitions, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

let test: TestHub;
const warnings: Array<Record<string, unknown>> = [];
const schedule = (overrides: Partial<ScheduleDefinition> & { name: string }) => ({ eventType: 'echo', cron: '*/5 * * * *', ...overrides });

async function scheduled(): Promise<EventRecord[]> {
  return (await test.hub.listEvents({ sourceType: 'scheduler', limit: 1000 })).items;
}

/** Waits for the one event of a tick, by its idempotency key. */
function eventOf(name: string, tick: Date): Promise<EventRecord> {
  const key = tickKey(test.hub.tenantId, name, tick);
  return waitFor(`the event of ${name} at ${tick.toISOString()}`, async () => (await scheduled()).find((e) => e.idempotencyKey === key));
}

beforeAll(async () => {
  // A fast poll for due ticks, and a fast re-read of every Schedule (changes made past this hub).
  test = await startTestHub({ scheduler: { pollIntervalMs: 50, syncIntervalMs: 200 }, logger: { ...silentLogger, warn: (message, fields) => warnings.push({ message, ...fields }) } });
});

afterAll(async () => {
  await test?.close();
});

describe('the Scheduler source', () => {
  it('keeps the next tick of a new Schedule as an Agenda job in the hub’s store', async () => {
    const before = new Date();
    await test.hub.apply({ schedules: [schedule({ name: 'five', payload: { hello: 'world' } })] });
    const job = await pendingTick(test.hub, 'five');
    const data = job.data as TickData;
    expect(data).toMatchObject({ tenantId: test.hub.tenantId, schedule: 'five' });
    expect(job.nextRunAt!.toISOString()).toBe(data.tick);
    // The first run at or after the apply, on a 5-minute boundary.
    expect([nextRun('*/5 * * * *', 'UTC', before)!.toISOString(), nextRun('*/5 * * * *', 'UTC', new Date())!.toISOString()]).toContain(data.tick);
  });

  it('fires one event per tick through Agenda, with the Schedule’s payload and source, then keeps the next tick', async () => {
    const ticks = [new Date('2026-01-01T00:05:00Z'), new Date('2026-01-01T00:10:00Z'), new Date('2026-01-01T00:15:00Z')];
    for (const tick of ticks) {
      await forceTick(test.hub, 'five', tick);
      const event = await eventOf('five', tick);
      expect(event).toMatchObject({ eventType: 'echo', payload: { hello: 'world' }, source: { type: 'scheduler', id: 'five' }, pinnedSinkId: null });
      // The tick job is gone (done), and the next one is upcoming, in the future.
      await pendingTick(test.hub, 'five', (job) => job.nextRunAt!.getTime() > Date.now());
    }
    const five = (await scheduled()).filter((e) => e.source.id === 'five');
    expect(five.map((e) => e.idempotencyKey).sort()).toEqual(ticks.map((t) => tickKey(test.hub.tenantId, 'five', t)).sort());
  });

  it('takes a changed Schedule into account without a restart: new ticks, time zone and pinned sink', async () => {
    const sinkId = '6f1d2c3b-4a59-4c6d-8e7f-001122334455';
    await test.hub.apply({ schedules: [schedule({ name: 'five', cron: '30 9 * * *', timeZone: 'Asia/Tokyo', pinnedSinkId: sinkId, payload: { v: 2 } })] });
    // 09:30 in Tokyo is 00:30 UTC.
    const job = await pendingTick(test.hub, 'five', (_, data) => data.fingerprint.includes('Asia/Tokyo'));
    expect(job.nextRunAt!.toISOString()).toMatch(/T00:30:00\.000Z$/);
    expect((await tickJobs(test.hub, 'five')).filter((j) => j.nextRunAt !== null)).toHaveLength(1);
    const tick = new Date('2026-01-02T00:30:00Z');
    await forceTick(test.hub, 'five', tick, (_, data) => data.fingerprint.includes('Asia/Tokyo'));
    expect(await eventOf('five', tick)).toMatchObject({ pinnedSinkId: sinkId, payload: { v: 2 } });
  });

  it('stops firing a disabled Schedule, and does not fire the ticks it missed when enabled again', async () => {
    await test.hub.apply({ schedules: [schedule({ name: 'pausable' }), schedule({ name: 'witness' })] });
    await pendingTick(test.hub, 'witness');
    await pendingTick(test.hub, 'pausable');
    await test.hub.apply({ schedules: [schedule({ name: 'pausable', enabled: false })] });
    await pendingTick(test.hub, 'pausable', (job) => job.disabled === true);
    // The disabled tick is due before the witness’s: had Agenda been able to lock it, it would run first.
    const missed = new Date('2026-01-03T00:00:00Z');
    await forceTick(test.hub, 'pausable', missed);
    const witnessTick = new Date('2026-01-03T00:05:00Z');
    await forceTick(test.hub, 'witness', witnessTick);
    await eventOf('witness', witnessTick);
    await pendingTick(test.hub, 'witness', (job) => job.nextRunAt!.getTime() > Date.now());
    const key = tickKey(test.hub.tenantId, 'pausable', missed);
    expect((await scheduled()).some((e) => e.idempotencyKey === key)).toBe(false);

    await test.hub.apply({ schedules: [schedule({ name: 'pausable', enabled: true })] });
    const upcoming = await pendingTick(test.hub, 'pausable', (job) => job.disabled !== true && job.nextRunAt!.getTime() > Date.now());
    expect((upcoming.data as TickData).tick).not.toBe(missed.toISOString());
    expect((await tickJobs(test.hub, 'pausable')).some((j) => (j.data as TickData).tick === missed.toISOString())).toBe(false);
    expect((await scheduled()).some((e) => e.idempotencyKey === key)).toBe(false);
  });

  it('drops the ticks of a Schedule removed through another hub (the slow poll)', async () => {
    await test.hub.apply({ schedules: [schedule({ name: 'doomed' })] });
    await pendingTick(test.hub, 'doomed');
    // Straight in the store, as another hub on the same store would: this hub learns it by polling.
    expect(await test.hub.store.definitions.remove(test.hub.tenantId, 'schedule', 'doomed')).toBe(true);
    await waitFor('the ticks of the removed Schedule are gone', async () => (await tickJobs(test.hub, 'doomed')).length === 0);
  });

  it('keeps every tenant’s Schedules apart: ticks, events and keys carry the tenant', async () => {
    const other = await test.hub.createTenant({ name: 'scheduler-tenant-b' });
    await test.hub.apply(testDefinitions, other.id);
    await test.hub.apply({ schedules: [schedule({ name: 'five', payload: { tenant: 'b' } })] }, other.id);
    const job = await pendingTick(test.hub, 'five', (_, data) => data.tenantId === other.id);
    expect((job.data as TickData).fingerprint).toBe('*/5 * * * *|UTC');
    const tick = new Date('2026-01-04T00:05:00Z');
    await forceTick(test.hub, 'five', tick, (_, data) => data.tenantId === other.id);
    const key = tickKey(other.id, 'five', tick);
    const event = await waitFor('tenant B’s event', async () => (await test.hub.listEvents({ sourceType: 'scheduler' }, other.id)).items.find((e) => e.idempotencyKey === key));
    expect(event).toMatchObject({ tenantId: other.id, payload: { tenant: 'b' }, source: { type: 'scheduler', id: 'five' } });
    expect((await scheduled()).some((e) => e.idempotencyKey === key)).toBe(false);
  });

  it('refuses a Schedule of an Event Type that does not allow Source Type scheduler, naming the field', async () => {
    const applying = test.hub.apply({
      eventTypes: [{ name: 'client-only-too', sinkType: 'TEST:NODE', action: 'record', sourceTypes: ['client'] }],
      schedules: [schedule({ name: 'never', eventType: 'client-only-too' })],
    });
    await expect(applying).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/schedules\[0\]\.eventType: .*does not allow Source Type "scheduler"/) });
  });

  it('logs and drops a tick its Event Type refuses, and keeps the Schedule’s next tick', async () => {
    // Allowed when the Schedule was applied; the Event Type changed afterwards.
    await test.hub.apply({
      eventTypes: [{ name: 'client-only', sinkType: 'TEST:NODE', action: 'record', sourceTypes: ['client', 'scheduler'] }],
      schedules: [schedule({ name: 'refused', eventType: 'client-only' })],
    });
    await test.hub.apply({ eventTypes: [{ name: 'client-only', sinkType: 'TEST:NODE', action: 'record', sourceTypes: ['client'] }] });
    const tick = new Date('2026-01-05T00:05:00Z');
    await forceTick(test.hub, 'refused', tick);
    const warning = await waitFor('the warning', () => warnings.find((w) => w.schedule === 'refused'));
    expect(warning).toMatchObject({ tick: tick.toISOString(), retry: false, error: expect.stringMatching(/source type "scheduler"/) });
    // The failed tick is cleaned up by the next sync; the upcoming one stays.
    await waitFor('only the upcoming tick is left', async () => {
      const jobs = await tickJobs(test.hub, 'refused');
      return jobs.length === 1 && jobs[0]!.nextRunAt!.getTime() > Date.now();
    });
    expect((await scheduled()).some((e) => e.source.id === 'refused')).toBe(false);
  });

  it('retries a tick refused for back-pressure (QUEUE_FULL) with the same key, until its event is stored', async () => {
    await test.hub.apply({
      eventTypes: [{ name: 'capped', sinkType: 'TEST:NODE', action: 'record', limits: { maxQueued: 1 } }],
      schedules: [schedule({ name: 'capped', eventType: 'capped' })],
    });
    const blocker = await test.hub.fire({ eventType: 'capped' });
    const tick = new Date('2026-01-06T00:05:00Z');
    await forceTick(test.hub, 'capped', tick);
    await waitFor('the refused attempt', () => warnings.find((w) => w.schedule === 'capped' && w.retry === true));
    await test.hub.cancelEvent(blocker.id);
    const event = await eventOf('capped', tick);
    expect(event).toMatchObject({ eventType: 'capped', state: 'QUEUED' });
  });

  it('previews run times and lists Schedules with their next run, for a Viewer too', async () => {
    const viewer = tokenClient(test.url, (await test.hub.createToken({ role: 'Viewer', name: 'schedules-viewer' })).token);
    const preview = await viewer.schedules.preview.query({ cron: '0 9 * * 1-5', timeZone: 'Europe/Berlin', count: 3, from: '2026-03-26T12:00:00Z' });
    expect(preview.runs).toEqual(['2026-03-27T08:00:00.000Z', '2026-03-30T07:00:00.000Z', '2026-03-31T07:00:00.000Z']);
    await test.hub.apply({ schedules: [schedule({ name: 'off', enabled: false })] });
    const before = new Date();
    const list = await viewer.schedules.list.query();
    const after = new Date();
    const witness = list.find((s) => s.name === 'witness')!;
    expect(witness).toMatchObject({ cron: '*/5 * * * *', timeZone: 'UTC', enabled: true, eventType: 'echo' });
    expect([before, after].map((at) => nextRun('*/5 * * * *', 'UTC', at)!.toISOString())).toContain(witness.nextRun);
    expect(list.find((s) => s.name === 'off')).toMatchObject({ enabled: false, nextRun: null });
  });

  it('refuses an invalid cron expression or time zone with an error naming the field', async () => {
    const admin = tokenClient(test.url, (await test.hub.createToken({ role: 'Admin', name: 'schedules-admin' })).token);
    const bad = admin.schedules.preview.query({ cron: '61 * * * *' });
    expect(await codeOf(bad)).toBe('VALIDATION');
    expect(toNexomaticError(await bad.catch((e: unknown) => e)).message).toMatch(/\bcron\b.*minute value 61/);
    const zone = await admin.schedules.preview.query({ cron: '* * * * *', timeZone: 'Mars/Olympus_Mons' }).catch((e: unknown) => toNexomaticError(e));
    expect(zone).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/timeZone/) });
    const upsert = await admin.definitions.upsert
      .mutate({ schedules: [{ name: 'broken', eventType: 'echo', cron: '* * * *' }] })
      .catch((e: unknown) => toNexomaticError(e));
    expect(upsert).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('schedules[0].cron') });
    const badZone = await admin.definitions.upsert
      .mutate({ schedules: [{ name: 'broken', eventType: 'echo', cron: '* * * * *', timeZone: 'Europe/Atlantis' }] })
      .catch((e: unknown) => toNexomaticError(e));
    expect(badZone).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('schedules[0].timeZone') });
    expect(await test.hub.store.definitions.get(test.hub.tenantId, 'schedule', 'broken')).toBeNull();
  });
});
