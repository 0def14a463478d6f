import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { HubMessage } from '@nexomatic/core';
import { sinkClient } from './support/raw-sink.js';
import { startTestHub, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** A raw sink on the wire: registers (with or without `taskBatches`) and records what the hub sends. */
function rawSink(test: TestHub, taskBatches: boolean | undefined, received: HubMessage[]) {
  const { client, ws: wsClient } = sinkClient(test.url, test.clientSecret);
  const sinkId = randomUUID();
  const registration = { sinkId, name: 'raw', version: '0', runtimes: ['node' as const], modules: [], concurrency: 5 };
  const subscription = client.sink.tasks.subscribe(taskBatches === undefined ? registration : { ...registration, taskBatches }, {
    onData: ({ data }) => received.push(data as HubMessage),
  });
  cleanup.push(async () => {
    subscription.unsubscribe();
    await wsClient.close();
  });
  return { client, sinkId };
}

const taskIds = (messages: HubMessage[]) =>
  messages.flatMap((m) => (m.kind === 'task' ? [m.task.eventId] : m.kind === 'tasks' ? m.tasks.map((t) => t.eventId) : []));

describe('Task Requests in batches', () => {
  it('sends the tasks of one claim as one `tasks` message to a sink that takes batches, and settles their results', async () => {
    const test = await startTestHub();
    cleanup.push(() => test.close());
    const fired = await test.hub.fireBatch(Array.from({ length: 5 }, (_, i) => ({ eventType: 'gate', payload: { i } })));
    const received: HubMessage[] = [];
    const { client, sinkId } = rawSink(test, true, received);
    await waitFor('the five tasks', () => taskIds(received).length === 5);
    expect(received.map((m) => m.kind)).toEqual(['tasks']);
    expect(new Set(taskIds(received))).toEqual(new Set(fired.map((e) => e.id)));

    const reports = fired.map((e) => ({ kind: 'result' as const, eventId: e.id, attempt: 1, outcome: 'SUCCESS' as const, result: { done: e.id } }));
    await client.sink.report.mutate({ sinkId, reports });
    for (const event of fired) {
      expect(await test.hub.waitForEvent(event.id, 10_000)).toMatchObject({ state: 'SUCCESS', attempt: 1, result: { done: event.id } });
    }
    // A repeated report changes nothing (idempotent completion).
    await client.sink.report.mutate({ sinkId, reports: reports.map((r) => ({ ...r, result: { done: 'again' } })) });
    expect(await test.hub.store.events.get(fired[0]!.id, null)).toMatchObject({ state: 'SUCCESS', result: { done: fired[0]!.id } });
  });

  it('sends one `task` message per task to a sink that does not say it takes batches', async () => {
    const test = await startTestHub();
    cleanup.push(() => test.close());
    const fired = await test.hub.fireBatch(Array.from({ length: 5 }, (_, i) => ({ eventType: 'gate', payload: { i } })));
    const received: HubMessage[] = [];
    rawSink(test, undefined, received);
    await waitFor('the five tasks', () => taskIds(received).length === 5);
    expect(received.map((m) => m.kind)).toEqual(['task', 'task', 'task', 'task', 'task']);
    expect(new Set(taskIds(received))).toEqual(new Set(fired.map((e) => e.id)));
  });
});
