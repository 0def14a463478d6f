import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { HubMessage } from '@nexomatic/core';
import { sinkClient } from './support/raw-sink.js';
import { startTestHub, testDefinitions, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** A "sink" that registers and takes tasks but never reports: it records what the hub sends it. */
function muteSink(test: TestHub, received: HubMessage[]) {
  const { client, ws: wsClient } = sinkClient(test.url, test.clientSecret);
  const subscription = client.sink.tasks.subscribe(
    { sinkId: randomUUID(), name: 'mute', version: '0', runtimes: ['node'], modules: [], concurrency: 2 },
    { onData: ({ data }) => received.push(data as HubMessage) },
  );
  cleanup.push(async () => {
    subscription.unsubscribe();
    await wsClient.close();
  });
}

describe('the hub’s own timeout backstop', () => {
  it('settles a task whose sink never reports as TIMEOUT after the grace, and tells the sink to kill it', async () => {
    const test = await startTestHub(
      { pollIntervalMs: 100, timeoutGraceMs: 200 },
      { ...testDefinitions, eventTypes: [...(testDefinitions.eventTypes ?? []), { name: 'short', sinkType: 'TEST:NODE', action: 'echo', timeoutMs: 300 }] },
    );
    cleanup.push(() => test.close());
    const received: HubMessage[] = [];
    muteSink(test, received);
    const fired = await test.hub.fire({ eventType: 'short', payload: {} });
    const done = await test.hub.waitForEvent(fired.id, 10_000);
    expect(done).toMatchObject({ state: 'ERROR', attempt: 1, error: { code: 'TIMEOUT' } });
    expect(Date.parse(done.finishedAt!) - Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(500);
    await waitFor('the cancel message', () => received.find((m) => m.kind === 'cancel'));
    const forThisEvent = received.filter((m) => (m.kind === 'task' ? m.task.eventId : m.kind === 'cancel' ? m.eventId : null) === fired.id);
    expect(forThisEvent.map((m) => m.kind)).toEqual(['task', 'cancel']);
    expect(forThisEvent[1]).toEqual({ kind: 'cancel', eventId: fired.id, attempt: 1, reason: 'TIMEOUT' });
  });
});

describe('tenant limits', () => {
  it('refuses fires past the tenant’s maxQueued across its Event Types', async () => {
    const test = await startTestHub({ tenantLimits: { maxQueued: 3 } });
    cleanup.push(() => test.close());
    await test.hub.fireBatch([{ eventType: 'echo' }, { eventType: 'gate', payload: { gate: '/' } }]);
    await expect(test.hub.fireBatch([{ eventType: 'echo' }, { eventType: 'fail' }])).rejects.toMatchObject({
      code: 'QUEUE_FULL',
      message: expect.stringContaining('tenant'),
    });
    await test.hub.fire({ eventType: 'fail' });
    expect((await test.hub.store.events.countByState(test.hub.tenantId)).QUEUED).toBe(3);
  });
});
