/**
 * Two hubs on one store database, a real sink process connected to each: every event must run
 * exactly once (attempt 1) and chain its follow-on once. Used by the MongoDB suites, on a real
 * server and on the in-memory stand-in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createHub, type Hub } from '../../src/index.js';
import type { HubStore } from '../../src/store/port.js';
import { allEvents, resilienceDefinitions, runsByEvent } from './resilience.js';
import { startSinkProcess } from './sink-process.js';
import { waitFor } from './wait.js';

/** Opens one hub's store on the shared database; `dispose` closes it. */
export type SharedStoreOpener = () => Promise<{ store: HubStore; dispose(): Promise<unknown> }>;

/** Runs `count` events through two hubs sharing a database, and checks each ran once and chained once. */
export async function expectTwoHubsRunEachEventOnce(open: SharedStoreOpener, count = 120): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nexomatic-two-hubs-'));
  const cleanup: Array<() => Promise<unknown> | unknown> = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    const hubs: Hub[] = [];
    for (const name of ['a', 'b']) {
      const { store, dispose } = await open();
      cleanup.push(dispose);
      const hub = await createHub({ store, dataDir: join(dir, name), pollIntervalMs: 200 });
      cleanup.push(() => hub.close());
      hubs.push(hub);
    }
    const [a, b] = hubs as [Hub, Hub];
    await a.apply(resilienceDefinitions);
    const secret = await a.createClientSecret('TEST:NODE');
    for (const [i, hub] of hubs.entries()) {
      const { url } = await hub.listen(0);
      const sink = await startSinkProcess(url, secret, { concurrency: 4, name: `sink-${i}` });
      cleanup.push(() => sink.stop('SIGKILL'));
    }
    const log = join(dir, 'runs.log');
    const fired = await a.fireBatch(Array.from({ length: count }, (_, i) => ({ eventType: 'res-work', payload: { i, log, ms: 50 } })));
    await waitFor(
      'every event to finish',
      async () => (await allEvents((q) => b.listEvents(q), { eventType: 'res-work', state: 'SUCCESS' })).length === fired.length,
      90_000,
    );
    const runs = runsByEvent(log);
    expect(runs.size).toBe(fired.length);
    expect([...runs.values()].every((list) => list.length === 1 && list[0]!.attempt === 1)).toBe(true);
    // Both sinks worked, each connected to its own hub.
    expect(new Set([...runs.values()].map((list) => list[0]!.agentPid)).size).toBe(2);
    const parked = await allEvents((q) => a.listEvents(q), { eventType: 'res-parked' });
    expect(parked).toHaveLength(fired.length);
    expect(new Set(parked.map((event) => event.parentEventId)).size).toBe(fired.length);
  } finally {
    for (const step of cleanup.reverse()) await step();
  }
}
