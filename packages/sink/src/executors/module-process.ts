import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@nexomatic/core';
import { errorOutcome, type TaskHooks, type TaskOutcome } from './executor.js';
import type { RunMessage, RunnerMessage, SecretReplyMessage, SecretRequestMessage } from './ipc.js';
import { LineSplitter } from './lines.js';

interface Running {
  id: string;
  hooks: TaskHooks;
  resolve: (outcome: TaskOutcome) => void;
  done: TaskOutcome | undefined;
  marks: number;
}

/** How a {@link ModuleProcess} is started. */
export interface ModuleProcessOptions {
  runner: URL;
  execArgv: string[];
  logger: Logger;
  /** Called once when the process has exited and its output is read. */
  onExit(process: ModuleProcess): void;
}

/**
 * One long-lived runner process of the node executor: it runs one task at a time. Output on its
 * stdout/stderr pipes becomes raw log records of the task it runs; a task ends when the runner's
 * `done` message and its end marker on both pipes have arrived, so no line is attributed late.
 */
export class ModuleProcess {
  /** Resolves when the runner is ready for tasks; rejects if it exits first. */
  readonly ready: Promise<void>;
  private readonly child: ChildProcess;
  private running: Running | undefined;
  private killCode: { code: string; message: string } | undefined;
  private exited = false;
  private isReady = false;
  private stderrTail = '';
  private readonly stopped: Array<() => void> = [];

  constructor(private readonly options: ModuleProcessOptions) {
    this.child = fork(fileURLToPath(options.runner), [], {
      execArgv: options.execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    let readyResolve!: () => void;
    let readyReject!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => ((readyResolve = resolve), (readyReject = reject)));
    this.ready.catch(() => undefined);
    const stdout = new LineSplitter((line) => this.output('stdout', line), (id) => this.mark(id));
    const stderr = new LineSplitter((line) => this.output('stderr', line), (id) => this.mark(id));
    this.child.stdout!.on('data', (chunk: Buffer) => stdout.write(chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => stderr.write(chunk));
    this.child.stdout!.on('end', () => stdout.end());
    this.child.stderr!.on('end', () => stderr.end());
    this.child.on('message', (message: RunnerMessage) => {
      if (message.type === 'ready') {
        this.isReady = true;
        readyResolve();
      }
      else this.message(message);
    });
    this.child.on('error', (error) => options.logger.error('module process error', { error: error.message }));
    // The process is gone once it exited and both pipes are drained, so every line of a dying task
    // is read first. (ChildProcess' own 'close' is not emitted after disconnect(), so count here.)
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let openParts = 3;
    const partDone = (): void => {
      if (--openParts > 0) return;
      this.exited = true;
      const how = exit!.signal ? `signal ${exit!.signal}` : `code ${exit!.code}`;
      readyReject(new Error(`module process exited with ${how} before it was ready${this.stderrTail ? `: ${this.stderrTail}` : ''}`));
      const running = this.running;
      this.running = undefined;
      if (running) {
        const killed = this.killCode ? errorOutcome(this.killCode.code, this.killCode.message) : undefined;
        running.resolve(running.done ?? killed ?? errorOutcome('MODULE_ERROR', `module process exited with ${how}`));
      }
      options.onExit(this);
      for (const resolve of this.stopped.splice(0)) resolve();
    };
    this.child.stdout!.once('close', partDone);
    this.child.stderr!.once('close', partDone);
    this.child.once('exit', (code, signal) => {
      exit = { code, signal };
      partDone();
    });
  }

  /** True when the process is ready, alive and runs no task. */
  get available(): boolean {
    return this.isReady && !this.exited && this.running === undefined;
  }

  /** True while the process runs a task. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** The process id, for logs. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Runs one task; the process must be idle. Never rejects. */
  run(message: RunMessage, hooks: TaskHooks): Promise<TaskOutcome> {
    return new Promise((resolve) => {
      this.running = { id: message.id, hooks, resolve, done: undefined, marks: 0 };
      this.child.send(message, (error) => {
        if (error) this.options.logger.warn('could not send a task to its module process', { error: error.message });
      });
    });
  }

  /**
   * Kills the process at once (SIGKILL: a busy or stuck module is not asked); its running task ends
   * `ERROR` with `code`. With `taskId`, only if the process still runs that task.
   */
  kill(code: string, message: string, taskId?: string): void {
    if (taskId !== undefined && this.running?.id !== taskId) return;
    if (this.exited) return;
    this.killCode ??= { code, message };
    this.child.kill('SIGKILL');
  }

  /** Stops the process gracefully (it exits when its IPC channel closes) and waits for it. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const closed = new Promise<void>((resolve) => this.stopped.push(resolve));
    if (this.child.connected) this.child.disconnect();
    else this.child.kill('SIGKILL');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await closed;
    clearTimeout(timer);
  }

  private message(message: RunnerMessage): void {
    const running = this.running;
    if (!running || message.type === 'ready' || message.id !== running.id) return;
    if (message.type === 'secret') {
      this.answerSecret(running.hooks, message);
      return;
    }
    if (message.type === 'log') {
      running.hooks.onLog({ stream: 'log', level: message.level, message: message.message.slice(0, 64 * 1024), time: message.time, ...(message.fields ? { fields: message.fields } : {}) });
      return;
    }
    running.done =
      message.error === null
        ? { outcome: message.warnings.length > 0 ? 'WARNING' : 'SUCCESS', result: message.result, error: null, warnings: message.warnings }
        : { outcome: 'ERROR', result: null, error: message.error, warnings: message.warnings };
    this.finishIfComplete();
  }

  /** Asks the sink for a secret the module wants and sends the answer (value or refusal) back. */
  private answerSecret(hooks: TaskHooks, { requestId, key }: SecretRequestMessage): void {
    const ask = hooks.secret ? hooks.secret(key) : Promise.reject(Object.assign(new Error(`secret ${key}: secrets are not available here`), { code: 'FORBIDDEN' }));
    void ask.then(
      (value): SecretReplyMessage => ({ type: 'secret-reply', requestId, value }),
      (error: unknown): SecretReplyMessage => {
        const code = (error as { code?: unknown } | null)?.code;
        return { type: 'secret-reply', requestId, error: { code: typeof code === 'string' ? code : 'FORBIDDEN', message: error instanceof Error ? error.message : String(error) } };
      },
    ).then((reply) => {
      if (!this.exited && this.child.connected) this.child.send(reply);
    });
  }

  private mark(id: string): void {
    if (this.running?.id !== id) return;
    this.running.marks += 1;
    this.finishIfComplete();
  }

  private finishIfComplete(): void {
    const running = this.running;
    if (!running?.done || running.marks < 2) return;
    this.running = undefined;
    running.resolve(running.done);
  }

  private output(stream: 'stdout' | 'stderr', line: string): void {
    if (stream === 'stderr') this.stderrTail = line.slice(0, 500);
    const running = this.running;
    const time = new Date().toISOString();
    if (running) running.hooks.onLog({ stream, level: stream === 'stderr' ? 'error' : 'info', message: line, time });
    else this.options.logger.debug(`module process ${this.child.pid} ${stream}: ${line}`);
  }
}
