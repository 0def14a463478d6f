import { describe, expect, it } from 'vitest';
import type { ReportInput } from '@nexomatic/core';
import { Reporter } from '../src/reporter.js';
import { waitFor } from './support/helpers.js';

type LogInput = Extract<ReportInput, { kind: 'log' }>;
const log = (eventId: string, seq: number): ReportInput => ({
  kind: 'log',
  record: { eventId, attempt: 1, seq, time: new Date().toISOString(), stream: 'stdout', level: 'info', message: `line ${seq}` },
});
const started = (eventId: string): ReportInput => ({ kind: 'started', eventId, attempt: 1, at: new Date().toISOString() });
const result = (eventId: string): ReportInput => ({ kind: 'result', eventId, attempt: 1, outcome: 'SUCCESS', result: eventId });
const logsOf = (reports: ReportInput[], eventId: string) =>
  reports.filter((r): r is LogInput => r.kind === 'log' && r.record.eventId === eventId).map((r) => r.record);
const isNotice = (record: LogInput['record']) => record.fields?.droppedLogRecords !== undefined;

/** A send the test controls: each call waits until the test settles it. */
function manualSend() {
  const calls: Array<{ reports: ReportInput[]; resolve: () => void; reject: (error: Error) => void }> = [];
  const send = (reports: ReportInput[]) => new Promise<void>((resolve, reject) => calls.push({ reports, resolve, reject }));
  return { calls, send };
}

describe('Reporter bounded by maxPending', () => {
  it('drops the oldest log records first, never a started or result report, and says how many per task', async () => {
    let connected = false;
    const delivered: ReportInput[] = [];
    const reporter = new Reporter({
      maxPending: 10,
      retryDelayMs: () => 60_000,
      send: async (reports) => {
        if (!connected) throw new Error('WebSocket closed');
        delivered.push(...reports);
      },
    });
    const sent: ReportInput[] = [started('A'), ...Array.from({ length: 20 }, (_, i) => log('A', i)), result('A')];
    sent.push(started('B'), ...Array.from({ length: 5 }, (_, i) => log('B', i)), result('B'));
    for (const report of sent) {
      reporter.enqueue(report);
      expect(reporter.pending).toBeLessThanOrEqual(10);
    }
    await waitFor(() => reporter.pending > 0 && reporter.dropped > 0, 'the first failed send');
    for (let i = 5; i < 25; i++) reporter.enqueue(log('B', i)); // more output while the hub is away
    expect(reporter.pending).toBeLessThanOrEqual(10);

    connected = true;
    reporter.resume();
    expect(await reporter.drain(5000)).toBe(0);

    // Each result took the place of its started report, which was still queued when it came.
    expect(delivered.filter((r) => r.kind !== 'log')).toEqual(sent.filter((r) => r.kind === 'result'));
    let droppedSeen = 0;
    for (const [eventId, total] of [['A', 20], ['B', 25]] as const) {
      const records = logsOf(delivered, eventId);
      const notices = records.filter(isNotice);
      expect(notices).toHaveLength(1);
      const dropped = notices[0]!.fields!.droppedLogRecords as number;
      expect(notices[0]!.message).toMatch(new RegExp(`^${dropped} log records dropped`));
      expect(notices[0]).toMatchObject({ level: 'warning', stream: 'log' });
      // What survived is the newest output, in order, and with the dropped ones accounts for all of it.
      const kept = records.filter((record) => !isNotice(record)).map((record) => record.seq);
      expect(kept).toEqual(Array.from({ length: total - dropped }, (_, i) => dropped + i));
      droppedSeen += dropped;
    }
    expect(droppedSeen).toBe(reporter.dropped);
    expect(reporter.dropped).toBeGreaterThan(0);
  });

  it('never drops results, even past the cap, and drops new log records when nothing older can go', async () => {
    const delivered: ReportInput[] = [];
    let connected = false;
    const reporter = new Reporter({
      maxPending: 3,
      retryDelayMs: () => 60_000,
      send: async (reports) => {
        if (!connected) throw new Error('down');
        delivered.push(...reports);
      },
    });
    for (const id of ['A', 'B', 'C', 'D', 'E']) reporter.enqueue(result(id));
    reporter.enqueue(log('F', 0));
    reporter.enqueue(log('F', 1));
    expect(reporter.pending).toBe(6); // five results and F's notice
    connected = true;
    reporter.resume();
    await waitFor(() => reporter.pending === 0, 'the results to go out');
    expect(delivered.filter((r) => r.kind === 'result').map((r) => (r.kind === 'result' ? r.eventId : ''))).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(logsOf(delivered, 'F')).toEqual([expect.objectContaining({ seq: 0, fields: { droppedLogRecords: 2 } })]);
  });

  it('never drops or changes the batch being sent, and folds a notice made meanwhile into the one resent', async () => {
    const { calls, send } = manualSend();
    const reporter = new Reporter({ maxPending: 3, retryDelayMs: () => 60_000, send });
    for (let i = 0; i < 6; i++) reporter.enqueue(log('A', i));
    await waitFor(() => calls.length === 1, 'the first send');
    const inFlight = calls[0]!.reports;
    expect(logsOf(inFlight, 'A').map((r) => [r.seq, r.fields?.droppedLogRecords])).toEqual([[0, 4], [4, undefined], [5, undefined]]);
    const snapshot = JSON.stringify(inFlight);
    reporter.enqueue(log('A', 6));
    reporter.enqueue(log('A', 7));
    expect(JSON.stringify(inFlight)).toBe(snapshot);
    calls[0]!.reject(new Error('WebSocket closed'));
    await waitFor(() => reporter.pending === 3, 'the failed batch back at the head, with one notice');

    reporter.resume();
    await waitFor(() => calls.length === 2, 'the resend');
    expect(logsOf(calls[1]!.reports, 'A').map((r) => [r.seq, r.fields?.droppedLogRecords])).toEqual([[0, 6], [4, undefined], [5, undefined]]);
    calls[1]!.resolve();
    await waitFor(() => reporter.pending === 0, 'the queue to empty');
    expect(reporter.dropped).toBe(6);
  });
});
