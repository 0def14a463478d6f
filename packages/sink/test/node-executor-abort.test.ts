import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeExecutor } from '../src/executors/node.js';
import type { TaskAbortReason, TaskLog } from '../src/executors/executor.js';
import { FIXTURES, makeTask, waitFor } from './support/helpers.js';

describe('node executor: stopping a task through its signal', () => {
  let executor: NodeExecutor;
  beforeAll(async () => {
    executor = await NodeExecutor.start({ size: 1, moduleRoots: [FIXTURES] });
  });
  afterAll(async () => {
    await executor.close();
  });

  function start(module: string, payload = {}) {
    const controller = new AbortController();
    const logs: TaskLog[] = [];
    const outcome = executor.run(makeTask(module, { payload }), { onLog: (log) => logs.push(log), signal: controller.signal });
    const stop = (reason: TaskAbortReason) => controller.abort(reason);
    return { outcome, logs, stop };
  }

  it('kills the process of a module that never resolves, and of one that busy-loops; the pool runs on', async () => {
    for (const module of ['hangs', 'burn']) {
      const task = start(module);
      await waitFor(() => task.logs.length > 0, `${module} to start`);
      task.stop({ code: 'TIMEOUT', message: 'too slow' });
      expect(await task.outcome).toEqual({ outcome: 'ERROR', result: null, error: { code: 'TIMEOUT', message: 'too slow' }, warnings: [] });
      const next = start('echo', { after: module });
      expect(await next.outcome).toMatchObject({ outcome: 'SUCCESS', result: { payload: { after: module } } });
    }
  });

  it('drops a queued task at once, without running it, while the running one carries on', async () => {
    const first = start('hangs');
    await waitFor(() => first.logs.length > 0, 'the first task to start');
    const queued = start('echo');
    queued.stop({ code: 'CANCELLED', message: 'not wanted' });
    expect(await queued.outcome).toMatchObject({ outcome: 'ERROR', error: { code: 'CANCELLED', message: 'not wanted' } });
    expect(queued.logs).toEqual([]);
    first.stop({ code: 'CANCELLED', message: 'done waiting' });
    expect(await first.outcome).toMatchObject({ error: { code: 'CANCELLED' } });
  });

  it('does not start a task whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort({ code: 'CANCELLED', message: 'cancelled before it ran' } satisfies TaskAbortReason);
    const outcome = await executor.run(makeTask('echo'), { onLog: () => undefined, signal: controller.signal });
    expect(outcome.error).toEqual({ code: 'CANCELLED', message: 'cancelled before it ran' });
  });
});
