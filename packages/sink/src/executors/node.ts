import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { NexomaticError, isNexomaticError, silentLogger, type Json, type Logger, type TaskRequest } from '@nexomatic/core';
import { abortReason, errorOutcome, type Executor, type TaskAbortReason, type TaskHooks, type TaskOutcome } from './executor.js';
import type { RunMessage } from './ipc.js';
import { ModuleProcess } from './module-process.js';
import { resolveModulePath } from './module-path.js';
import { moduleTaskInfo } from './module-api.js';

/** Options of the {@link NodeExecutor}. */
export interface NodeExecutorOptions {
  /** Runner processes in the pool: the most tasks run at once. */
  size: number;
  /** Directories module paths are resolved against, in order. */
  moduleRoots: ReadonlyArray<string>;
  logger?: Logger;
}

interface Waiting {
  message: RunMessage;
  hooks: TaskHooks;
  resolve: (outcome: TaskOutcome) => void;
  /** The process running it, once dispatched. */
  child: ModuleProcess | undefined;
}

function abortedOutcome(signal: AbortSignal): TaskOutcome {
  const { code, message } = abortReason(signal);
  return errorOutcome(code, message);
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

/** Plain `{ name: value }` params for a module. The sink resolves `SECRET` references to values before a task reaches the executor; any reference left is dropped. */
export function moduleParams(parameters: TaskRequest['parameters']): Record<string, Json> {
  const params: Record<string, Json> = {};
  for (const [name, parameter] of Object.entries(parameters)) if ('value' in parameter) params[name] = parameter.value;
  return params;
}

/**
 * The node executor: runs JavaScript/TypeScript modules in a pool of long-lived child processes
 * (never in the agent's event loop), one task per process at a time. A process that dies is
 * replaced; its task ends `ERROR`.
 */
export class NodeExecutor implements Executor {
  private readonly processes = new Set<ModuleProcess>();
  private readonly waiting: Waiting[] = [];
  private readonly logger: Logger;
  private readonly execArgv = runnerExecArgv();
  private closed = false;
  private nextId = 0;
  private earlyExits = 0;

  private constructor(private readonly options: NodeExecutorOptions) {
    this.logger = options.logger ?? silentLogger;
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
    if (signal?.aborted) return abortedOutcome(signal);
    const { eventId, attempt } = task;
    const message: RunMessage = {
      type: 'run',
      id: `${eventId}:${attempt}:${this.nextId++}`,
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

  /** Stops every runner process; queued tasks end `ERROR` with code `CLOSED`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.waiting.splice(0)) waiting.resolve(errorOutcome('CLOSED', 'the node executor closed'));
    await Promise.all([...this.processes].map((child) => child.stop()));
  }

  private spawn(): ModuleProcess {
    const child = new ModuleProcess({
      runner: NODE_RUNNER_URL,
      execArgv: this.execArgv,
      logger: this.logger,
      onExit: (exited) => this.replace(exited),
    });
    this.processes.add(child);
    child.ready.then(
      () => {
        this.earlyExits = 0;
        this.dispatch();
      },
      () => undefined,
    );
    return child;
  }

  private replace(exited: ModuleProcess): void {
    this.processes.delete(exited);
    if (this.closed) return;
    exited.ready.then(
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

  /** Stops one task: out of the queue if it waits, else its process is killed. */
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
    for (const child of this.processes) {
      if (this.waiting.length === 0) return;
      if (!child.available) continue;
      const next = this.waiting.shift()!;
      next.child = child;
      void child.run(next.message, next.hooks).then(next.resolve).finally(() => this.dispatch());
    }
  }
}
