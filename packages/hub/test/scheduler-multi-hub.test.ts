import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickKey, TICK_JOB, type TickData } from '@nexomatic/sources';
import type { EventRecord, LogFields, Logger } from '@nexomatic/core';
import { createHub, type Hub } from '../src/index.js';
import { forceTick, pendingTick, tickJobs } from './support/schedule-ticks.js';
import { startTestHub, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

/** Every "fired a Schedule tick" line either hub logged, with the hub that logged it. */
const fired: Array<{ hub: string; tick: string; eventId: string }> = [];
function capture(hub: string): Logger {
  const record = (message: string, fields?: LogFields) => {
    if (message === 'scheduler: fired a Schedule tick') fired.push({ hub, tick: String(fields?.tick), eventId: String(fields?.eventId) });
  };
  return { debug: record, info: record, warn: record, error: record };
}

let a: TestHub;
let b: Hub;
const scheduler = { pollIntervalMs: 50, syncIntervalMs: 200 };

async function events(): Promise<EventRecord[]> {
  return (await a.hub.listEvents({ sourceType: 'scheduler', limit: 1000 })).items.filter((e) => e.source.id === 'shared');
}

beforeAll(async () => {
  a = await startTestHub({ scheduler, logger: capture('a') });
  // A second hub on the same SQLite file, as two instances of one service would run.
  b = await createHub({ dataDir: a.dir, pollIntervalMs: 200, scheduler, logger: capture('b') });
});

afterAll(async () => {
  await b?.close();
  await a?.close();
});

describe('the Scheduler with two hubs on one store', () => {
  it('fires each tick exactly once: one hub runs it, one event is stored', async () => {
    await a.hub.apply({ schedules: [{ name: 'shared', eventType: 'echo', cron: '*/5 * * * *' }] });
    await pendingTick(a.hub, 'shared');
    const ticks = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2026, 0, 1, 0, 5 * (i + 1))));
    for (const tick of ticks) {
      await forceTick(a.hub, 'shared', tick);
      await waitFor(`the event of ${tick.toISOString()}`, async () => (await events()).some((e) => e.idempotencyKey === tickKey(a.hub.tenantId, 'shared', tick)));
      await pendingTick(a.hub, 'shared', (job) => job.nextRunAt!.getTime() > Date.now());
    }
    // Both hubs saw the same upcoming tick: there is one, not one per hub.
    expect((await tickJobs(b, 'shared')).filter((job) => job.nextRunAt !== null)).toHaveLength(1);
    const stored = await events();
    expect(stored.map((e) => e.idempotencyKey).sort()).toEqual(ticks.map((t) => tickKey(a.hub.tenantId, 'shared', t)).sort());
    // Agenda's lock gave each tick to one hub: each was fired once, not fired twice and de-duplicated.
    const runs = fired.filter((f) => ticks.some((t) => t.toISOString() === f.tick)); console.log(runs.map(r=>r.hub).join(''));
    expect(runs.map((f) => f.tick).sort()).toEqual(ticks.map((t) => t.toISOString()).sort());
  });

  it('makes one event of a tick that runs twice (two tick jobs for one tick)', async () => {
    const tick = new Date('2026-02-01T00:00:00Z');
    const job = await pendingTick(a.hub, 'shared', (j) => j.nextRunAt!.getTime() > Date.now());
    const data: TickData = { ...(job.data as TickData), tick: tick.toISOString() };
    // A second job for the same tick, saved without its unique key: both hubs may run both.
    const repository = b.store.schedulerBackend().repository;
    await repository.saveJob({ name: TICK_JOB, priority: 0, type: 'normal', nextRunAt: tick, data }, undefined);
    await forceTick(a.hub, 'shared', tick);
    const ran = await waitFor('both tick jobs ran', () => {
      const runs = fired.filter((f) => f.tick === tick.toISOString());
      return runs.length === 2 ? runs : undefined;
    });
    expect(ran[0]!.eventId).toBe(ran[1]!.eventId);
    expect((await events()).filter((e) => e.idempotencyKey === tickKey(a.hub.tenantId, 'shared', tick))).toHaveLength(1);
  });

  it('applies a change made through one hub in the other’s ticks', async () => {
    await b.apply({ schedules: [{ name: 'shared', eventType: 'echo', cron: '0 12 * * *', timeZone: 'Europe/Berlin', payload: { from: 'b' } }] });
    await pendingTick(a.hub, 'shared', (_, data) => data.fingerprint === '0 12 * * *|Europe/Berlin');
    expect((await tickJobs(a.hub, 'shared')).filter((job) => job.nextRunAt !== null)).toHaveLength(1);
    const tick = new Date('2026-03-01T11:00:00Z');
    await forceTick(a.hub, 'shared', tick, (_, data) => data.fingerprint.includes('Europe/Berlin'));
    const event = await waitFor('the event of the changed Schedule', async () =>
      (await events()).find((e) => e.idempotencyKey === tickKey(a.hub.tenantId, 'shared', tick)),
    );
    expect(event.payload).toEqual({ from: 'b' });
  });
});
