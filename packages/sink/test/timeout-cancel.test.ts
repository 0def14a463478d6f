import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report, TaskRequest } from '@nexomatic/core';
import { startSink, type ResultReportInput, type Sink } from '../src/index.js';
import { startFakeHub, type FakeHub } from './support/fake-hub.js';
import { FIXTURES, makeTask, waitFor } from './support/helpers.js';

type Result = Extract<Report, { kind: 'result' }>;
const results = (hub: FakeHub, eventId: string): Result[] =>
  hub.reports().filter((r): r is Result => r.kind === 'result' && r.eventId === eventId);
const logged = (hub: FakeHub, eventId: string, message: string) =>
  hub.reports().some((r) => r.kind === 'log' && r.record.eventId === eventId && r.record.message === message);

/** How long the kill may come after the timeout: timer, SIGKILL, the process' exit and pipes closing. */
const KILL_MARGIN_MS = 500;

describe('sink: task timeouts and the hub cancel', () => {
  let hub: FakeHub;
  let sink: Sink;
  const started: TaskRequest[] = [];
  const finished = new Map<string, { report: ResultReportInput; at: number }>();
  const startedAt = new Map<string, number>();

  beforeEach(async () => {
    hub = await startFakeHub();
    sink = await startSink({
      hubUrl: hub.url,
      clientId: 'LOCAL:BASE',
      clientSecret: 'good-secret',
      modules: [FIXTURES],
      concurrency: 1,
      heartbeatIntervalMs: 100,
    });
    started.length = 0;
    finished.clear();
    sink.on('task', (task) => {
      started.push(task);
      startedAt.set(task.eventId, performance.now());
    });
    sink.on('result', (report) => finished.set(report.eventId, { report, at: performance.now() }));
  });
  afterEach(async () => {
    await sink.close();
    await hub.close();
  });

  it.each(['hangs', 'burn'])('kills a %s module after timeoutMs, reports TIMEOUT naming the limit, and runs the next task', async (module) => {
    const task = makeTask(module, { timeoutMs: 1000 });
    hub.send({ kind: 'task', task });
    await waitFor(() => finished.has(task.eventId), 'the TIMEOUT result');
    const ranFor = finished.get(task.eventId)!.at - startedAt.get(task.eventId)!;
    expect(ranFor).toBeGreaterThanOrEqual(990);
    expect(ranFor).toBeLessThan(1000 + KILL_MARGIN_MS);
    await waitFor(() => results(hub, task.eventId).length === 1, 'the TIMEOUT result at the hub');
    const [result] = results(hub, task.eventId);
    expect(result).toMatchObject({ outcome: 'ERROR', result: null, error: { code: 'TIMEOUT' } });
    expect(result!.error!.message).toContain('1000 ms');
    expect(logged(hub, task.eventId, module === 'hangs' ? 'waiting forever' : 'burning')).toBe(true);

    // The pool replaced the killed process: the next task runs normally.
    const next = makeTask('echo', { payload: { after: module } });
    hub.send({ kind: 'task', task: next });
    await waitFor(() => results(hub, next.eventId).length === 1, 'the next task');
    expect(results(hub, next.eventId)[0]).toMatchObject({ outcome: 'SUCCESS', result: { payload: { after: module } } });
    expect(sink.runningTasks).toBe(0);
  });

  it('kills a running task the hub cancels, and never runs a re-send of it', async () => {
    const task = makeTask('burn');
    hub.send({ kind: 'task', task });
    await waitFor(() => logged(hub, task.eventId, 'burning'), 'the task to run');
    hub.send({ kind: 'cancel', eventId: task.eventId, attempt: 1, reason: 'CANCELLED' });
    await waitFor(() => results(hub, task.eventId).length === 1, 'the CANCELLED result');
    expect(results(hub, task.eventId)[0]).toMatchObject({ outcome: 'ERROR', error: { code: 'CANCELLED' } });

    hub.send({ kind: 'task', task });
    await waitFor(() => results(hub, task.eventId).length === 2, 'the result sent again');
    expect(results(hub, task.eventId)[1]).toEqual(results(hub, task.eventId)[0]);
    expect(started).toHaveLength(1);
    expect(sink.runningTasks).toBe(0);
  });

  it('reports TIMEOUT when the hub cancels a task for timing out', async () => {
    const task = makeTask('hangs');
    hub.send({ kind: 'task', task });
    await waitFor(() => logged(hub, task.eventId, 'waiting forever'), 'the task to run');
    hub.send({ kind: 'cancel', eventId: task.eventId, attempt: 1, reason: 'TIMEOUT' });
    await waitFor(() => results(hub, task.eventId).length === 1, 'the TIMEOUT result');
    expect(results(hub, task.eventId)[0]).toMatchObject({ outcome: 'ERROR', error: { code: 'TIMEOUT' } });
  });

  it('never runs an attempt cancelled before it arrived, and answers it with the cancel', async () => {
    const task = makeTask('echo');
    hub.send({ kind: 'cancel', eventId: task.eventId, attempt: 1, reason: 'CANCELLED' });
    hub.send({ kind: 'task', task });
    await waitFor(() => results(hub, task.eventId).length === 1, 'the CANCELLED result');
    expect(results(hub, task.eventId)[0]).toMatchObject({ outcome: 'ERROR', error: { code: 'CANCELLED' } });
    expect(started).toHaveLength(0);
    // Another attempt of the same event is not cancelled.
    hub.send({ kind: 'task', task: { ...task, attempt: 2 } });
    await waitFor(() => finished.has(task.eventId), 'attempt 2');
    expect(finished.get(task.eventId)!.report).toMatchObject({ attempt: 2, outcome: 'SUCCESS' });
  });

  it('keeps the result of an attempt that finished before its cancel arrived', async () => {
    const task = makeTask('echo');
    hub.send({ kind: 'task', task });
    await waitFor(() => results(hub, task.eventId).length === 1, 'the result');
    hub.send({ kind: 'cancel', eventId: task.eventId, attempt: 1, reason: 'CANCELLED' });
    hub.send({ kind: 'task', task });
    await waitFor(() => results(hub, task.eventId).length === 2, 'the result sent again');
    expect(results(hub, task.eventId).map((r) => r.outcome)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(started).toHaveLength(1);
  });
});
