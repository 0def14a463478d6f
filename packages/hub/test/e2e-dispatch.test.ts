import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '@nexomatic/client';
import { startSinkProcess, type SinkProcess } from './support/sink-process.js';
import { startTestHub, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

let running: Array<TestHub | SinkProcess> = [];
afterEach(async () => {
  for (const thing of running.reverse()) await ('stop' in thing ? thing.stop() : thing.close());
  running = [];
});

async function hubAndSink(concurrency = 4) {
  const test = await startTestHub();
  running.push(test);
  const sink = await startSinkProcess(test.url, test.clientSecret, { concurrency });
  running.push(sink);
  const token = (await test.hub.createToken({ role: 'Admin', name: 'test' })).token;
  return { test, sink, client: createClient({ url: test.url, token }) };
}

describe('end to end: a real hub, a real nexomatic-sink process, real modules', () => {
  it('moves an event fired through the API from QUEUED to RUNNING to SUCCESS and stores the result', async () => {
    const { test, client } = await hubAndSink();
    const gate = join(test.dir, 'gate-open');
    const fired = await client.fire({ eventType: 'gate', payload: { gate } });
    expect(fired.state).toBe('QUEUED');
    expect(fired.attempt).toBe(0);

    const running = await waitFor('RUNNING', async () => {
      const e = await client.events.get(fired.id);
      return e.state === 'RUNNING' ? e : undefined;
    });
    expect(running.attempt).toBe(1);
    expect(running.sinkId).toMatch(/^[0-9a-f-]{36}$/);
    expect(running.leaseExpiresAt).not.toBeNull();

    writeFileSync(gate, '');
    const done = await client.events.wait(fired.id, 20_000);
    expect(done.state).toBe('SUCCESS');
    expect(done.result).toEqual({ opened: gate });
    expect(done.finishedAt).not.toBeNull();
    const sinks = await client.sinks.list();
    expect(sinks.map((s) => [s.name, s.status])).toContainEqual(['test-sink', 'ONLINE']);
  });

  it('passes payload and STATIC/DATA parameters to the module and stores its structured logs', async () => {
    const { test, client } = await hubAndSink();
    await test.hub.apply({
      actions: [
        {
          name: 'echo-params',
          module: 'e2e.echo',
          parameters: [
            { name: 'region', type: 'STATIC', value: 'eu' },
            { name: 'orderId', type: 'DATA', path: 'order.id' },
          ],
        },
      ],
      eventTypes: [
        {
          name: 'echo-params',
          sinkType: 'TEST:NODE',
          action: 'echo-params',
          parameters: [{ name: 'region', type: 'STATIC', value: 'us' }],
        },
      ],
    });
    const fired = await client.fire({ eventType: 'echo-params', payload: { order: { id: 'A-7' } } });
    const done = await client.events.wait(fired.id, 20_000);
    expect(done.state).toBe('SUCCESS');
    // Event Type parameters win over Action parameters of the same name.
    expect(done.result).toEqual({ echoed: { order: { id: 'A-7' } }, params: { region: 'us', orderId: 'A-7' } });
    const logs = await waitFor('the log record', async () => {
      const records = await client.events.logs(fired.id);
      return records.length > 0 ? records : undefined;
    });
    expect(logs[0]).toMatchObject({ eventId: fired.id, attempt: 1, level: 'info', message: 'echo', stream: 'log' });
  });

  it('ends an event ERROR with PARAM_MISSING before dispatch when a DATA path is absent', async () => {
    const { test, client } = await hubAndSink();
    await test.hub.apply({
      actions: [{ name: 'needs-id', module: 'e2e.echo', parameters: [{ name: 'id', type: 'DATA', path: 'order.id' }] }],
      eventTypes: [{ name: 'needs-id', sinkType: 'TEST:NODE', action: 'needs-id' }],
    });
    const fired = await client.fire({ eventType: 'needs-id', payload: { order: {} } });
    const done = await client.events.wait(fired.id, 20_000);
    expect(done.state).toBe('ERROR');
    expect(done.error).toMatchObject({ code: 'PARAM_MISSING' });
    expect(done.error?.message).toContain('order.id');
  });

  it('keeps events of a Sink Type with no connected sink QUEUED, then drains them when one connects', async () => {
    const test = await startTestHub({ starvationWarningMs: 1000 });
    running.push(test);
    const events = await test.hub.fireBatch(Array.from({ length: 20 }, (_, i) => ({ eventType: 'echo', payload: { i } })));
    // The hub says so when events wait past the threshold with no sink online.
    const starving = await waitFor('the hub to report the starving Sink Type', async () => {
      const list = await test.hub.starving();
      return list.length > 0 ? list : undefined;
    });
    expect(starving).toEqual([{ sinkType: 'TEST:NODE', count: 20 }]);
    const counts = await test.hub.store.events.countByState(test.hub.tenantId);
    expect(counts.QUEUED).toBe(20);
    expect(counts.RUNNING).toBe(0);

    running.push(await startSinkProcess(test.url, test.clientSecret, { concurrency: 3 }));
    const finished = await Promise.all(events.map((e) => test.hub.waitForEvent(e.id, 30_000)));
    expect(finished.map((e) => e.state)).toEqual(Array(20).fill('SUCCESS'));
    expect(finished.map((e) => (e.result as { echoed: { i: number } }).echoed.i)).toEqual(events.map((_, i) => i));
  });

  it('chains On Success with the result as the follow-on payload, linked to its parent', async () => {
    const { test } = await hubAndSink();
    const first = await test.hub.fire({ eventType: 'echo', payload: { orderId: 'C-1' } });
    const done = await test.hub.waitForEvent(first.id, 20_000);
    expect(done.state).toBe('SUCCESS');
    const followOn = await waitFor('the follow-on', async () => {
      const page = await test.hub.listEvents({ parentEventId: first.id });
      return page.items[0];
    });
    expect(followOn.eventType).toBe('after-echo');
    expect(followOn.payload).toEqual(done.result);
    expect(followOn).toMatchObject({ parentEventId: first.id, rootEventId: first.id, chainDepth: 1 });
    const finished = await test.hub.waitForEvent(followOn.id, 20_000);
    expect(finished.state).toBe('SUCCESS');
    expect((await test.hub.listEvents({ rootEventId: first.id })).items).toHaveLength(2);
  });

  it('chains On Failure with the error and the failed event as the follow-on payload', async () => {
    const { test } = await hubAndSink();
    const first = await test.hub.fire({ eventType: 'fail', payload: { reason: 'testing' } });
    const done = await test.hub.waitForEvent(first.id, 20_000);
    expect(done.state).toBe('ERROR');
    expect(done.error).toMatchObject({ code: 'REFUSED', message: 'refused testing' });
    const followOn = await waitFor('the failure follow-on', async () => (await test.hub.listEvents({ parentEventId: first.id })).items[0]);
    expect(followOn.eventType).toBe('after-failure');
    expect(followOn.payload).toMatchObject({
      error: { code: 'REFUSED', message: 'refused testing' },
      failedEvent: { id: first.id, eventType: 'fail', attempt: 1, payload: { reason: 'testing' } },
    });
    expect(followOn.chainDepth).toBe(1);
  });

  it('ends a looping chain at maxChainDepth with a CHAIN_TOO_DEEP event', async () => {
    const test = await startTestHub({ maxChainDepth: 3 });
    running.push(test);
    await test.hub.apply({
      actions: [{ name: 'loop', module: 'e2e.echo', onSuccess: 'loop' }],
      eventTypes: [{ name: 'loop', sinkType: 'TEST:NODE', action: 'loop' }],
    });
    running.push(await startSinkProcess(test.url, test.clientSecret));
    const root = await test.hub.fire({ eventType: 'loop', payload: { n: 0 } });
    const chain = await waitFor('the chain to end', async () => {
      const items = (await test.hub.listEvents({ rootEventId: root.id })).items.reverse();
      return items.length === 5 && items.every((e) => e.state !== 'QUEUED' && e.state !== 'RUNNING') ? items : undefined;
    }, 30_000);
    expect(chain.map((e) => [e.chainDepth, e.state])).toEqual([
      [0, 'SUCCESS'],
      [1, 'SUCCESS'],
      [2, 'SUCCESS'],
      [3, 'SUCCESS'],
      [4, 'ERROR'],
    ]);
    expect(chain[4]!.error).toMatchObject({ code: 'CHAIN_TOO_DEEP' });
    expect(chain[4]!.attempt).toBe(0);
  });

  it('ends an oversized result ERROR RESULT_TOO_LARGE, and the sink keeps working', async () => {
    const { test } = await hubAndSink();
    await test.hub.apply({
      actions: [{ name: 'huge', module: 'e2e.huge' }],
      eventTypes: [{ name: 'huge', sinkType: 'TEST:NODE', action: 'huge', retry: { maxAttempts: 3 } }],
    });
    const huge = await test.hub.fire({ eventType: 'huge', payload: { mb: 5 } });
    expect(await test.hub.waitForEvent(huge.id, 20_000)).toMatchObject({ state: 'ERROR', attempt: 1, error: { code: 'RESULT_TOO_LARGE' } });
    const next = await test.hub.fire({ eventType: 'echo', payload: { after: 'huge' } });
    expect(await test.hub.waitForEvent(next.id, 20_000)).toMatchObject({ state: 'SUCCESS' });
  });
});
