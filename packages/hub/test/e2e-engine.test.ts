import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '@nexomatic/client';
import type { DefinitionsInput, EventRecord } from '@nexomatic/core';
import { startSinkProcess, type SinkProcess } from './support/sink-process.js';
import { startTestHub, testDefinitions, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

let running: Array<TestHub | SinkProcess> = [];
afterEach(async () => {
  for (const thing of running.reverse()) await ('stop' in thing ? thing.stop('SIGKILL') : thing.close());
  running = [];
});

const engineDefinitions: DefinitionsInput = {
  ...testDefinitions,
  actions: [...(testDefinitions.actions ?? []), { name: 'flaky', module: 'e2e.flaky' }, { name: 'pace', module: 'e2e.pace' }],
  eventTypes: [
    ...(testDefinitions.eventTypes ?? []),
    { name: 'flaky', sinkType: 'TEST:NODE', action: 'flaky', retry: { maxAttempts: 3, backoff: { initialMs: 300, factor: 2, jitter: 0 } } },
    { name: 'slow-gate', sinkType: 'TEST:NODE', action: 'gate', timeoutMs: 800 },
    { name: 'bounded', sinkType: 'TEST:NODE', action: 'echo', limits: { maxQueued: 3 } },
    { name: 'paced', sinkType: 'TEST:NODE', action: 'pace', limits: { rate: { limit: 2, intervalMs: 1000 } } },
    { name: 'pace', sinkType: 'TEST:NODE', action: 'pace' },
  ],
};

async function engineHub(options = {}): Promise<TestHub> {
  const test = await startTestHub({ pollIntervalMs: 100, ...options }, engineDefinitions);
  running.push(test);
  return test;
}

async function withSink(test: TestHub, concurrency = 4): Promise<SinkProcess> {
  const sink = await startSinkProcess(test.url, test.clientSecret, { concurrency });
  running.push(sink);
  return sink;
}

const attemptsIn = (file: string) =>
  readFileSync(file, 'utf8').trim().split('\n').map((line) => line.split(' ').map(Number) as [number, number]);

describe('the dispatch engine', () => {
  it('retries a failing module with exponential backoff until it succeeds', async () => {
    const test = await engineHub();
    await withSink(test);
    const log = join(test.dir, 'flaky.log');
    const fired = await test.hub.fire({ eventType: 'flaky', payload: { log, succeedOn: 3 } });
    const done = await test.hub.waitForEvent(fired.id, 20_000);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 3, result: { attempt: 3 } });
    const starts = attemptsIn(log);
    expect(starts.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
    // Backoff 300 ms then 600 ms (no jitter); the gaps include the module's own run time.
    expect(starts[1]![1] - starts[0]![1]).toBeGreaterThanOrEqual(300);
    expect(starts[2]![1] - starts[1]![1]).toBeGreaterThanOrEqual(600);
  });

  it('ends the event ERROR after maxAttempts, and at once for an error the module marked non-retryable', async () => {
    const test = await engineHub();
    await withSink(test);
    const exhausted = await test.hub.fire({ eventType: 'flaky', payload: { log: join(test.dir, 'a.log'), succeedOn: 99 } });
    const refused = await test.hub.fire({ eventType: 'flaky', payload: { log: join(test.dir, 'b.log'), succeedOn: 99, retryable: false } });
    expect(await test.hub.waitForEvent(exhausted.id, 20_000)).toMatchObject({ state: 'ERROR', attempt: 3, error: { code: 'FLAKY' } });
    expect(await test.hub.waitForEvent(refused.id, 20_000)).toMatchObject({ state: 'ERROR', attempt: 1, error: { code: 'FLAKY', retryable: false } });
    expect(attemptsIn(join(test.dir, 'b.log'))).toHaveLength(1);
  });

  it('times out a task that runs past its Event Type’s timeout, and a per-event override wins', async () => {
    const test = await engineHub();
    await withSink(test);
    const stuck = await test.hub.fire({ eventType: 'slow-gate', payload: { gate: join(test.dir, 'never') } });
    const done = await test.hub.waitForEvent(stuck.id, 20_000);
    expect(done).toMatchObject({ state: 'ERROR', attempt: 1, error: { code: 'TIMEOUT' } });
    expect(Date.parse(done.finishedAt!) - Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(800);
    const patient = await test.hub.fire({ eventType: 'gate', payload: { gate: join(test.dir, 'never2') }, timeoutMs: 500 });
    expect(await test.hub.waitForEvent(patient.id, 20_000)).toMatchObject({ state: 'ERROR', error: { code: 'TIMEOUT' } });
  });

  it('refuses a fire past maxQueued with QUEUE_FULL and accepts nothing of that batch', async () => {
    const test = await engineHub();
    const client = createClient({ url: test.url, token: (await test.hub.createToken({ role: 'Admin', name: 'q' })).token });
    await client.fireBatch([1, 2].map((n) => ({ eventType: 'bounded', payload: { n } })));
    await expect(client.fireBatch([3, 4].map((n) => ({ eventType: 'bounded', payload: { n } })))).rejects.toMatchObject({
      code: 'QUEUE_FULL',
      message: expect.stringContaining('bounded'),
    });
    expect((await test.hub.listEvents({ eventType: 'bounded' })).items).toHaveLength(2);
    await client.fire({ eventType: 'bounded', payload: { n: 3 } });
    await expect(client.fire({ eventType: 'bounded', payload: { n: 4 } })).rejects.toMatchObject({ code: 'QUEUE_FULL' });
  });

  it('returns the existing event for a repeated idempotency key', async () => {
    const test = await engineHub();
    const key = randomUUID();
    const first = await test.hub.fire({ eventType: 'echo', payload: { n: 1 }, idempotencyKey: key });
    const again = await test.hub.fire({ eventType: 'echo', payload: { n: 2 }, idempotencyKey: key });
    expect(again.id).toBe(first.id);
    expect(again.payload).toEqual({ n: 1 });
    expect((await test.hub.listEvents({ eventType: 'echo' })).items).toHaveLength(1);
  });

  it('dispatches no faster than an Event Type’s rate limit', async () => {
    const test = await engineHub();
    await withSink(test, 8);
    const events = await test.hub.fireBatch(Array.from({ length: 6 }, (_, n) => ({ eventType: 'paced', payload: { n, ms: 1 } })));
    const done = await Promise.all(events.map((e) => test.hub.waitForEvent(e.id, 20_000)));
    const starts = done.map((e) => Date.parse(e.startedAt!)).sort((a, b) => a - b);
    // 2 at once, then 2 per second: the sixth starts at least ~2 s after the first.
    expect(starts[5]! - starts[0]!).toBeGreaterThanOrEqual(1800);
    for (const start of starts) expect(starts.filter((s) => s >= start && s < start + 1000).length).toBeLessThanOrEqual(4);
  });

  it('keeps one tenant’s backlog from starving another tenant', async () => {
    const test = await engineHub();
    const other = randomUUID();
    await test.hub.store.identities.createTenant({ id: other, name: 'other', enforceNodeAuth: false, createdAt: new Date().toISOString() });
    await test.hub.apply(engineDefinitions, other);
    const backlog = await test.hub.fireBatch(Array.from({ length: 150 }, (_, n) => ({ eventType: 'pace', payload: { n, ms: 5 } })));
    const late = await test.hub.fireBatch(Array.from({ length: 10 }, (_, n) => ({ eventType: 'pace', payload: { n, ms: 5 } })), other);
    await withSink(test, 2);
    const all: EventRecord[] = await Promise.all([
      ...backlog.map((e) => test.hub.waitForEvent(e.id, 30_000)),
      ...late.map((e) => test.hub.waitForEvent(e.id, 30_000, other)),
    ]);
    const order = all.sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!)).map((e) => e.tenantId);
    const lastOfOther = order.lastIndexOf(other);
    // Round-robin between tenants: the other tenant's 10 run among the first ~20 starts, not after 150.
    expect(lastOfOther).toBeLessThan(40);
  });

  it('holds an event with notBefore until its time', async () => {
    const test = await engineHub();
    await withSink(test);
    const notBefore = new Date(Date.now() + 800).toISOString();
    const fired = await test.hub.fire({ eventType: 'echo', payload: {}, notBefore });
    const done = await test.hub.waitForEvent(fired.id, 20_000);
    expect(done.state).toBe('SUCCESS');
    expect(Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(Date.parse(notBefore));
  });

  it('cancels a QUEUED event, refuses to cancel a running one, and re-runs a finished one', async () => {
    const test = await engineHub();
    const client = createClient({ url: test.url, token: (await test.hub.createToken({ role: 'Admin', name: 'ops' })).token });
    const queued = await client.fire({ eventType: 'echo', payload: { n: 1 } });
    expect(await client.events.cancel(queued.id)).toMatchObject({ state: 'ERROR', error: { code: 'CANCELLED' } });
    await expect(client.events.cancel(queued.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(client.events.cancel(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.events.rerun(queued.id)).resolves.toMatchObject({ state: 'QUEUED', rerunOf: queued.id });

    await withSink(test);
    const gate = join(test.dir, 'gate');
    const busy = await client.fire({ eventType: 'gate', payload: { gate } });
    await waitFor('RUNNING', async () => ((await client.events.get(busy.id)).state === 'RUNNING' ? true : undefined));
    await expect(client.events.cancel(busy.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(client.events.rerun(busy.id)).rejects.toMatchObject({ code: 'CONFLICT' });

    const original = await client.fire({ eventType: 'echo', payload: { n: 2 } });
    await client.events.wait(original.id, 20_000);
    const rerun = await client.events.rerun(original.id);
    expect(rerun).toMatchObject({ rerunOf: original.id, payload: { n: 2 }, parentEventId: null });
    expect(rerun.id).not.toBe(original.id);
    expect(await client.events.wait(rerun.id, 20_000)).toMatchObject({ state: 'SUCCESS', result: { echoed: { n: 2 } } });
  });
});
