import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskLog } from '../src/executors/executor.js';
import { createPythonExecutor, probePython } from '../src/executors/python.js';
import { ScriptExecutor } from '../src/executors/script-executor.js';
import { makeTask } from './support/helpers.js';

const PY = fileURLToPath(new URL('./fixtures/python', import.meta.url));

describe('python executor (real python3 workers)', () => {
  let executor: ScriptExecutor;
  beforeAll(() => {
    executor = createPythonExecutor({ pythonPath: 'python3', size: 2, moduleRoots: [PY] });
  });
  afterAll(async () => {
    await executor.close();
  });

  async function run(module: string, overrides = {}, secret?: (key: string) => Promise<string>) {
    const logs: TaskLog[] = [];
    const outcome = await executor.run(makeTask(module, overrides), { onLog: (log) => logs.push(log), ...(secret ? { secret } : {}) });
    return { outcome, logs };
  }

  it('probes python3 as Python 3.9 or newer, and reports a missing interpreter', async () => {
    expect(await probePython('python3')).toMatchObject({ available: true, version: expect.stringMatching(/^3\.\d+\.\d+$/) });
    expect(await probePython('/nonexistent/python3')).toEqual({ available: false, reason: expect.stringContaining('not found') });
  });

  it('calls run(ctx, payload, params) with task info and returns the result', async () => {
    const { outcome } = await run('echo', { eventId: 'ev-py', payload: { orderId: 'A-1' }, parameters: { region: { value: 'eu' } } });
    expect(outcome).toEqual({
      outcome: 'SUCCESS',
      error: null,
      warnings: [],
      result: { payload: { orderId: 'A-1' }, params: { region: 'eu' }, event_id: 'ev-py', module: 'echo', attempt: 1 },
    });
  });

  it('turns ctx.log into structured records, print into stdout records and stderr into stderr records', async () => {
    const { outcome, logs } = await run('logs');
    expect(outcome).toMatchObject({ outcome: 'SUCCESS', result: 'ok' });
    const byStream = (stream: string) => logs.filter((log) => log.stream === stream).map((log) => log.message);
    expect(byStream('log')).toEqual(['structured hello', 'structured debug', 'careful', 'bad thing']);
    expect(byStream('stdout')).toEqual(['printed line', 'no newline at the end']);
    expect(byStream('stderr')).toEqual(['oops on stderr']);
    expect(logs.find((log) => log.message === 'structured hello')).toMatchObject({ level: 'info', fields: { order_id: 42, message: 'a field, not the message' } });
    expect(logs.find((log) => log.message === 'structured debug')).toMatchObject({ level: 'debug' });
    expect(logs.find((log) => log.message === 'careful')).toMatchObject({ level: 'warning', fields: { when: null } });
    expect(logs.find((log) => log.message === 'bad thing')).toMatchObject({ level: 'error', fields: { items: [1, 2] } });
    expect(logs.find((log) => log.stream === 'stderr')).toMatchObject({ level: 'error' });
    for (const log of logs) expect(Number.isNaN(Date.parse(log.time))).toBe(false);
  });

  it('ends WARNING with the warnings of ctx.warn', async () => {
    const { outcome } = await run('warns');
    expect(outcome).toEqual({ outcome: 'WARNING', result: { done: true }, error: null, warnings: ['stock is low'] });
  });

  it("ends ERROR with the exception's code attribute, its message and the traceback", async () => {
    const { outcome } = await run('fails');
    expect(outcome).toMatchObject({ outcome: 'ERROR', result: null, error: { code: 'ORDER_INVALID', message: 'order 7 is invalid' } });
    const details = outcome.error?.details as { traceback: string; exception: string };
    expect(details.exception).toBe('OrderInvalid');
    expect(details.traceback).toContain('Traceback (most recent call last)');
    expect(details.traceback).toMatch(/fails\.py", line 6, in check/);
    expect(details.traceback).not.toContain('nexomatic_runner.py');
    expect(outcome.error).not.toHaveProperty('retryable');
  });

  it('ends ERROR MODULE_ERROR for an exception without a code, and for sys.exit()', async () => {
    const plain = await run('fails_plain');
    expect(plain.outcome.error).toMatchObject({ code: 'MODULE_ERROR', message: 'division by zero', details: { exception: 'ZeroDivisionError' } });
    const exited = await run('sys_exit');
    expect(exited.outcome.error).toMatchObject({ code: 'MODULE_ERROR', message: 'the module called sys.exit(2)' });
  });

  it('carries retryable = False of the exception into the error', async () => {
    const { outcome } = await run('non_retryable', { payload: { orderId: 9 } });
    expect(outcome.error).toMatchObject({ code: 'ORDER_MISSING', message: 'order 9 does not exist', retryable: false });
  });

  it('ends ERROR RESULT_NOT_JSON naming where the value is not JSON', async () => {
    const { outcome } = await run('not_json');
    expect(outcome.error?.code).toBe('RESULT_NOT_JSON');
    expect(outcome.error?.message).toContain('module not_json returned a value that is not JSON: result.items[1].when: a datetime');
  });

  it('ends ERROR for a module without a run function, and MODULE_NOT_FOUND for a missing module', async () => {
    const noRun = await run('no_run');
    expect(noRun.outcome.error).toMatchObject({ code: 'MODULE_ERROR', message: expect.stringContaining('has no run(ctx, payload, params) function') });
    const missing = await run('billing.missing');
    expect(missing.outcome.error).toMatchObject({ code: 'MODULE_NOT_FOUND', message: expect.stringContaining(`${PY}/billing/missing.py`) });
  });

  it('resolves ctx.secret through hooks.secret, and raises a refusal with its code', async () => {
    const asked: string[] = [];
    const given = await run('secret', { parameters: { token: { value: 'resolved-token' } } }, async (key) => {
      asked.push(key);
      return `value-of-${key}`;
    });
    expect(asked).toEqual(['API_KEY']);
    expect(given.outcome).toMatchObject({ outcome: 'SUCCESS', result: { key: 'value-of-API_KEY', param: 'resolved-token' } });
    expect(given.logs.map((log) => log.message)).toContain('the key is value-of-API_KEY');
    const refusal = Object.assign(new Error('secret API_KEY refused'), { code: 'FORBIDDEN' });
    const refused = await run('secret', {}, () => Promise.reject(refusal));
    expect(refused.outcome).toMatchObject({ outcome: 'ERROR', error: { code: 'FORBIDDEN', message: 'secret API_KEY refused' } });
    const unavailable = await run('secret');
    expect(unavailable.outcome.error).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('imports packages with relative imports, once per worker', async () => {
    const lines = [{ qty: 2, price: 5 }, { qty: 1, price: 3 }];
    expect((await run('orders.enrich', { payload: { lines } })).outcome).toMatchObject({ outcome: 'SUCCESS', result: { total: 13 } });
    const first = (await run('counter')).outcome.result as { calls: number; pid: number };
    const second = (await run('counter')).outcome.result as { calls: number; pid: number };
    if (first.pid === second.pid) expect(second.calls).toBe(first.calls + 1);
    else expect(second.calls).toBe(1);
  });

  it('gives the module an empty stdin (the commands are not readable)', async () => {
    expect((await run('reads_stdin')).outcome).toMatchObject({ outcome: 'SUCCESS', result: { stdin: '' } });
  });

  it.each(['exits', 'killed'])('fails a task whose interpreter dies (%s), keeps its output, and the pool recovers', async (module) => {
    const { outcome, logs } = await run(module);
    expect(outcome.outcome).toBe('ERROR');
    expect(outcome.error?.code).toBe('MODULE_ERROR');
    expect(outcome.error?.message).toContain(module === 'exits' ? 'exited with code 3' : 'exited with signal SIGKILL');
    expect(logs.map((log) => log.message)).toContain(module === 'exits' ? 'about to exit' : 'about to die');
    const [a, b] = await Promise.all([run('echo'), run('warns')]);
    expect(a.outcome.outcome).toBe('SUCCESS');
    expect(b.outcome.outcome).toBe('WARNING');
  });

  it('kills the process of an aborted task (the timeout path) with the abort reason, and runs the next task', async () => {
    const controller = new AbortController();
    const logs: TaskLog[] = [];
    const running = executor.run(makeTask('hangs'), {
      onLog: (log) => {
        logs.push(log);
        if (log.message === 'waiting forever') controller.abort({ code: 'TIMEOUT', message: 'task ran longer than its timeout' });
      },
      signal: controller.signal,
    });
    expect(await running).toMatchObject({ outcome: 'ERROR', error: { code: 'TIMEOUT', message: 'task ran longer than its timeout' } });
    expect((await run('echo')).outcome.outcome).toBe('SUCCESS');
  });

  it('queues tasks beyond the pool size and runs them all', async () => {
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => run('echo', { payload: { i } })));
    expect(outcomes.map(({ outcome }) => (outcome.result as { payload: { i: number } }).payload.i)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('fails queued tasks RUNTIME_UNAVAILABLE when the interpreter cannot start', async () => {
    const broken = new ScriptExecutor({
      runtime: 'python',
      size: 1,
      moduleRoots: [PY],
      extensions: ['.py'],
      process: { command: 'python3', args: ['-c', 'import sys; sys.exit(5)'], env: process.env, channel: 'fd3' },
    });
    const outcome = await broken.run(makeTask('echo'), { onLog: () => undefined });
    expect(outcome.error).toMatchObject({ code: 'RUNTIME_UNAVAILABLE', message: expect.stringContaining('exited with code 5') });
    await broken.close();
  });
});
