import { isNexomaticError, type Logger, type TaskRequest } from '@nexomatic/core';
import { errorOutcome, type TaskHooks, type TaskOutcome } from './executor.js';
import { resolveModulePath } from './module-path.js';
import { ProcessPool } from './process-pool.js';
import { ScriptProcess, type ScriptProcessOptions, type ScriptRunMessage } from './script-process.js';

/** Options of a {@link ScriptExecutor}. */
export interface ScriptExecutorOptions {
  /** The runtime's name in messages, e.g. `python`. */
  runtime: string;
  /** Runner processes in the pool at most: the most tasks run at once. */
  size: number;
  /** Directories module paths are resolved against, in order. */
  moduleRoots: ReadonlyArray<string>;
  /** Module file extensions of this runtime, e.g. `['.py']`. */
  extensions: ReadonlyArray<string>;
  /** How to start one runner process. */
  process: Pick<ScriptProcessOptions, 'command' | 'args' | 'env' | 'channel'>;
  logger?: Logger;
}

/**
 * Runs modules of an interpreted runtime (Python, PowerShell) in a pool of long-lived runner
 * processes, started lazily as tasks arrive, up to `size`. One task per process at a time; a
 * process that dies (a crash, `os._exit`, a timeout's SIGKILL) is dropped and its task ends
 * `ERROR`; the next task starts a fresh one.
 */
export class ScriptExecutor extends ProcessPool<ScriptRunMessage, ScriptProcess> {
  constructor(private readonly options: ScriptExecutorOptions) {
    super(options.runtime, options.logger);
  }

  /** Resolves the task's module among this runtime's files, then runs it. Never rejects. */
  async run(task: TaskRequest, hooks: TaskHooks): Promise<TaskOutcome> {
    let file: string;
    try {
      file = await resolveModulePath(task.module, this.options.moduleRoots, this.options.extensions);
    } catch (error) {
      return isNexomaticError(error) ? errorOutcome(error.code, error.message) : errorOutcome('MODULE_NOT_FOUND', String(error));
    }
    return this.runFile(task, file, hooks);
  }

  /**
   * Runs one task attempt of the module in `file` in a free runner process (queued until one is
   * free). Aborting `hooks.signal` drops it from the queue, or kills its process.
   */
  runFile(task: TaskRequest, file: string, hooks: TaskHooks): Promise<TaskOutcome> {
    return this.submit(task, file, hooks, (message) => ({ ...message, module: task.module }));
  }

  protected createProcess(onExit: () => void): ScriptProcess {
    const child = new ScriptProcess({ ...this.options.process, logger: this.logger, onExit });
    child.ready.then(
      () => this.dispatch(),
      (error: Error) => {
        // A runner that cannot even start would crash-loop: fail the queued tasks instead.
        this.logger.error(`${this.options.runtime} runner failed to start`, { error: error.message });
        for (const waiting of this.waiting.splice(0)) {
          waiting.resolve(errorOutcome('RUNTIME_UNAVAILABLE', `the ${this.options.runtime} runner failed to start: ${error.message}`));
        }
      },
    );
    return child;
  }

  /** A process that exited is not replaced now: the next waiting task starts a fresh one. */
  protected exited(): void {
    if (!this.closed) this.dispatch();
  }

  /** Starts more processes for tasks still waiting, up to the pool size (those starting count). */
  protected override grow(): void {
    const starting = [...this.processes].filter((child) => !child.available && !child.busy).length;
    let missing = Math.min(this.waiting.length - starting, this.options.size - this.processes.size);
    while (missing-- > 0) this.spawn();
  }
}
