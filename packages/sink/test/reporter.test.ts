import { describe, expect, it } from 'vitest';
import type { ReportInput } from '@nexomatic/core';
import { Reporter } from '../src/reporter.js';
import { waitFor } from './support/helpers.js';

const log = (seq: number): ReportInput => ({
  kind: 'log',
  record: { eventId: 'e1', attempt: 1, seq, time: new Date().toISOString(), stream: 'stdout', level: 'info', message: `line ${seq}` },
});
const seqs = (batch: ReportInput[]) => batch.map((report) => (report.kind === 'log' ? report.record.seq : -1));

describe('Reporter', () => {
  it('sends everything queued in one tick as one mutation', async () => {
    const batches: ReportInput[][] = [];
    const reporter = new Reporter({ send: async (reports) => void batches.push(reports) });
    for (let i = 0; i < 120; i++) reporter.enqueue(log(i));
    expect(await reporter.drain(5000)).toBe(0);
    expect(batches).toHaveLength(1);
    expect(seqs(batches[0]!)).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });

  it('splits a large queue into batches of at most maxBatch, at most maxInFlight mutations at a time, in order', async () => {
    const batches: ReportInput[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const reporter = new Reporter({
      maxBatch: 50,
      maxInFlight: 2,
      send: async (reports) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        batches.push(reports);
        inFlight -= 1;
      },
    });
    for (let i = 0; i < 230; i++) reporter.enqueue(log(i));
    expect(await reporter.drain(5000)).toBe(0);
    expect(batches.map((batch) => batch.length)).toEqual([50, 50, 50, 50, 30]);
    expect(batches.flatMap(seqs)).toEqual(Array.from({ length: 230 }, (_, i) => i));
    expect(maxInFlight).toBe(2);
  });

  it("leaves out an attempt's started report when its result comes before the started one was sent", async () => {
    const batches: ReportInput[][] = [];
    const answers: Array<() => void> = [];
    const reporter = new Reporter({
      maxInFlight: 1,
      send: (reports) => new Promise<void>((resolve) => (batches.push(reports), answers.push(resolve))),
    });
    const started = (eventId: string): ReportInput => ({ kind: 'started', eventId, attempt: 1, at: new Date().toISOString() });
    const result = (eventId: string): ReportInput => ({ kind: 'result', eventId, attempt: 1, outcome: 'SUCCESS', result: null, error: null, warnings: [] });
    reporter.enqueue(started('a'));
    await waitFor(() => batches.length === 1, 'the first batch');
    // a's started report is being sent; b's is queued when b's result comes.
    reporter.enqueue(started('b'));
    reporter.enqueue(log(0));
    reporter.enqueue(result('b'));
    reporter.enqueue(result('a'));
    expect(reporter.pending).toBe(4);
    answers[0]!();
    await waitFor(() => batches.length === 2, 'the second batch');
    answers[1]!();
    expect(await reporter.drain(5000)).toBe(0);
    const kinds = batches.map((batch) => batch.map((report) => `${report.kind}:${report.kind === 'log' ? report.record.seq : report.eventId}`));
    expect(kinds).toEqual([['started:a'], ['log:0', 'result:b', 'result:a']]);
  });

  it('sends one mutation at a time with maxInFlight 1', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const reporter = new Reporter({
      maxBatch: 10,
      maxInFlight: 1,
      send: async () => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
      },
    });
    for (let i = 0; i < 45; i++) reporter.enqueue(log(i));
    expect(await reporter.drain(5000)).toBe(0);
    expect(maxInFlight).toBe(1);
  });

  it('removes a batch only once every batch before it arrived', async () => {
    const answers: Array<() => void> = [];
    const reporter = new Reporter({ maxBatch: 2, send: () => new Promise<void>((resolve) => answers.push(resolve)) });
    for (let i = 0; i < 4; i++) reporter.enqueue(log(i));
    await waitFor(() => answers.length === 2, 'two batches in flight');
    answers[1]!(); // the second batch arrives first
    await new Promise((resolve) => setImmediate(resolve));
    expect(reporter.pending).toBe(4);
    answers[0]!();
    expect(await reporter.drain(5000)).toBe(0);
  });

  it('when a batch fails, aborts the later ones and resends all of them, in order', async () => {
    const delivered: ReportInput[][] = [];
    const signals: AbortSignal[] = [];
    const pending: Array<{ reports: ReportInput[]; resolve: () => void; reject: (error: Error) => void }> = [];
    let connected = true;
    const reporter = new Reporter({
      maxBatch: 2,
      retryDelayMs: () => 60_000, // only resume() retries in this test
      send: (reports, signal) => {
        if (!connected) return Promise.reject(new Error('WebSocket closed'));
        signals.push(signal);
        return new Promise<void>((resolve, reject) => {
          const entry = { reports, resolve: () => (delivered.push(reports), resolve()), reject };
          signal.addEventListener('abort', () => reject(new Error('aborted')));
          pending.push(entry);
        });
      },
    });
    for (let i = 0; i < 6; i++) reporter.enqueue(log(i));
    await waitFor(() => pending.length === 3, 'three batches in flight');
    connected = false;
    pending[0]!.reject(new Error('WebSocket closed'));
    await waitFor(() => signals.slice(1).every((signal) => signal.aborted), 'the later batches aborted');
    await new Promise((resolve) => setImmediate(resolve));
    expect(reporter.pending).toBe(6);
    expect(delivered).toEqual([]);
    connected = true;
    pending.length = 0;
    reporter.resume();
    await waitFor(() => pending.length > 0, 'the resend');
    while (reporter.pending > 0) {
      await waitFor(() => pending.length > 0 || reporter.pending === 0, 'a batch');
      pending.shift()?.resolve();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(delivered.flatMap(seqs)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('also caps a batch by its JSON size, sending an oversized report alone', async () => {
    const batches: ReportInput[][] = [];
    const reporter = new Reporter({ maxBatchBytes: 2500, send: async (reports) => void batches.push(reports) });
    const big = (seq: number): ReportInput => {
      const report = log(seq);
      if (report.kind === 'log') report.record.message = 'x'.repeat(900);
      return report;
    };
    reporter.enqueue(big(0));
    reporter.enqueue(big(1));
    reporter.enqueue(big(2));
    const huge = log(3);
    if (huge.kind === 'log') huge.record.message = 'y'.repeat(5000);
    reporter.enqueue(huge);
    reporter.enqueue(log(4));
    expect(await reporter.drain(5000)).toBe(0);
    expect(batches.map(seqs)).toEqual([[0, 1], [2], [3], [4]]);
  });

  it('keeps a failed batch and resends it, in order, before later reports, on resume()', async () => {
    const delivered: ReportInput[][] = [];
    let connected = false;
    let attempts = 0;
    const reporter = new Reporter({
      retryDelayMs: () => 60_000, // only resume() retries in this test
      send: async (reports) => {
        attempts += 1;
        if (!connected) throw new Error('WebSocket closed');
        delivered.push(reports);
      },
    });
    for (let i = 0; i < 3; i++) reporter.enqueue(log(i));
    await waitFor(() => attempts === 1, 'the first send');
    for (let i = 3; i < 6; i++) reporter.enqueue(log(i));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reporter.pending).toBe(6);
    expect(attempts).toBe(1); // no resend storm while disconnected
    connected = true;
    reporter.resume();
    expect(await reporter.drain(5000)).toBe(0);
    expect(delivered.flatMap(seqs)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(delivered).toHaveLength(1);
  });

  it('retries a failed batch by itself after the backoff delay', async () => {
    let failuresLeft = 2;
    const delivered: ReportInput[] = [];
    const reporter = new Reporter({
      retryDelayMs: () => 5,
      send: async (reports) => {
        if (failuresLeft-- > 0) throw new Error('hub unavailable');
        delivered.push(...reports);
      },
    });
    reporter.enqueue(log(0));
    reporter.enqueue(log(1));
    expect(await reporter.drain(5000)).toBe(0);
    expect(seqs(delivered)).toEqual([0, 1]);
  });

  it('drain reports what is left when the hub stays away', async () => {
    const reporter = new Reporter({ retryDelayMs: () => 60_000, send: () => Promise.reject(new Error('down')) });
    reporter.enqueue(log(0));
    expect(await reporter.drain(50)).toBe(1);
    expect(reporter.stop()).toHaveLength(1);
  });
});
