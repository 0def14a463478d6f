import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventRecord } from '@nexomatic/core';
import { startSink, type Sink } from '@nexomatic/sink';
import { createHub, type Hub } from '../src/index.js';
import { allEvents, resilienceDefinitions, runsByEvent, tally } from './support/resilience.js';
import { MODULES } from './support/sink-process.js';
import { startTcpProxy } from './support/tcp-proxy.js';
import { startTestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
});

const EVENTS = 40;
const CONCURRENCY = 4;
/** Each task takes this long, so several run at any moment and some finish while cut off. */
const TASK_MS = 150;

/**
 * A hub mounted on a server the test owns, which remembers every upgraded socket so the test can
 * cut the sinks' connections from the hub side, as a network failure would, without stopping the
 * hub. After a cut the "network" stays down (new upgrades are dropped) until `heal()`.
 */
async function hubWithCuttableSockets(): Promise<{
  hub: Hub;
  url: string;
  dir: string;
  upgrades: () => number;
  cut: () => number;
  heal: () => void;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'nexomatic-socket-drop-'));
  // Leases far longer than a reconnect: the sink's tasks must survive the drop on attempt 1.
  const hub = await createHub({ dataDir: dir, leaseMs: 5000, heartbeatIntervalMs: 500, pollIntervalMs: 100 });
  await hub.apply(resilienceDefinitions);
  const server: Server = createServer(hub.handler);
  hub.attach(server);
  const sockets = new Set<Duplex>();
  let upgrades = 0;
  let down = false;
  server.on('upgrade', (_req, socket: Duplex) => {
    if (down) {
      socket.destroy();
      return;
    }
    upgrades += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(async () => {
    for (const socket of sockets) socket.destroy();
    await hub.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    hub,
    dir,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    upgrades: () => upgrades,
    heal: () => {
      down = false;
    },
    cut: () => {
      down = true;
      const count = sockets.size;
      for (const socket of sockets) socket.destroy();
      return count;
    },
  };
}

/** An in-process sink, with counters of what it did. */
async function watchedSink(hubUrl: string, clientSecret: string) {
  const sink: Sink = await startSink({
    hubUrl,
    clientId: 'TEST:NODE',
    clientSecret,
    modules: [MODULES],
    concurrency: CONCURRENCY,
    name: 'cut-off',
    drainTimeoutMs: 2000,
  });
  cleanup.push(() => sink.close());
  const seen = { onlines: 0, results: 0, mostAtOnce: 0 };
  sink.on('online', () => (seen.onlines += 1));
  sink.on('result', () => (seen.results += 1));
  sink.on('task', () => (seen.mostAtOnce = Math.max(seen.mostAtOnce, sink.runningTasks)));
  return { sink, seen };
}

/** What must hold once every event finished: nothing lost, nothing run or completed twice. */
async function expectExactlyOnce(hub: Hub, fired: EventRecord[], log: string, sink: Sink, seen: { results: number; mostAtOnce: number }) {
  const finished = await Promise.all(fired.map((e) => hub.waitForEvent(e.id, 40_000)));
  // Nothing lost, and the drops cost no attempt: every event SUCCESS on attempt 1.
  expect(tally(finished, (e) => `${e.state} attempt ${e.attempt}`)).toEqual({ 'SUCCESS attempt 1': fired.length });
  // Each event's module ran exactly once: re-sent tasks were recognised, not run again.
  const runs = runsByEvent(log);
  expect(fired.filter((e) => runs.get(e.id)?.length !== 1).map((e) => [e.id, runs.get(e.id) ?? []])).toEqual([]);
  expect(seen.results).toBe(fired.length);
  // Each SUCCESS applied exactly once: one follow-on per event.
  const followOns = await allEvents((q) => hub.listEvents(q), { eventType: 'res-parked' });
  expect(tally(followOns, (e) => e.parentEventId ?? 'none')).toEqual(Object.fromEntries(fired.map((e) => [e.id, 1])));
  // Credits held across reconnects: the sink never had more tasks than its concurrency.
  expect(seen.mostAtOnce).toBeLessThanOrEqual(CONCURRENCY);
  expect((await hub.store.sinks.get(sink.sinkId))?.status).toBe('ONLINE');
}

describe('a sink whose socket drops mid-work', () => {
  it('reconnects, gets back what it holds, loses nothing and runs and completes each event exactly once', { timeout: 60_000 }, async () => {
    const DROPS = 3;
    const { hub, url, dir, upgrades, cut, heal } = await hubWithCuttableSockets();
    const { sink, seen } = await watchedSink(url, await hub.createClientSecret('TEST:NODE'));
    const log = join(dir, 'runs.log');
    const fired = await hub.fireBatch(Array.from({ length: EVENTS }, (_, i) => ({ eventType: 'res-work', payload: { i, log, ms: TASK_MS } })));

    for (let drop = 1; drop <= DROPS; drop++) {
      // Cut while tasks run on the sink, a few tasks apart from the previous cut.
      const after = seen.results;
      await waitFor(`tasks running before cut ${drop}`, () =>
        sink.status === 'ONLINE' && sink.runningTasks > 0 && seen.results >= after + 2 ? true : undefined,
      );
      // Nothing between that check and the cut yields to I/O, so no result slips in between.
      const atCut = seen.results;
      expect(cut(), `sockets cut at drop ${drop}`).toBeGreaterThan(0);
      expect((await hub.listEvents({ state: 'RUNNING', limit: 100 })).items.length, `RUNNING events at cut ${drop}`).toBeGreaterThan(0);
      await waitFor(`the sink to notice cut ${drop}`, () => (sink.status === 'OFFLINE' ? true : undefined));
      // Keep the network down until a task that ran at the cut finished: its result must wait for the reconnect.
      await waitFor(`a task to finish after cut ${drop}`, () => (seen.results > atCut ? true : undefined)).catch(async (error: unknown) => {
        const counts = await hub.store.events.countByState(hub.tenantId);
        throw new Error(`${String(error)}; sink ${sink.status} running ${sink.runningTasks}, ${JSON.stringify(seen)}, hub ${JSON.stringify(counts)}`);
      });
      heal();
      await waitFor(`the sink to come back after cut ${drop}`, () => (seen.onlines >= drop ? true : undefined), 20_000);
    }

    await expectExactlyOnce(hub, fired, log, sink, seen);
    expect(upgrades()).toBeGreaterThanOrEqual(DROPS + 1);
  });

  it('recovers from a half-open connection: the sink notices, reconnects, and gets what the hub sent into the void', { timeout: 60_000 }, async () => {
    // Leases outlast the sink's keep-alive detection (ping every 5 s, 3 s for the pong), so no
    // attempt may be lost to lease expiry.
    const test = await startTestHub({ leaseMs: 20_000, heartbeatIntervalMs: 500, pollIntervalMs: 100 }, resilienceDefinitions);
    cleanup.push(() => test.close());
    const proxy = await startTcpProxy(Number(new URL(test.url).port));
    cleanup.push(() => proxy.close());
    const { sink, seen } = await watchedSink(proxy.url, test.clientSecret);
    // Cleanup runs in reverse: drop the proxy's connections before the sink closes, so a sink still
    // stuck on a dead socket does not hold up its own close.
    cleanup.push(() => proxy.close());
    const log = join(test.dir, 'runs.log');
    const fired = await test.hub.fireBatch(Array.from({ length: EVENTS }, (_, i) => ({ eventType: 'res-work', payload: { i, log, ms: TASK_MS } })));

    await waitFor('tasks running', () => (sink.runningTasks > 0 && seen.results >= 2 ? true : undefined));
    expect(proxy.blackhole()).toBeGreaterThan(0);
    const deadAt = Date.now();
    // The hub still believes in the old connection; the sink must find out by itself (its keep-alive
    // pings every 5 s and gives up after 3 s without a pong) and come back.
    await waitFor('the sink to reconnect', () => (seen.onlines >= 1 ? true : undefined), 20_000).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${Date.now() - deadAt} ms after the path died the sink is still ${sink.status}`);
    });
    expect(proxy.connections).toBeGreaterThanOrEqual(2);

    await expectExactlyOnce(test.hub, fired, log, sink, seen);
  });
});
