import { silentLogger, type Json, type Logger, type TaskRequest } from '@nexomatic/core';
import { abortReason, errorOutcome, type Executor, type TaskAbortReason, type TaskHooks, type TaskOutcome } from './executor.js';
import type { RunMessage } from './ipc.js';
import { moduleTaskInfo } from './module-api.js';
import type { WorkerProcess } from './worker-process.js';

/** Plain `{ name: value }` params for a module. The sink resolves `SECRET` references to values before a task reaches the executor; any reference left is dropped. */
export function moduleParams(parameters: TaskRequest['parameters']): Record<string, Json> {
  const params: Record<string, Json> = {};
  for (const [name, parameter] of Object.entries(parameters)) if ('value' in parameter) params[name] = parameter.value;
  return params;
}

interface Waiting<Run, P> {
  message: Run;
  hooks: TaskHooks;
  resolve: (outcome: TaskOutcome) => void;
  /** The process running it, once dispatched. */
  child: P | undefined;
}

/**
 * A pool of long-lived runner processes, one task per process at a time: the waiting queue,
 * dispatch to a free process, abort and timeout (the process is killed, not asked), `killAll` and
 * `close`. Subclasses say how a process starts and what happens when one exits.
 */
export abstract class ProcessPool<Run extends RunMessage, P extends WorkerProcess<Run>> implements Executor {
  /** The runner processes alive or starting. */
  protected readonly processes = new Set<P>();
  /** Tasks waiting for a free process. */
  protected readonly waiting: Array<Waiting<Run, P>> = [];
  protected readonly logger: Logger;
  protected closed = false;
  private nextId = 0;

  /** `runtime` names the pool in messages, e.g. `node` or `python`. */
  protected constructor(
    protected readonly runtime: string,
    logger: Logger | undefined,
  ) {
    this.logger = logger ?? silentLogger;
  }

  /** Runs one task attempt. Never rejects. */
  abstract run(task: TaskRequest, hooks: TaskHooks): Promise<TaskOutcome>;

  /** Kills every busy runner process and fails every queued task with `code`. */
  killAll(code: string, message: string): void {
    for (const waiting of this.waiting.splice(0)) waiting.resolve(errorOutcome(code, message));
    for (const child of this.processes) if (child.busy) child.kill(code, message);
  }

  /** Stops every runner process; queued tasks end `ERROR` with code `CLOSED`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.waiting.splice(0)) waiting.resolve(errorOutcome('CLOSED', `the ${this.runtime} executor closed`));
    await Promise.all([...this.processes].map((child) => child.stop()));
  }

  /** Starts one runner process; `onExit` must be called once it has exited and its output is read. */
  protected abstract createProcess(onExit: () => void): P;

  /** Called when `child` has exited (it is already out of the pool). */
  protected abstract exited(child: P): void;

  /** Called after each dispatch round, e.g. to start more processes for tasks still waiting. */
  protected grow(): void {}

  /** Starts a runner process and adds it to the pool. */
  protected spawn(): P {
    const child: P = this.createProcess(() => {
      this.processes.delete(child);
      this.exited(child);
    });
    this.processes.add(child);
    return child;
  }

  /**
   * Runs one task attempt of the module in `file` in a free runner process (queued until one is
   * free). Aborting `hooks.signal` drops it from the queue, or kills its process.
   */
  protected async submit(task: TaskRequest, file: string, hooks: TaskHooks, extra: (message: RunMessage) => Run): Promise<TaskOutcome> {
    const { signal } = hooks;
    if (this.closed) return errorOutcome('CLOSED', `the ${this.runtime} executor is closed`);
    if (signal?.aborted) return abortedOutcome(signal);
    const message = extra({
      type: 'run',
      id: `${task.eventId}:${task.attempt}:${this.nextId++}`,
      file,
      task: moduleTaskInfo(task),
      payload: task.payload,
      params: moduleParams(task.parameters),
    });
    const entry: Waiting<Run, P> = { message, hooks, resolve: () => undefined, child: undefined };
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

  /** Hands waiting tasks to free processes. */
  protected dispatch(): void {
    if (this.closed) return;
    for (const child of this.processes) {
      if (this.waiting.length === 0) break;
      if (!child.available) continue;
      const next = this.waiting.shift()!;
      next.child = child;
      void child.run(next.message, next.hooks).then(next.resolve).finally(() => this.dispatch());
    }
    this.grow();
  }

  /** Stops one task: out of the queue if it waits, else its process is killed. */
  private abort(entry: Waiting<Run, P>, { code, message }: TaskAbortReason): void {
    const index = this.waiting.indexOf(entry);
    if (index !== -1) {
      this.waiting.splice(index, 1);
      entry.resolve(errorOutcome(code, message));
      return;
    }
    entry.child?.kill(code, message, entry.message.id);
  }
}

/** The `ERROR` outcome of a task whose signal aborted. */
export function abortedOutcome(signal: AbortSignal): TaskOutcome {
  const { code, message } = abortReason(signal);
  return errorOutcome(code, message);
}
