import { isNexomaticError, silentLogger, type Logger, type TaskRequest } from '@nexomatic/core';
import { abortReason, errorOutcome, type Executor, type TaskAbortReason, type TaskHooks, type TaskOutcome } from './executor.js';
import { resolveModulePath } from './module-path.js';
import { moduleTaskInfo } from './module-api.js';
import { moduleParams } from './node.js';
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

interface Waiting {
  message: ScriptRunMessage;
  hooks: TaskHooks;
  resolve: (outcome: TaskOutcome) => void;
  child: ScriptProcess | undefined;
}

/**
 * Runs modules of an interpreted runtime (Python, PowerShell) in a pool of long-lived runner
 * processes, started lazily as tasks arrive, up to `size`. One task per process at a time; a
 * process that dies (a crash, `os._exit`, a timeout's SIGKILL) is dropped and its task ends
 * `ERROR`; the next task starts a fresh one.
 */
export class ScriptExecutor implements Executor {
  private readonly processes = new Set<ScriptProcess>();
  private readonly waiting: Waiting[] = [];
  private readonly logger: Logger;
  private closed = false;
  private nextId = 0;

  constructor(private readonly options: ScriptExecutorOptions) {
    this.logger = options.logger ?? silentLogger;
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
  async runFile(task: TaskRequest, file: string, hooks: TaskHooks): Promise<TaskOutcome> {
    const { signal } = hooks;
    if (this.closed) return errorOutcome('CLOSED', `the ${this.options.runtime} executor is closed`);
    if (signal?.aborted) return errorOutcome(abortReason(signal).code, abortReason(signal).message);
    const { eventId, attempt, module } = task;
    const message: ScriptRunMessage = {
      type: 'run',
      id: `${eventId}:${attempt}:${this.nextId++}`,
      module,
      file,
      task: moduleTaskInfo(task),
      payload: task.payload,
      params: moduleParams(task.parameters),
    };
    const entry: Waiting = { message, hooks, resolve: () => undefined, child: undefined };
    const onAbort = (): void => this.abort(entry, abortReason(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await new Promise<TaskOutcome>((resolve) => {
        entry.resolve = resolve;
        this.waiting.push(entry);
        this.dispatch();
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Kills every busy runner process and fails every queued task with `code`. */
  killAll(code: string, message: string): void {
    for (const waiting of this.waiting.splice(0)) waiting.resolve(errorOutcome(code, message));
    for (const child of this.processes) if (child.busy) child.kill(code, message);
  }

  /** Stops every runner process; queued tasks end `ERROR` `CLOSED`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.waiting.splice(0)) waiting.resolve(errorOutcome('CLOSED', `the ${this.options.runtime} executor closed`));
    await Promise.all([...this.processes].map((child) => child.stop()));
  }

  private spawn(): void {
    const child = new ScriptProcess({ ...this.options.process, logger: this.logger, onExit: (exited) => this.exited(exited) });
    this.processes.add(child);
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
  }

  private exited(child: ScriptProcess): void {
    this.processes.delete(child);
    if (!this.closed) this.dispatch();
  }

  private abort(entry: Waiting, { code, message }: TaskAbortReason): void {
    const index = this.waiting.indexOf(entry);
    if (index !== -1) {
      this.waiting.splice(index, 1);
      entry.resolve(errorOutcome(code, message));
      return;
    }
    entry.child?.kill(code, message, entry.message.id);
  }

  private dispatch(): void {
    if (this.closed) return;
    for (const child of this.processes) {
      if (this.waiting.length === 0) return;
      if (!child.available) continue;
      const next = this.waiting.shift()!;
      next.child = child;
      void child.run(next.message, next.hooks).then(next.resolve).finally(() => this.dispatch());
    }
    // Start more processes for tasks still waiting, up to the pool size (those starting count).
    const starting = [...this.processes].filter((child) => !child.available && !child.busy).length;
    let missing = Math.min(this.waiting.length - starting, this.options.size - this.processes.size);
    while (missing-- > 0) this.spawn();
  }
}
