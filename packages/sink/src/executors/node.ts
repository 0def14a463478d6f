import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { NexomaticError, isNexomaticError, type Logger, type TaskRequest } from '@nexomatic/core';
import { errorOutcome, type TaskHooks, type TaskOutcome } from './executor.js';
import type { RunMessage } from './ipc.js';
import { ModuleProcess } from './module-process.js';
import { resolveModulePath } from './module-path.js';
import { ProcessPool, abortedOutcome } from './process-pool.js';

export { moduleParams } from './process-pool.js';

/** Options of the {@link NodeExecutor}. */
export interface NodeExecutorOptions {
  /** Runner processes in the pool: the most tasks run at once. */
  size: number;
  /** Directories module paths are resolved against, in order. */
  moduleRoots: ReadonlyArray<string>;
  logger?: Logger;
}

/** The runner file next to this one: `.ts` when running from source, `.js` when built. */
export const NODE_RUNNER_URL = new URL('./node-runner' + (import.meta.url.endsWith('.ts') ? '.ts' : '.js'), import.meta.url);

/**
 * Node flags for the runner processes: the agent's own (`process.execArgv`), plus, when the runner is
 * TypeScript (running from source, e.g. under vitest), the tsx loader and the `source` condition.
 */
export function runnerExecArgv(runner: URL = NODE_RUNNER_URL, execArgv: ReadonlyArray<string> = process.execArgv): string[] {
  const args = [...execArgv];
  if (!runner.pathname.endsWith('.ts')) return args;
  if (!args.some((arg) => arg.includes('tsx'))) {
    args.push('--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href);
  }
  if (!args.some((arg) => arg.startsWith('--conditions') || arg === '-C')) args.push('--conditions=source');
  return args;
}

/**
 * The node executor: runs JavaScript/TypeScript modules in a pool of long-lived child processes
 * (never in the agent's event loop), one task per process at a time. A process that dies is
 * replaced; its task ends `ERROR`.
 */
export class NodeExecutor extends ProcessPool<RunMessage, ModuleProcess> {
  private readonly execArgv = runnerExecArgv();
  private earlyExits = 0;

  private constructor(private readonly options: NodeExecutorOptions) {
    super('node', options.logger);
  }

  /** Starts the pool and waits until every runner process is ready. */
  static async start(options: NodeExecutorOptions): Promise<NodeExecutor> {
    const executor = new NodeExecutor(options);
    const started = Array.from({ length: options.size }, () => executor.spawn());
    try {
      await Promise.all(started.map((child) => child.ready));
    } catch (error) {
      await executor.close();
      throw new NexomaticError('INTERNAL', `node executor could not start: ${(error as Error).message}`, { cause: error });
    }
    return executor;
  }

  /**
   * Runs one task attempt in a free runner process (queued until one is free). Never rejects.
   * Aborting `hooks.signal` drops the task from the queue, or kills its process (the pool replaces it).
   */
  async run(task: TaskRequest, hooks: TaskHooks): Promise<TaskOutcome> {
    const { signal } = hooks;
    if (this.closed) return errorOutcome('CLOSED', 'the node executor is closed');
    if (signal?.aborted) return abortedOutcome(signal);
    let file: string;
    try {
      file = await resolveModulePath(task.module, this.options.moduleRoots);
    } catch (error) {
      return isNexomaticError(error) ? errorOutcome(error.code, error.message) : errorOutcome('MODULE_NOT_FOUND', String(error));
    }
    return this.submit(task, file, hooks, (message) => message);
  }

  protected createProcess(onExit: () => void): ModuleProcess {
    const child = new ModuleProcess({ runner: NODE_RUNNER_URL, execArgv: this.execArgv, logger: this.logger, onExit });
    child.ready.then(
      () => {
        this.earlyExits = 0;
        this.dispatch();
      },
      () => undefined,
    );
    return child;
  }

  /** Replaces a process that exited; one that could not even start is retried with a backoff. */
  protected exited(child: ModuleProcess): void {
    if (this.closed) return;
    child.ready.then(
      () => this.spawn(),
      (error: Error) => {
        // A runner that cannot even start would crash-loop: back off before the next try.
        this.earlyExits += 1;
        const delay = Math.min(10_000, 500 * 2 ** this.earlyExits);
        this.logger.error('module process failed to start', { error: error.message, retryInMs: delay });
        setTimeout(() => this.closed || this.spawn(), delay).unref();
      },
    );
  }
}
