import { afterEach, describe, expect, it } from 'vitest';
import { InProcessNodeExecutor } from '../src/executors/in-process.js';
import type { TaskLog } from '../src/executors/executor.js';
import { FIXTURES, makeTask } from './support/helpers.js';

describe('node executor, in-process mode', () => {
  let executor: InProcessNodeExecutor;
  afterEach(async () => executor?.close());

  async function run(module: string, overrides = {}, hooks: { secret?: (key: string) => Promise<string>; signal?: AbortSignal } = {}) {
    executor ??= await InProcessNodeExecutor.start({ moduleRoots: [FIXTURES] });
    const logs: TaskLog[] = [];
    const outcome = await executor.run(makeTask(module, overrides), { onLog: (log) => logs.push(log), ...hooks });
    return { outcome, logs };
  }

  it('runs the module in the agent’s own process with payload, params and ctx.log (TypeScript, typed with ModuleContext)', async () => {
    executor = await InProcessNodeExecutor.start({ moduleRoots: [FIXTURES] });
    const { outcome, logs } = await run('typed_ctx', { payload: { name: 'Ada' }, parameters: { GREETING: { value: 'Hi' } } });
    expect(outcome).toEqual({ outcome: 'SUCCESS', result: { text: 'Hi, Ada', pid: process.pid }, error: null, warnings: [] });
    expect(logs).toEqual([expect.objectContaining({ stream: 'log', level: 'info', message: 'greeting', fields: { name: 'Ada' } })]);
  });

  it('keeps the ctx contract: warn, secret, exceptions with their code, non-JSON results', async () => {
    executor = await InProcessNodeExecutor.start({ moduleRoots: [FIXTURES] });
    expect((await run('warns')).outcome).toMatchObject({ outcome: 'WARNING', warnings: ['stock is low'], result: { done: true } });
    expect((await run('secret', {}, { secret: async (key) => `value-of-${key}` })).outcome).toMatchObject({ outcome: 'SUCCESS', result: 'value-of-API_KEY' });
    expect((await run('secret')).outcome).toMatchObject({ outcome: 'ERROR', error: { code: 'FORBIDDEN' } });
    expect((await run('fails')).outcome).toMatchObject({ outcome: 'ERROR', error: { code: 'ORDER_INVALID', message: 'order 7 is invalid' } });
    expect((await run('not_json')).outcome).toMatchObject({ outcome: 'ERROR', error: { code: 'RESULT_NOT_JSON' } });
    expect((await run('no.such.module')).outcome).toMatchObject({ outcome: 'ERROR', error: { code: 'MODULE_NOT_FOUND' } });
  });

  it('on a timeout reports the abort reason at once and abandons the module (it cannot be killed)', async () => {
    executor = await InProcessNodeExecutor.start({ moduleRoots: [FIXTURES] });
    const controller = new AbortController();
    const running = run('hangs', {}, { signal: controller.signal });
    controller.abort({ code: 'TIMEOUT', message: 'task ran longer than its timeout of 50 ms' });
    const { outcome } = await running;
    expect(outcome).toMatchObject({ outcome: 'ERROR', error: { code: 'TIMEOUT' } });
    expect(outcome.error!.message).toContain('abandoned, not killed');
  });

  it('ends every running task at once on killAll (FORCE_KILL)', async () => {
    executor = await InProcessNodeExecutor.start({ moduleRoots: [FIXTURES] });
    const running = run('hangs');
    executor.killAll('KILLED', 'task killed by FORCE_KILL');
    expect((await running).outcome).toMatchObject({ outcome: 'ERROR', error: { code: 'KILLED' } });
  });
});
