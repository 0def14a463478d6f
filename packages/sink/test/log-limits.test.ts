import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type ReportInput } from '@nexomatic/core';
import { readSettings } from '../src/cli/args.js';
import { NodeExecutor } from '../src/executors/node.js';
import { LogBudget, logBytes } from '../src/log-budget.js';
import { Reporter } from '../src/reporter.js';
import { TaskRunner, type ResultReportInput } from '../src/tasks.js';
import { FIXTURES, makeTask, waitFor } from './support/helpers.js';

type LogInput = Extract<ReportInput, { kind: 'log' }>;

describe('the per-task log budget', () => {
  it('keeps a prefix within the limit, drops everything after, and says how much', () => {
    const budget = new LogBudget(250);
    const logs = Array.from({ length: 5 }, (_, i) => ({ message: `${i}`.padEnd(100, '.') }));
    expect(logs.map((log) => budget.admit(log))).toEqual([true, true, false, false, false]);
    // Once truncated, even a record that would fit is dropped: the log stays a prefix.
    expect(budget.admit({ message: 'x' })).toBe(false);
    expect(budget.marker()).toMatchObject({
      stream: 'log',
      level: 'warning',
      message: 'log truncated: 301 bytes dropped (4 records past the limit of 250 bytes per task)',
      fields: { droppedBytes: 301, droppedRecords: 4, limitBytes: 250 },
    });
    expect(new LogBudget(10).marker()).toBeNull();
    expect(logBytes({ message: 'é', fields: { a: 1 } })).toBe(2 + 7);
  });

  describe('in a running task', () => {
    let executor: NodeExecutor;
    beforeAll(async () => {
      executor = await NodeExecutor.start({ size: 1, moduleRoots: [FIXTURES] });
    });
    afterAll(async () => {
      await executor.close();
    });

    it('sends the log up to the limit, then one marker, then the result; seqs have no gap', async () => {
      const sent: ReportInput[] = [];
      let result: ResultReportInput | undefined;
      const LIMIT = 20_000;
      const runner = new TaskRunner({
        executor,
        reporter: { enqueue: (report: ReportInput) => sent.push(report) } as unknown as Reporter,
        logger: silentLogger,
        onTask: () => undefined,
        onResult: (report) => (result = report),
        maxLogBytesPerTask: LIMIT,
      });
      const LINES = 2000;
      runner.take(makeTask('chatty', { payload: { lines: LINES, width: 100 } }), true);
      await waitFor(() => result !== undefined, 'the result');
      expect(result).toMatchObject({ outcome: 'SUCCESS', result: { lines: LINES } });

      const logs = sent.filter((r): r is LogInput => r.kind === 'log').map((r) => r.record);
      expect(logs.map((r) => r.seq)).toEqual(logs.map((_, i) => i));
      const marker = logs[logs.length - 1]!;
      const kept = logs.slice(0, -1);
      expect(marker).toMatchObject({ stream: 'log', level: 'warning', message: expect.stringMatching(/^log truncated: \d+ bytes dropped/) });
      const keptBytes = kept.reduce((sum, r) => sum + logBytes(r), 0);
      expect(keptBytes).toBeLessThanOrEqual(LIMIT);
      expect(keptBytes).toBeGreaterThan(LIMIT - 200);
      // Everything the module wrote is accounted for: kept plus dropped.
      const written = LINES * 100 + Array.from({ length: LINES / 10 }, (_, k) => logBytes({ message: `at ${k * 10}`, fields: { i: k * 10 } })).reduce((a, b) => a + b, 0);
      expect(keptBytes + (marker.fields!.droppedBytes as number)).toBe(written);
      // The marker comes before the result.
      expect(sent.findIndex((r) => r.kind === 'result')).toBe(sent.length - 1);
    });
  });
});

describe('the report queue bounded by bytes', () => {
  it('drops the oldest log records past maxPendingBytes, keeps results, and tells the hub how many', async () => {
    let connected = false;
    const delivered: ReportInput[] = [];
    const MAX_BYTES = 20_000;
    const reporter = new Reporter({
      maxPending: 1_000_000,
      maxPendingBytes: MAX_BYTES,
      retryDelayMs: () => 60_000,
      send: async (reports) => {
        if (!connected) throw new Error('WebSocket closed');
        delivered.push(...reports);
      },
    });
    const log = (seq: number): ReportInput => ({
      kind: 'log',
      record: { eventId: 'E', attempt: 1, seq, time: new Date().toISOString(), stream: 'stdout', level: 'info', message: `${seq}`.padEnd(1000, '.') },
    });
    reporter.enqueue({ kind: 'started', eventId: 'E', attempt: 1, at: new Date().toISOString() });
    for (let seq = 0; seq < 100; seq++) {
      reporter.enqueue(log(seq));
      expect(reporter.pendingBytes).toBeLessThanOrEqual(MAX_BYTES);
    }
    reporter.enqueue({ kind: 'result', eventId: 'E', attempt: 1, outcome: 'SUCCESS', result: null });
    expect(reporter.dropped).toBeGreaterThan(70);

    connected = true;
    reporter.resume();
    await waitFor(() => reporter.pending === 0 && delivered.some((r) => r.kind === 'result'), 'the queue to drain');
    const records = delivered.filter((r): r is LogInput => r.kind === 'log').map((r) => r.record);
    const notice = records.find((r) => r.fields?.droppedLogRecords !== undefined)!;
    const dropped = notice.fields!.droppedLogRecords as number;
    expect(dropped).toBe(reporter.dropped);
    // The newest output survived, in order.
    expect(records.filter((r) => r !== notice).map((r) => r.seq)).toEqual(Array.from({ length: 100 - dropped }, (_, i) => dropped + i));
    // The result took the place of the started report, which was still queued when it came.
    expect(delivered.filter((r) => r.kind !== 'log').map((r) => r.kind)).toEqual(['result']);
  });
});

describe('the log budget setting of the CLI', () => {
  it('reads SINK_MAX_LOG_BYTES / --max-log-bytes as a number and names it when it is wrong', () => {
    const env = { HUB_URL: 'http://127.0.0.1:4000', CLIENT_ID: 'LOCAL:BASE', CLIENT_SECRET: 's', SINK_MAX_LOG_BYTES: '4096' };
    expect(readSettings({}, env)).toMatchObject({ input: { maxLogBytesPerTask: 4096 }, problems: [] });
    expect(readSettings({ 'max-log-bytes': '8192' }, env).input.maxLogBytesPerTask).toBe(8192);
    expect(readSettings({ 'max-log-bytes': 'lots' }, env).problems).toEqual([expect.stringContaining('SINK_MAX_LOG_BYTES (--max-log-bytes)')]);
  });
});
