import { describe, expect, it } from 'vitest';
import { silentLogger, type ReportInput, type TaskRequest } from '@nexomatic/core';
import { abortedOutcome } from '../src/executors/process-pool.js';
import type { Executor, TaskHooks, TaskOutcome } from '../src/executors/executor.js';
import type { Reporter } from '../src/reporter.js';
import { TaskRunner, type ResultReportInput } from '../src/tasks.js';
import { makeTask, waitFor } from './support/helpers.js';

/**
 * An executor whose tasks run until their signal aborts, and whose own `killAll` does nothing: the
 * runner alone must stop what it took.
 */
function foreverExecutor(): Executor & { started: TaskRequest[] } {
  const started: TaskRequest[] = [];
  return {
    started,
    run(task: TaskRequest, hooks: TaskHooks): Promise<TaskOutcome> {
      if (hooks.signal?.aborted) return Promise.resolve(abortedOutcome(hooks.signal));
      started.push(task);
      return new Promise((resolve) => hooks.signal?.addEventListener('abort', () => resolve(abortedOutcome(hooks.signal!)), { once: true }));
    },
    killAll: () => undefined,
    close: async () => undefined,
  };
}

function runner(executor: Executor) {
  const results: ResultReportInput[] = [];
  const tasks = new TaskRunner({
    executor,
    reporter: { enqueue: (_report: ReportInput) => undefined } as unknown as Reporter,
    logger: silentLogger,
    onTask: () => undefined,
    onResult: (report) => results.push(report),
  });
  return { tasks, results };
}

describe('TaskRunner.killAll', () => {
  it('stops an attempt taken but not yet handed to the executor: it never runs, and ends with the kill', async () => {
    const executor = foreverExecutor();
    const { tasks, results } = runner(executor);
    const task = makeTask('echo');
    tasks.take(task, true);
    // Secrets are resolved first (asynchronously): the executor has not seen the task yet.
    expect(executor.started).toHaveLength(0);
    tasks.killAll('KILLED', 'task killed by FORCE_KILL');
    await tasks.settled();
    expect(executor.started).toHaveLength(0);
    expect(results).toEqual([expect.objectContaining({ eventId: task.eventId, outcome: 'ERROR', error: expect.objectContaining({ code: 'KILLED' }) })]);
  });

  it('stops attempts already running in the executor', async () => {
    const executor = foreverExecutor();
    const { tasks, results } = runner(executor);
    const [a, b] = [makeTask('echo'), makeTask('echo')];
    tasks.take(a, true);
    tasks.take(b, true);
    await waitFor(() => executor.started.length === 2, 'both tasks running');
    tasks.killAll('KILLED', 'task killed by FORCE_KILL');
    await tasks.settled();
    expect(results.map((r) => [r.eventId, r.error?.code])).toEqual([
      [a.eventId, 'KILLED'],
      [b.eventId, 'KILLED'],
    ]);
    expect(tasks.runningCount).toBe(0);
  });
});
