/**
 * Staged tasks: a busy sink that finishes tasks quickly gets its next tasks claimed ahead and kept
 * on the hub, sent the moment a credit frees; they go back to the queue, their attempt undone,
 * when the sink leaves, drains or the hub closes. A raw sink on the wire controls every report.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventRecord, HubMessage, TaskRequest } from '@nexomatic/core';
import { sqliteStore } from '@nexomatic/hub/sqlite';
import { STAGE_MAX_MS } from '../src/engine/stage.js';
import { STAGE_WINDOW_MS, taskKey } from '../src/engine/session.js';
import type { HubStore } from '../src/store/port.js';
import { sinkClient } from './support/raw-sink.js';
import { testSession, testTask } from './support/sessions.js';
import { startTestHub, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
  vi.useRealTimers();
});

const CONCURRENCY = 2;

/** A sink on the wire with concurrency 2 that records the tasks it is sent and reports when told. */
function handSink(test: TestHub) {
  const { client, ws } = sinkClient(test.url, test.clientSecret);
  const sinkId = randomUUID();
  const received: TaskRequest[] = [];
  const subscription = client.sink.tasks.subscribe(
    { sinkId, name: 'wire', version: '0', runtimes: ['node'], modules: [], concurrency: CONCURRENCY, taskBatches: true },
    {
      onData: ({ data }) => {
        const message = data as HubMessage;
        if (message.kind === 'task') received.push(message.task);
        if (message.kind === 'tasks') received.push(...message.tasks);
      },
    },
  );
  const close = async () => {
    subscription.unsubscribe();
    await ws.close();
  };
  cleanup.push(close);
  return {
    sinkId,
    received,
    close,
    /** Reports `SUCCESS` for these tasks. */
    finish: (tasks: readonly TaskRequest[]) =>
      client.sink.report.mutate({
        sinkId,
        reports: tasks.map((t) => ({ kind: 'result' as const, eventId: t.eventId, attempt: t.attempt, outcome: 'SUCCESS' as const, result: null })),
      }),
  };
}

/** The events `RUNNING` on the sink in the store that the sink was never sent: the staged ones. */
async function stagedIn(store: HubStore, sinkId: string, received: readonly TaskRequest[]): Promise<EventRecord[]> {
  const sent = new Set(received.map((t) => t.eventId));
  return (await store.events.held(sinkId)).filter((event) => !sent.has(event.id));
}

/** Fires `count` events and brings a sink to the point where tasks are staged for it. */
async function busySink(test: TestHub, count: number) {
  const fired = await test.hub.fireBatch(Array.from({ length: count }, (_, i) => ({ eventType: 'gate', payload: { i } })));
  const sink = handSink(test);
  await waitFor('the first two tasks', () => sink.received.length === CONCURRENCY);
  // Nothing is staged for a sink that has finished nothing yet.
  expect(await stagedIn(test.hub.store, sink.sinkId, sink.received)).toEqual([]);
  await sink.finish(sink.received.slice(0, CONCURRENCY));
  await waitFor('two more tasks sent', () => sink.received.length === 2 * CONCURRENCY);
  // It finished two just now: two more are claimed for it and kept on the hub.
  const staged = await waitFor('two tasks staged', async () => {
    const events = await stagedIn(test.hub.store, sink.sinkId, sink.received);
    return events.length === CONCURRENCY ? events : undefined;
  });
  expect(sink.received).toHaveLength(2 * CONCURRENCY);
  return { fired, sink, staged };
}

describe('staged tasks', () => {
  it('sends a staged task the moment a result frees a credit, and every event ends once, on attempt 1', async () => {
    const test = await startTestHub();
    cleanup.push(() => test.close());
    const { fired, sink, staged } = await busySink(test, 12);
    for (const event of staged) expect(event).toMatchObject({ state: 'RUNNING', sinkId: sink.sinkId, attempt: 1 });

    await sink.finish([sink.received[2]!]);
    // The next task is one of the staged ones, not a fresh claim.
    const next = await waitFor('a fifth task', () => sink.received[4]);
    expect(staged.map((event) => event.id)).toContain(next.eventId);

    // Run everything to the end, reporting what arrives.
    let reported = 3;
    await waitFor('every event finished', async () => {
      const open = sink.received.slice(reported);
      reported += open.length;
      if (open.length > 0) await sink.finish(open);
      const events = await Promise.all(fired.map((event) => test.hub.store.events.get(event.id, null)));
      return events.every((event) => event?.state === 'SUCCESS');
    });
    for (const event of fired) expect(await test.hub.store.events.get(event.id, null)).toMatchObject({ state: 'SUCCESS', attempt: 1 });
    expect(new Set(sink.received.map(taskKey)).size).toBe(fired.length);
  });

  it('hands staged tasks back to the queue, their attempt undone, when the sink disconnects', async () => {
    const test = await startTestHub();
    cleanup.push(() => test.close());
    const { sink, staged } = await busySink(test, 12);
    await sink.close();
    for (const event of staged) {
      await waitFor('the staged event queued again', async () => (await test.hub.store.events.get(event.id, null))?.state === 'QUEUED');
      expect(await test.hub.store.events.get(event.id, null)).toMatchObject({ state: 'QUEUED', attempt: 0, sinkId: null, startedAt: null });
    }
    // The tasks the sink was sent keep their leases: it may come back with their results.
    for (const task of sink.received.slice(CONCURRENCY)) {
      expect(await test.hub.store.events.get(task.eventId, null)).toMatchObject({ state: 'RUNNING', sinkId: sink.sinkId });
    }
  });

  it('hands staged tasks back when the sink is told to drain (RESET)', async () => {
    const test = await startTestHub();
    cleanup.push(() => test.close());
    const { sink, staged } = await busySink(test, 12);
    await test.hub.controlSink(sink.sinkId, 'RESET');
    for (const event of staged) {
      await waitFor('the staged event queued again', async () => (await test.hub.store.events.get(event.id, null))?.state === 'QUEUED');
    }
    expect(await stagedIn(test.hub.store, sink.sinkId, sink.received)).toEqual([]);
  });

  it('hands staged tasks back after STAGE_MAX_MS without a free credit, and stages none again for a sink that finishes nothing', async () => {
    const test = await startTestHub();
    cleanup.push(() => test.close());
    const { sink, staged } = await busySink(test, 12);
    const since = Date.now();
    for (const event of staged) {
      await waitFor('the staged event queued again', async () => (await test.hub.store.events.get(event.id, null))?.state === 'QUEUED');
    }
    expect(Date.now() - since).toBeGreaterThanOrEqual(STAGE_MAX_MS - 50);
    // The sink finished nothing since: nothing is staged for it again, and it was sent nothing.
    expect(await stagedIn(test.hub.store, sink.sinkId, sink.received)).toEqual([]);
    expect(sink.received).toHaveLength(2 * CONCURRENCY);
  });

  it('stages nothing with stageTasks: false: every RUNNING event was sent', async () => {
    const test = await startTestHub({ stageTasks: false });
    cleanup.push(() => test.close());
    await test.hub.fireBatch(Array.from({ length: 12 }, (_, i) => ({ eventType: 'gate', payload: { i } })));
    const sink = handSink(test);
    await waitFor('the first two tasks', () => sink.received.length === CONCURRENCY);
    await sink.finish(sink.received.slice(0, CONCURRENCY));
    await waitFor('two more tasks sent', () => sink.received.length === 2 * CONCURRENCY);
    // One more result: its task comes from a claim of a later pass than the one that staged before.
    await sink.finish([sink.received[2]!]);
    await waitFor('a fifth task', () => sink.received.length === 5);
    expect(await stagedIn(test.hub.store, sink.sinkId, sink.received)).toEqual([]);
    expect(await test.hub.store.events.held(sink.sinkId)).toHaveLength(CONCURRENCY);
  });

  it('hands staged tasks back when the hub closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexomatic-staging-'));
    const store = await sqliteStore({ path: join(dir, 'hub.db') });
    cleanup.push(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const test = await startTestHub({ store });
    const { staged } = await busySink(test, 12);
    await test.close();
    for (const event of staged) expect(await store.events.get(event.id, null)).toMatchObject({ state: 'QUEUED', attempt: 0 });
  });
});

const task = () => testTask();
const record = (t: TaskRequest) => ({ id: t.eventId, attempt: t.attempt }) as unknown as EventRecord;

describe('SinkSession staging', () => {
  const session = () => testSession('s', 'node', null, CONCURRENCY);

  it('stages only while no credit is free, as many as it finished lately, and sends one when a credit frees', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const s = session();
    const [a, b, c, d, e] = [task(), task(), task(), task(), task()];
    s.stage(a, record(a));
    s.stage(b, record(b));
    // With free credits, stage() sends; with none, nothing finished yet: no room.
    expect([...s.held.keys()]).toEqual([taskKey(a), taskKey(b)]);
    expect(s.stageRoom()).toBe(0);
    s.release(taskKey(a));
    expect(s.stageRoom()).toBe(0); // a free credit: tasks are sent, not staged
    s.stage(c, record(c));
    expect(s.stageRoom()).toBe(1); // one finished in the window
    s.stage(d, record(d));
    expect(s.stagedCount).toBe(1);
    expect(s.held.has(taskKey(d))).toBe(false);
    expect(s.stageRoom()).toBe(0);
    // A result frees a credit, and the oldest staged task takes it.
    s.release(taskKey(b));
    expect(s.held.has(taskKey(d))).toBe(false);
    expect(s.sendStaged()?.task).toEqual(d);
    expect(s.sendStaged()).toBeUndefined(); // no credit left, nothing staged
    expect(s.held.has(taskKey(d))).toBe(true);
    expect(s.claimed(taskKey(d))).toEqual(record(d));
    expect(s.stagedCount).toBe(0);
    expect(s.stageRoom()).toBe(2); // two finished lately, capped at the concurrency
    // Finishes age out after two windows: a sink that stopped finishing gets nothing staged.
    vi.setSystemTime(Date.now() + 2 * STAGE_WINDOW_MS + 1);
    expect(s.stageRoom()).toBe(0);
    // unstage(before) takes the staged tasks staged before `before`.
    s.stage(e, record(e), 1_000);
    expect(s.unstage(999)).toEqual([]);
    expect(s.unstage(1_001).map((staged) => staged.task)).toEqual([e]);
    expect(s.stagedCount).toBe(0);
  });

  it('drops a staged task that settled before it was sent; stages nothing for a draining or ended session', () => {
    const s = session();
    const [a, b, c] = [task(), task(), task()];
    s.stage(a, record(a));
    s.stage(b, record(b));
    s.release(taskKey(a));
    s.stage(c, record(c));
    const staged = task();
    s.stage(staged, record(staged));
    expect(s.stagedCount).toBe(1);
    expect(s.release(taskKey(staged))).toBe(false);
    expect(s.stagedCount).toBe(0);
    s.status = 'RESETTING';
    expect(s.stageRoom()).toBe(0);
    s.status = 'ONLINE';
    expect(s.stageRoom()).toBe(1);
    s.end();
    expect(s.stageRoom()).toBe(0);
  });
});
