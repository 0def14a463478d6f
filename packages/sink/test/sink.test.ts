import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADERS, isNexomaticError, type Report, type TaskRequest } from '@nexomatic/core';
import { startSink, type Sink, type SinkOptionsInput } from '../src/index.js';
import { startFakeHub, type FakeHub } from './support/fake-hub.js';
import { FIXTURES, makeTask, waitFor } from './support/helpers.js';

const results = (hub: FakeHub, eventId: string) =>
  hub.reports().filter((r): r is Extract<Report, { kind: 'result' }> => r.kind === 'result' && r.eventId === eventId);

describe('sink against a hub endpoint', () => {
  let hub: FakeHub;
  let sink: Sink | undefined;
  const options = (): SinkOptionsInput => ({
    hubUrl: hub.url,
    clientId: 'LOCAL:BASE',
    clientSecret: 'good-secret',
    modules: [FIXTURES],
    concurrency: 2,
    heartbeatIntervalMs: 100,
    name: 'test-sink',
  });

  beforeEach(async () => {
    hub = await startFakeHub();
  });
  afterEach(async () => {
    await sink?.close();
    sink = undefined;
    await hub.close();
  });

  it('registers with its credentials, runs a task and reports started, logs and result in batches', async () => {
    sink = await startSink(options());
    expect(sink.status).toBe('ONLINE');
    expect(hub.upgrades[0]).toMatchObject({
      [CREDENTIAL_HEADERS.clientId]: 'LOCAL:BASE',
      [CREDENTIAL_HEADERS.clientSecret]: 'good-secret',
    });
    expect(hub.registrations[0]).toEqual({
      sinkId: sink.sinkId,
      name: 'test-sink',
      version: expect.any(String),
      // node always; python / powershell where their interpreter runs on this host.
      runtimes: sink.runtimes,
      modules: [],
      concurrency: 2,
      taskBatches: true,
    });
    expect(sink.runtimes[0]).toBe('node');

    const task = makeTask('logs');
    hub.send({ kind: 'task', task });
    await waitFor(() => results(hub, task.eventId).length === 1, 'the result report');

    const reports = hub.reports().filter((r) => (r.kind === 'log' ? r.record.eventId : r.eventId) === task.eventId);
    expect(reports[0]).toMatchObject({ kind: 'started', eventId: task.eventId, attempt: 1 });
    const logs = reports.flatMap((r) => (r.kind === 'log' ? [r.record] : []));
    expect(logs.map((l) => l.seq)).toEqual(logs.map((_, i) => i));
    expect(logs.map((l) => l.message)).toEqual(
      expect.arrayContaining(['structured hello', 'printed line', 'oops on stderr', 'no newline at the end']),
    );
    expect(reports.at(-1)).toMatchObject({ kind: 'result', outcome: 'SUCCESS', result: 'ok', error: null, warnings: [] });
    expect(hub.reportCalls.length).toBeLessThan(reports.length);
    await waitFor(() => hub.heartbeats.includes(sink!.sinkId), 'a heartbeat');
  });

  it('runs a re-sent finished task only once and sends its result again', async () => {
    sink = await startSink(options());
    const started: TaskRequest[] = [];
    sink.on('task', (task) => started.push(task));
    const task = makeTask('echo', { payload: { n: 1 } });
    hub.send({ kind: 'task', task });
    await waitFor(() => results(hub, task.eventId).length === 1, 'the first result');
    hub.send({ kind: 'task', task });
    await waitFor(() => results(hub, task.eventId).length === 2, 'the result sent again');
    expect(started).toHaveLength(1);
    expect(results(hub, task.eventId)[1]).toEqual(results(hub, task.eventId)[0]);
    // A new attempt of the same event is a new task.
    hub.send({ kind: 'task', task: { ...task, attempt: 2 } });
    await waitFor(() => started.length === 2, 'attempt 2');
  });

  it('re-registers after a dropped connection without re-running held tasks, and FORCE_KILL kills them', async () => {
    sink = await startSink(options());
    const started: TaskRequest[] = [];
    sink.on('task', (task) => started.push(task));
    const task = makeTask('slow');
    hub.send({ kind: 'task', task });
    await waitFor(() => hub.reports().some((r) => r.kind === 'log' && r.record.message === 'sleeping'), 'the slow task to run');

    hub.disconnectAll();
    await waitFor(() => hub.registrations.length === 2, 're-registration');
    expect(hub.registrations[1]).toMatchObject({ sinkId: sink.sinkId });
    await waitFor(() => sink!.status === 'ONLINE', 'ONLINE again');
    expect(started).toHaveLength(1);
    expect(sink.runningTasks).toBe(1);

    hub.send({ kind: 'control', signal: 'FORCE_KILL' });
    expect(await sink.closed).toEqual({ signal: 'FORCE_KILL' });
    expect(sink.status).toBe('CLOSED');
    expect(results(hub, task.eventId)).toEqual([
      expect.objectContaining({ outcome: 'ERROR', error: { code: 'KILLED', message: 'task killed by FORCE_KILL' } }),
    ]);
  });

  it('KILL lets running tasks finish, reports them, then closes', async () => {
    sink = await startSink(options());
    const task = makeTask('warns');
    hub.send({ kind: 'task', task });
    hub.send({ kind: 'control', signal: 'KILL' });
    expect(await sink.closed).toEqual({ signal: 'KILL' });
    expect(results(hub, task.eventId)).toEqual([expect.objectContaining({ outcome: 'WARNING', warnings: ['stock is low'] })]);
  });

  it('keeps reports that were lost with the connection and sends them, in order, after reconnecting', async () => {
    sink = await startSink(options());
    hub.dropReports = true;
    const task = makeTask('logs');
    hub.send({ kind: 'task', task });
    await waitFor(() => hub.registrations.length >= 2, 're-registration after the dropped report');
    hub.dropReports = false;
    await waitFor(() => results(hub, task.eventId).length >= 1, 'the result after reconnecting');
    const mine = hub.reports().filter((r) => (r.kind === 'log' ? r.record.eventId : r.eventId) === task.eventId);
    const kinds = mine.map((r) => r.kind);
    // The `started` report is first, unless the result took its place while both waited to be
    // resent (a result replaces its attempt's queued `started`: see ReportQueue.push).
    // A batch whose answer was lost with a connection is sent again (at least once; the hub
    // applies each report once), so a report may arrive twice, never out of order.
    expect(kinds.indexOf('started')).toBeLessThanOrEqual(0);
    expect(kinds.at(-1)).toBe('result');
    const seqs = mine.flatMap((r) => (r.kind === 'log' ? [r.record.seq] : []));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // No log record lost: every sequence number from the first to the last arrived.
    const distinct = [...new Set(seqs)];
    expect(distinct.length).toBeGreaterThan(0);
    expect(distinct).toEqual(distinct.map((_, i) => distinct[0]! + i));
  });

  it('reports ERROR VALIDATION for a malformed Task Request', async () => {
    sink = await startSink(options());
    const { leaseExpiresAt: _dropped, ...bad } = makeTask('echo');
    hub.send({ kind: 'task', task: bad as TaskRequest });
    await waitFor(() => results(hub, bad.eventId).length === 1, 'the VALIDATION result');
    expect(results(hub, bad.eventId)[0]).toMatchObject({ outcome: 'ERROR', error: { code: 'VALIDATION' } });
    expect(results(hub, bad.eventId)[0]!.error!.message).toContain('leaseExpiresAt');
  });

  it('runs every task of a batch, and answers only the malformed one of a batch with VALIDATION', async () => {
    sink = await startSink(options());
    const [a, b] = [makeTask('echo', { payload: { n: 1 } }), makeTask('echo', { payload: { n: 2 } })];
    hub.send({ kind: 'tasks', tasks: [a, b] });
    await waitFor(() => results(hub, a.eventId).length === 1 && results(hub, b.eventId).length === 1, 'both results');
    expect(results(hub, a.eventId)[0]).toMatchObject({ outcome: 'SUCCESS', result: { payload: { n: 1 } } });
    expect(results(hub, b.eventId)[0]).toMatchObject({ outcome: 'SUCCESS', result: { payload: { n: 2 } } });

    const good = makeTask('echo', { payload: { n: 3 } });
    const { leaseExpiresAt: _dropped, ...bad } = makeTask('echo');
    hub.send({ kind: 'tasks', tasks: [good, bad as TaskRequest] });
    await waitFor(() => results(hub, good.eventId).length === 1 && results(hub, bad.eventId).length === 1, 'the batch results');
    expect(results(hub, good.eventId)[0]).toMatchObject({ outcome: 'SUCCESS', result: { payload: { n: 3 } } });
    expect(results(hub, bad.eventId)[0]).toMatchObject({ outcome: 'ERROR', error: { code: 'VALIDATION' } });
    expect(results(hub, bad.eventId)[0]!.error!.message).toContain('leaseExpiresAt');
  });

  it('rejects with UNAUTHENTICATED on refused credentials, without retrying', async () => {
    const error = await startSink({ ...options(), clientSecret: 'wrong' }).catch((e: unknown) => e);
    expect(isNexomaticError(error, 'UNAUTHENTICATED')).toBe(true);
    expect((error as Error).message).toBe('hub refused credentials for CLIENT_ID LOCAL:BASE (HTTP 401): check CLIENT_SECRET');
    expect(hub.refused).toBe(1);
  });

  it('stops with UNAUTHENTICATED when the hub refuses it on a reconnect', async () => {
    sink = await startSink(options());
    hub.secret = 'rotated';
    hub.disconnectAll();
    const closed = await sink.closed;
    expect(closed.error?.code).toBe('UNAUTHENTICATED');
    expect(sink.status).toBe('CLOSED');
    expect(hub.refused).toBe(1);
  });

  it('rejects with CLOSED when aborted while the hub is unreachable', async () => {
    const address = hub.url;
    await hub.close();
    const abort = new AbortController();
    const starting = startSink({ ...options(), hubUrl: address, signal: abort.signal });
    abort.abort();
    const error = await starting.catch((e: unknown) => e);
    expect(isNexomaticError(error, 'CLOSED')).toBe(true);
    hub = await startFakeHub(); // for afterEach
  });
});
