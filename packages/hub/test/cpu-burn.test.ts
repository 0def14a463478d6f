import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fastLeases, resilienceDefinitions, runsByEvent } from './support/resilience.js';
import { startSinkProcess, type SinkProcess } from './support/sink-process.js';
import { startTestHub, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

let running: Array<TestHub | SinkProcess> = [];
afterEach(async () => {
  for (const thing of running.reverse()) await ('stop' in thing ? thing.stop('SIGKILL') : thing.close());
  running = [];
});

describe('a module that burns CPU', () => {
  it('keeps its lease for three lease lengths of busy loop and ends SUCCESS on attempt 1', { timeout: 60_000 }, async () => {
    // leaseMs 1000, heartbeatIntervalMs 200; the Event Type allows one attempt, so a lost lease
    // would show as ERROR SINK_LOST rather than a quiet retry.
    const test = await startTestHub(fastLeases, resilienceDefinitions);
    running.push(test);
    running.push(await startSinkProcess(test.url, test.clientSecret, { name: 'burner', concurrency: 1 }));
    const burnMs = 3 * fastLeases.leaseMs;
    const log = join(test.dir, 'runs.log');
    const fired = await test.hub.fire({ eventType: 'res-burn', payload: { ms: burnMs, log } });

    // While the loop spins, the lease keeps moving forward.
    const held = await waitFor('the burn to start', async () => {
      const e = await test.hub.getEvent(fired.id);
      return e.state === 'RUNNING' && runsByEvent(log).has(fired.id) ? e : undefined;
    });
    const renewed = await waitFor('a lease renewal during the burn', async () => {
      const e = await test.hub.getEvent(fired.id);
      return e.state !== 'RUNNING' || e.leaseExpiresAt !== held.leaseExpiresAt ? e : undefined;
    });
    expect(renewed).toMatchObject({ state: 'RUNNING', attempt: 1, sinkId: held.sinkId });

    const done = await test.hub.waitForEvent(fired.id, 30_000);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 1, sinkId: held.sinkId, result: { burnedMs: burnMs, spun: true } });
    expect(new Date(done.finishedAt!).getTime() - new Date(done.startedAt!).getTime()).toBeGreaterThanOrEqual(burnMs);
    expect(runsByEvent(log).get(fired.id)).toHaveLength(1);
  });
});
