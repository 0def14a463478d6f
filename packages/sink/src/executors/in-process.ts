import { pathToFileURL } from 'node:url';
import { isNexomaticError, silentLogger, type Json, type LogLevel, type Logger, type TaskRequest } from '@nexomatic/core';
import { abortReason, errorOutcome, type Executor, type TaskHooks, type TaskOutcome } from './executor.js';
import { findRun, moduleTaskInfo, toFields, type ModuleContext } from './module-api.js';
import { resolveModulePath } from './module-path.js';
import { jsonProblem, toErrorData } from './module-result.js';
import { moduleParams } from './process-pool.js';

/** Options of the {@link InProcessNodeExecutor}. */
export interface InProcessNodeExecutorOptions {
  /** Directories module paths are resolved against, in order. */
  moduleRoots: ReadonlyArray<string>;
  logger?: Logger;
}

/** How many executors were started in this process: a restarted one imports modules afresh. */
let generations = 0;

/**
 * The node executor's in-process mode, for trusted hot paths: modules run in the agent's own
 * process and event loop, with no process start or IPC per task. The `ctx` contract is the same
 * as in a runner process (`log`, `warn`, `secret`, `task`), with two differences:
 *
 * - a timeout, cancel or `FORCE_KILL` cannot kill the module: the task ends `ERROR` (`TIMEOUT`,
 *   `CANCELLED`, `KILLED`) at once and its promise is abandoned, still running, its result ignored;
 * - what the module prints goes to the agent's own stdout/stderr, not to the task's raw log (use
 *   `ctx.log`).
 *
 * A module that blocks the event loop also stops the agent's heartbeat: use it only for short,
 * trusted modules. Each executor (a `RESET` starts a new one) imports modules afresh.
 */
export class InProcessNodeExecutor implements Executor {
  private readonly logger: Logger;
  private readonly generation = ++generations;
  private readonly loaded = new Map<string, Promise<Record<string, unknown>>>();
  /** Each module path's file, once found (probing the roots costs more than a no-op task). */
  private readonly files = new Map<string, string>();
  /** Ends each running task at once with an `ERROR` outcome. */
  private readonly running = new Set<(outcome: TaskOutcome) => void>();
  private closed = false;

  private constructor(private readonly options: InProcessNodeExecutorOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Starts the executor (nothing to spawn). */
  static start(options: InProcessNodeExecutorOptions): Promise<InProcessNodeExecutor> {
    return Promise.resolve(new InProcessNodeExecutor(options));
  }

  /** Runs one task attempt in this process. Never rejects; an abort ends it at once (see the class). */
  async run(task: TaskRequest, hooks: TaskHooks): Promise<TaskOutcome> {
    const { signal } = hooks;
    if (this.closed) return errorOutcome('CLOSED', 'the node executor is closed');
    if (signal?.aborted) return errorOutcome(abortReason(signal).code, abortReason(signal).message);
    return new Promise<TaskOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: TaskOutcome): void => {
        if (settled) return;
        settled = true;
        this.running.delete(finish);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = (): void => {
        const { code, message } = abortReason(signal!);
        this.logger.warn('in-process task stopped; its module cannot be killed and is abandoned', { eventId: task.eventId, code });
        finish(errorOutcome(code, `${message} (in-process: the module was abandoned, not killed)`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.running.add(finish);
      void this.execute(task, hooks).then(finish);
    });
  }

  /** Ends every running task at once with `code`; their modules are abandoned. */
  killAll(code: string, message: string): void {
    for (const finish of [...this.running]) finish(errorOutcome(code, message));
  }

  /** Refuses new tasks; running ones end `ERROR` `CLOSED`. */
  close(): Promise<void> {
    this.closed = true;
    this.killAll('CLOSED', 'the node executor closed');
    return Promise.resolve();
  }

  private async execute(task: TaskRequest, hooks: TaskHooks): Promise<TaskOutcome> {
    const warnings: string[] = [];
    const log = (level: LogLevel) => (text: string, fields?: Record<string, unknown>) => {
      const json = toFields(fields);
      hooks.onLog({ stream: 'log', level, message: String(text).slice(0, 64 * 1024), time: new Date().toISOString(), ...(json ? { fields: json } : {}) });
    };
    const { module } = task;
    const info = moduleTaskInfo(task);
    const ctx: ModuleContext = {
      task: info,
      traceparent: info.traceparent,
      tracestate: info.tracestate,
      log: { debug: log('debug'), info: log('info'), warning: log('warning'), error: log('error') },
      warn: (text) => void warnings.push(String(text)),
      secret: (key) => (hooks.secret ? hooks.secret(String(key)) : Promise.reject(Object.assign(new Error('secrets are not available'), { code: 'FORBIDDEN' }))),
    };
    try {
      let file = this.files.get(module);
      if (file === undefined) {
        file = await resolveModulePath(module, this.options.moduleRoots);
        this.files.set(module, file);
      }
      const run = findRun(await this.import(file));
      if (!run) return { ...errorOutcome('MODULE_ERROR', `module ${module} (${file}) exports no run function`), warnings };
      const value = await run(ctx, task.payload, moduleParams(task.parameters));
      const problem = jsonProblem(value);
      if (problem) return { ...errorOutcome('RESULT_NOT_JSON', `module ${module} returned a value that is not JSON: ${problem}`), warnings };
      const result = value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json);
      return { outcome: warnings.length > 0 ? 'WARNING' : 'SUCCESS', result, error: null, warnings };
    } catch (thrown) {
      if (isNexomaticError(thrown)) return { ...errorOutcome(thrown.code, thrown.message), warnings };
      return { outcome: 'ERROR', result: null, error: toErrorData(thrown), warnings };
    }
  }

  /** Imports a module once per executor; TypeScript through tsx. */
  private import(file: string): Promise<Record<string, unknown>> {
    let module = this.loaded.get(file);
    if (!module) {
      const url = `${pathToFileURL(file).href}?nexomatic=${this.generation}`;
      module = /\.m?ts$/.test(file)
        ? import('tsx/esm/api').then(({ tsImport }) => tsImport(url, import.meta.url) as Promise<Record<string, unknown>>)
        : (import(url) as Promise<Record<string, unknown>>);
      this.loaded.set(file, module);
      module.catch(() => this.loaded.delete(file));
    }
    return module;
  }
}
