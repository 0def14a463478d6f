import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type ReportInput, type TaskKey } from '@nexomatic/core';
import { NodeExecutor } from '../src/executors/node.js';
import type { Reporter } from '../src/reporter.js';
import { TaskRunner, type ResultReportInput } from '../src/tasks.js';
import { FIXTURES, makeTask, waitFor } from './support/helpers.js';

describe('secrets in the sink', () => {
  let executor: NodeExecutor;
  beforeAll(async () => {
    executor = await NodeExecutor.start({ size: 1, moduleRoots: [FIXTURES] });
  });
  afterAll(async () => {
    await executor.close();
  });

  /** Runs one task through a TaskRunner whose reporter records what the sink would send. */
  async function runTask(payload: Record<string, boolean>, resolveSecret?: (task: TaskKey, key: string) => Promise<string>) {
    const sent: ReportInput[] = [];
    const asked: string[] = [];
    let result: ResultReportInput | undefined;
    const runner = new TaskRunner({
      executor,
      reporter: { enqueue: (report: ReportInput) => sent.push(report) } as unknown as Reporter,
      logger: silentLogger,
      onTask: () => undefined,
      onResult: (report) => (result = report),
      ...(resolveSecret
        ? {
            resolveSecret: (task: TaskKey, key: string) => {
              asked.push(key);
              return resolveSecret(task, key);
            },
          }
        : {}),
    });
    runner.take(makeTask('leak', { payload, parameters: { apiKey: { secret: 'API_KEY' }, region: { value: 'eu' } } }), true);
    await waitFor(() => result !== undefined, 'the result');
    return { sent, asked, result: result! };
  }

  const values: Record<string, string> = { API_KEY: 'sk-param.value', OTHER_KEY: 'sk-fetched+value' };
  const hub = async (_task: TaskKey, key: string) => values[key]!;

  it('resolves SECRET parameters before the module runs and masks every resolved value in what it sends', async () => {
    const ok = await runTask({}, hub);
    expect(ok.asked).toEqual(['API_KEY', 'OTHER_KEY']);
    expect(ok.result).toMatchObject({ outcome: 'WARNING', result: { apiKey: '***', fetched: '***' }, warnings: ['warn ***'] });
    const failed = await runTask({ throw: true }, hub);
    expect(failed.result).toMatchObject({ outcome: 'ERROR', error: { message: 'boom ***' } });
    for (const { sent } of [ok, failed]) {
      const text = JSON.stringify(sent);
      for (const value of Object.values(values)) expect(text).not.toContain(value);
      expect(sent.some((r) => r.kind === 'log' && r.record.message === 'stdout *** ***')).toBe(true);
      expect(sent.some((r) => r.kind === 'log' && r.record.message === 'log ***')).toBe(true);
    }
  });

  it('does not run the module when a SECRET parameter is refused, and says which', async () => {
    const refusal = Object.assign(new Error('secret API_KEY refused for event e attempt 1: no SECRET parameter'), { data: { nexomatic: { code: 'FORBIDDEN' } } });
    const { result, sent } = await runTask({}, () => Promise.reject(refusal));
    expect(result).toMatchObject({ outcome: 'ERROR', error: { code: 'FORBIDDEN', message: expect.stringMatching(/^parameter apiKey: secret API_KEY could not be resolved/) } });
    expect(sent.filter((r) => r.kind === 'log')).toEqual([]);
    const none = await runTask({});
    expect(none.result).toMatchObject({ outcome: 'ERROR', error: { code: 'FORBIDDEN' } });
  });
});
