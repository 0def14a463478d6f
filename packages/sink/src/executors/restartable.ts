import type { TaskRequest } from '@nexomatic/core';
import type { Executor, TaskHooks, TaskOutcome } from './executor.js';

/**
 * An executor that can be replaced by a fresh one (a `RESET`): new runner processes, so module
 * code is imported again. Tasks go to the executor in force when they start.
 */
export class RestartableExecutor implements Executor {
  private constructor(
    private current: Executor,
    private readonly create: () => Promise<Executor>,
  ) {}

  /** Starts a first executor with `create`, which {@link RestartableExecutor.restart} calls again. */
  static async start(create: () => Promise<Executor>): Promise<RestartableExecutor> {
    return new RestartableExecutor(await create(), create);
  }

  run(task: TaskRequest, hooks: TaskHooks): Promise<TaskOutcome> {
    return this.current.run(task, hooks);
  }

  killAll(code: string, message: string): void {
    this.current.killAll(code, message);
  }

  close(): Promise<void> {
    return this.current.close();
  }

  /**
   * Starts a new executor, then closes the old one (call it with no task running). If the new one
   * cannot start, the old one stays and the error is thrown.
   */
  async restart(): Promise<void> {
    const next = await this.create();
    const old = this.current;
    this.current = next;
    await old.close();
  }
}
