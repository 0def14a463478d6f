import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeExecutor, moduleParams } from '../src/executors/node.js';
import type { TaskLog } from '../src/executors/executor.js';
import { FIXTURES, makeTask } from './support/helpers.js';

describe('node executor', () => {
  let executor: NodeExecutor;
  beforeAll(async () => {
    executor = await NodeExecutor.start({ size: 2, moduleRoots: [FIXTURES] });
  });
  afterAll(async () => {
    await executor.close();
  });

  async function run(module: string, overrides = {}) {
    const logs: TaskLog[] = [];
    const outcome = await executor.run(makeTask(module, overrides), { onLog: (log) => logs.push(log) });
    return { outcome, logs };
  }

  it('passes payload, value params and task info, and returns the result', async () => {
    const { outcome } = await run('echo', {
      eventId: 'ev-1',
      payload: { orderId: 'A-1' },
      parameters: { region: { value: 'eu' }, apiKey: { secret: 'API_KEY' } },
    });
    expect(outcome).toEqual({
      outcome: 'SUCCESS',
      error: null,
      warnings: [],
      result: {
        payload: { orderId: 'A-1' },
        params: { region: 'eu' },
        task: expect.objectContaining({ eventId: 'ev-1', attempt: 1, module: 'echo', eventType: 'orders.placed' }),
      },
    });
  });

  it('turns ctx.log into structured records and stdout/stderr lines into raw records, in order', async () => {
    const { outcome, logs } = await run('logs');
    expect(outcome.outcome).toBe('SUCCESS');
    expect(outcome.result).toBe('ok');
    const byStream = (stream: string) => logs.filter((log) => log.stream === stream).map((log) => log.message);
    expect(byStream('log')).toEqual(['structured hello', 'structured debug']);
    expect(byStream('stdout')).toEqual(['printed line', 'no newline at the end']);
    expect(byStream('stderr')).toEqual(['oops on stderr']);
    expect(logs.find((log) => log.message === 'structured hello')).toMatchObject({ level: 'info', fields: { orderId: 42 } });
    expect(logs.find((log) => log.stream === 'stderr')).toMatchObject({ level: 'error' });
    for (const log of logs) expect(Number.isNaN(Date.parse(log.time))).toBe(false);
  });

  it('ends WARNING with the warnings of ctx.warn', async () => {
    const { outcome } = await run('warns');
    expect(outcome).toEqual({ outcome: 'WARNING', result: { done: true }, error: null, warnings: ['stock is low'] });
  });

  it('ends ERROR with the code of a thrown error, or MODULE_ERROR', async () => {
    const coded = await run('fails');
    expect(coded.outcome).toMatchObject({ outcome: 'ERROR', result: null, error: { code: 'ORDER_INVALID', message: 'order 7 is invalid' } });
    const plain = await run('fails_plain');
    expect(plain.outcome.error).toMatchObject({ code: 'MODULE_ERROR', message: 'something broke' });
    expect((plain.outcome.error?.details as { stack: string }).stack).toContain('fails_plain.mjs');
  });

  it('carries retryable: false of a NonRetryableError, or of any error marked so, into the error', async () => {
    const typed = await run('non_retryable', { payload: { orderId: 9 } });
    expect(typed.outcome.error).toMatchObject({ code: 'ORDER_MISSING', message: 'order 9 does not exist', retryable: false });
    const plain = await run('non_retryable_plain');
    expect(plain.outcome.error).toMatchObject({ code: 'BAD_INPUT', message: 'bad input', retryable: false });
    const ordinary = await run('fails');
    expect(ordinary.outcome.error).not.toHaveProperty('retryable');
  });

  it('ends ERROR MODULE_NOT_FOUND naming the paths tried', async () => {
    const { outcome } = await run('billing.missing');
    expect(outcome.outcome).toBe('ERROR');
    expect(outcome.error?.code).toBe('MODULE_NOT_FOUND');
    expect(outcome.error?.message).toContain(`${FIXTURES}/billing/missing.mjs`);
    expect(outcome.error?.message).toContain(`${FIXTURES}/billing/missing.ts`);
  });

  it('ends ERROR RESULT_NOT_JSON when the module returns a function inside its result', async () => {
    const { outcome } = await run('not_json');
    expect(outcome.error?.code).toBe('RESULT_NOT_JSON');
    expect(outcome.error?.message).toContain('result.callback');
  });

  it('ends FORBIDDEN for ctx.secret when the sink cannot resolve secrets', async () => {
    const { outcome } = await run('secret');
    expect(outcome.error).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('answers ctx.secret through hooks.secret, and passes a refusal on with its code', async () => {
    const task = makeTask('secret');
    const given = await executor.run(task, { onLog: () => undefined, secret: async (key) => `value-of-${key}` });
    expect(given).toMatchObject({ outcome: 'SUCCESS', result: 'value-of-API_KEY' });
    const refusal = Object.assign(new Error('secret API_KEY refused'), { code: 'FORBIDDEN' });
    const refused = await executor.run(makeTask('secret'), { onLog: () => undefined, secret: () => Promise.reject(refusal) });
    expect(refused).toMatchObject({ outcome: 'ERROR', error: { code: 'FORBIDDEN', message: 'secret API_KEY refused' } });
  });

  it('runs a TypeScript module exporting a default function', async () => {
    const { outcome } = await run('typed', {
      payload: { order: { id: 'o-9', lines: [{ qty: 2, price: 5 }, { qty: 1, price: 3 }] } },
    });
    expect(outcome).toMatchObject({ outcome: 'SUCCESS', result: { id: 'o-9', total: 13 } });
  });

  it('fails a task whose process exits mid-task, keeps its output, and replaces the process', async () => {
    const { outcome, logs } = await run('exits');
    expect(outcome.outcome).toBe('ERROR');
    expect(outcome.error).toMatchObject({ code: 'MODULE_ERROR', message: 'module process exited with code 7' });
    expect(logs.map((log) => log.message)).toContain('about to exit');
    // The pool still has two processes: two tasks run side by side afterwards.
    const [a, b] = await Promise.all([run('echo'), run('warns')]);
    expect(a.outcome.outcome).toBe('SUCCESS');
    expect(b.outcome.outcome).toBe('WARNING');
  });

  it('queues tasks beyond the pool size and runs them all', async () => {
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => run('echo', { payload: { i } })));
    expect(outcomes.map(({ outcome }) => (outcome.result as { payload: { i: number } }).payload.i)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('kills running tasks with the given code', async () => {
    const logs: TaskLog[] = [];
    const running = executor.run(makeTask('slow'), { onLog: (log) => logs.push(log) });
    const deadline = Date.now() + 10_000;
    while (logs.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    executor.killAll('KILLED', 'task killed by FORCE_KILL');
    expect(await running).toMatchObject({ outcome: 'ERROR', error: { code: 'KILLED', message: 'task killed by FORCE_KILL' } });
    expect((await run('echo')).outcome.outcome).toBe('SUCCESS');
  });
});

describe('moduleParams', () => {
  it('keeps value params as plain values and leaves secret references out', () => {
    expect(moduleParams({ a: { value: 1 }, b: { value: { x: [true] } }, c: { secret: 'KEY' } })).toEqual({ a: 1, b: { x: [true] } });
  });
});
