import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Logger } from '@nexomatic/core';
import { errorOutcome, type TaskHooks, type TaskOutcome } from './executor.js';
import type { DoneMessage, LogMessage, SecretReplyMessage, SecretRequestMessage } from './ipc.js';
import { LineSplitter } from './lines.js';

/** A message a runner sends back, in any runtime: ready, a log record, a secret request, done. */
export type WorkerMessage = { type: 'ready'; version?: string } | LogMessage | DoneMessage | SecretRequestMessage;

/** What every runner process of a pool is given, whatever its runtime. */
export interface WorkerProcessOptions {
  logger: Logger;
  /** Called once when the process has exited and its output is read. */
  onExit(): void;
}

/** How a {@link WorkerProcess} names itself in errors and debug logs. */
export interface WorkerProcessNames {
  /** Before `exited with ... before it was ready`, e.g. `module process` or `python3`. */
  starting: string;
  /** Before `exited with ...` when a running task's process dies. */
  crashed: string;
  /** Before `<pid> <stream>: <line>` for output outside any task. */
  output: string;
}

interface Running {
  id: string;
  hooks: TaskHooks;
  resolve: (outcome: TaskOutcome) => void;
  done: TaskOutcome | undefined;
  marks: number;
}

/**
 * One long-lived runner process of an executor pool, one task at a time. Its stdout and stderr
 * become raw log records of the task it runs; a task ends once the runner's `done` message and the
 * end marker on both pipes have arrived, so no line is attributed late. Subclasses start the process
 * and carry messages (how to send, how to receive, how to stop gracefully); the rest lives here.
 */
export abstract class WorkerProcess<Run extends { id: string }> {
  /** Resolves when the runner is ready for tasks; rejects if it exits first. */
  readonly ready: Promise<void>;
  private running: Running | undefined;
  private killCode: { code: string; message: string } | undefined;
  private exited = false;
  private isReady = false;
  private stderrTail = '';
  private readonly stopped: Array<() => void> = [];
  private readonly readyResolve: () => void;
  private readonly endParts: (how: string) => void;

  /**
   * Reads `child`'s stdout, stderr and `messagePipes` (each a pipe of message lines handled by
   * `onMessageLine`); a stdout line `stdoutMessage` accepts is a message too, not output.
   */
  protected constructor(
    protected readonly child: ChildProcess,
    private readonly base: WorkerProcessOptions & {
      names: WorkerProcessNames;
      messagePipes?: ReadonlyArray<Readable>;
      stdoutMessage?: (line: string) => string | undefined;
    },
  ) {
    let readyResolve!: () => void;
    let readyReject!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => ((readyResolve = resolve), (readyReject = reject)));
    this.ready.catch(() => undefined);
    this.readyResolve = readyResolve;
    const stdout = new LineSplitter((line) => {
      const message = base.stdoutMessage?.(line);
      if (message === undefined) this.output('stdout', line);
      else this.onMessageLine(message);
    }, (id) => this.mark(id));
    const stderr = new LineSplitter((line) => this.output('stderr', line), (id) => this.mark(id));
    const pipes: Readable[] = [child.stdout!, child.stderr!];
    read(child.stdout!, stdout);
    read(child.stderr!, stderr);
    for (const pipe of base.messagePipes ?? []) {
      pipes.push(pipe);
      read(pipe, new LineSplitter((line) => this.onMessageLine(line), () => undefined));
    }
    // The process is gone once it exited (or failed to spawn) and its pipes are drained, so every
    // line of a dying task is read first.
    let how: string | undefined;
    let openParts = pipes.length + 1;
    const partDone = (): void => {
      if (--openParts > 0) return;
      this.exited = true;
      readyReject(new Error(`${base.names.starting} exited with ${how} before it was ready${this.stderrTail ? `: ${this.stderrTail}` : ''}`));
      const running = this.running;
      this.running = undefined;
      if (running) {
        const killed = this.killCode ? errorOutcome(this.killCode.code, this.killCode.message) : undefined;
        running.resolve(running.done ?? killed ?? errorOutcome('MODULE_ERROR', `${base.names.crashed} exited with ${how}`));
      }
      base.onExit();
      for (const resolve of this.stopped.splice(0)) resolve();
    };
    for (const pipe of pipes) pipe.once('close', partDone);
    let ended = false;
    this.endParts = (text) => {
      if (ended) return;
      ended = true;
      how = text;
      partDone();
    };
    child.once('exit', (code, signal) => this.endParts(signal ? `signal ${signal}` : `code ${code}`));
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

  /** Runs one task; the process must be available. Never rejects. */
  run(message: Run, hooks: TaskHooks): Promise<TaskOutcome> {
    return new Promise((resolve) => {
      this.running = { id: message.id, hooks, resolve, done: undefined, marks: 0 };
      this.send(message);
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

  /** Asks the runner to exit ({@link WorkerProcess.requestStop}) and waits for it; SIGKILL after 2 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const closed = new Promise<void>((resolve) => this.stopped.push(resolve));
    this.requestStop();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await closed;
    clearTimeout(timer);
  }

  /** Sends a run or secret-reply message to the runner. */
  protected abstract send(message: Run | SecretReplyMessage): void;

  /** Asks the runner to exit on its own (close its channel). */
  protected abstract requestStop(): void;

  /** The logger the process was started with. */
  protected get logger(): Logger {
    return this.base.logger;
  }

  /** True once the process has exited and its pipes are drained. */
  protected get hasExited(): boolean {
    return this.exited;
  }

  /** Ends the process' bookkeeping with `how` when it cannot even start (a spawn `error`). */
  protected failedToStart(how: string): void {
    this.endParts(how);
  }

  /** Handles one message line that is not yet parsed (JSON). */
  protected onMessageLine(line: string): void {
    let message: WorkerMessage;
    try {
      message = JSON.parse(line) as WorkerMessage;
    } catch {
      this.base.logger.warn('unreadable message from a runner process', { line: line.slice(0, 200) });
      return;
    }
    this.receive(message);
  }

  /** Handles one message from the runner. */
  protected receive(message: WorkerMessage): void {
    if (message.type === 'ready') {
      this.isReady = true;
      this.readyResolve();
      return;
    }
    const running = this.running;
    if (!running || message.id !== running.id) return;
    if (message.type === 'secret') return this.answerSecret(running.hooks, message);
    if (message.type === 'log') {
      const fields = message.fields && typeof message.fields === 'object' ? { fields: message.fields } : {};
      running.hooks.onLog({ stream: 'log', level: message.level, message: String(message.message).slice(0, 64 * 1024), time: message.time, ...fields });
      return;
    }
    const warnings = Array.isArray(message.warnings) ? message.warnings.map(String) : [];
    running.done =
      message.error === null || message.error === undefined
        ? { outcome: warnings.length > 0 ? 'WARNING' : 'SUCCESS', result: message.result ?? null, error: null, warnings }
        : { outcome: 'ERROR', result: null, error: message.error, warnings };
    this.finishIfComplete();
  }

  /** Asks the sink for a secret the module wants (`ctx.secret`) and sends the answer (value or refusal) back. */
  private answerSecret(hooks: TaskHooks, { requestId, key }: SecretRequestMessage): void {
    const refuse = Object.assign(new Error(`secret ${key}: secrets are not available here`), { code: 'FORBIDDEN' });
    const ask = hooks.secret ? hooks.secret(key) : Promise.reject(refuse);
    void ask
      .then(
        (value): SecretReplyMessage => ({ type: 'secret-reply', requestId, value }),
        (error: unknown): SecretReplyMessage => {
          const code = (error as { code?: unknown } | null)?.code;
          const message = error instanceof Error ? error.message : String(error);
          return { type: 'secret-reply', requestId, error: { code: typeof code === 'string' ? code : 'FORBIDDEN', message } };
        },
      )
      .then((reply) => {
        if (!this.exited) this.send(reply);
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
    if (running) running.hooks.onLog({ stream, level: stream === 'stderr' ? 'error' : 'info', message: line, time: new Date().toISOString() });
    else this.base.logger.debug(`${this.base.names.output} ${this.child.pid} ${stream}: ${line}`);
  }
}

function read(stream: Readable, lines: LineSplitter): void {
  stream.on('data', (chunk: Buffer) => lines.write(chunk));
  stream.on('end', () => lines.end());
  stream.on('error', () => undefined);
}
