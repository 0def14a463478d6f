import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSinkProcess, type SinkProcess } from './support/sink-process.js';
import { startTestHub, testDefinitions, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

let running: Array<TestHub | SinkProcess> = [];
afterEach(async () => {
  for (const thing of running.reverse()) await ('stop' in thing ? thing.stop('SIGKILL') : thing.close());
  running = [];
});

// Short leases; the hub tells sinks (sink.hello) to beat every 200 ms, well inside the lease.
const fastLeases = { leaseMs: 1000, heartbeatIntervalMs: 200, pollIntervalMs: 100 };

async function leaseHub(maxAttempts: number): Promise<TestHub> {
  const test = await startTestHub(fastLeases, {
    ...testDefinitions,
    eventTypes: [...(testDefinitions.eventTypes ?? []), { name: 'gate-retry', sinkType: 'TEST:NODE', action: 'gate', retry: { maxAttempts } }],
  });
  running.push(test);
  return test;
}

async function runningOn(test: TestHub, id: string, attempt: number) {
  return waitFor(`attempt ${attempt} RUNNING`, async () => {
    const e = await test.hub.getEvent(id);
    return e.state === 'RUNNING' && e.attempt === attempt ? e : undefined;
  }, 20_000);
}

describe('leases', () => {
  it('keeps a healthy sink’s lease alive with heartbeats, and re-runs the task on another sink after a SIGKILL', async () => {
    const test = await leaseHub(2);
    const first = await startSinkProcess(test.url, test.clientSecret, { name: 'first' });
    running.push(first);
    const gate = join(test.dir, 'gate');
    const fired = await test.hub.fire({ eventType: 'gate-retry', payload: { gate } });
    const held = await runningOn(test, fired.id, 1);

    // Three lease renewals in a row: the task outlives its 1 s lease several times over on attempt 1.
    let lease = held.leaseExpiresAt;
    for (let renewal = 0; renewal < 3; renewal++) {
      const renewed = await waitFor('a lease renewal', async () => {
        const e = await test.hub.getEvent(fired.id);
        return e.leaseExpiresAt !== lease ? e : undefined;
      });
      expect(renewed).toMatchObject({ state: 'RUNNING', attempt: 1, sinkId: held.sinkId });
      lease = renewed.leaseExpiresAt;
    }

    expect(await first.stop('SIGKILL')).toBeNull();
    const second = await startSinkProcess(test.url, test.clientSecret, { name: 'second' });
    running.push(second);
    const retried = await runningOn(test, fired.id, 2);
    expect(retried.sinkId).not.toBe(held.sinkId);
    writeFileSync(gate, '');
    const done = await test.hub.waitForEvent(fired.id, 20_000);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 2, sinkId: retried.sinkId });
  });

  it('ends the event ERROR with SINK_LOST when the retry policy allows no other attempt', async () => {
    const test = await leaseHub(1);
    const sink = await startSinkProcess(test.url, test.clientSecret);
    running.push(sink);
    const fired = await test.hub.fire({ eventType: 'gate-retry', payload: { gate: join(test.dir, 'never') } });
    await runningOn(test, fired.id, 1);
    await sink.stop('SIGKILL');
    const done = await test.hub.waitForEvent(fired.id, 20_000);
    expect(done).toMatchObject({ state: 'ERROR', attempt: 1, error: { code: 'SINK_LOST' } });
  });
});
