import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Logger } from '@nexomatic/core';
import { errorOutcome, type TaskHooks, type TaskOutcome } from './executor.js';
import type { DoneMessage, LogMessage, ModuleTaskInfo, SecretReplyMessage, SecretRequestMessage } from './ipc.js';
import { LineSplitter } from './lines.js';

/** Prefix of a runner message on stdout, for runners that cannot write to fd 3 (PowerShell). */
export const MESSAGE_MARK = '\u001e@nexomatic:msg:';

/** Executor -> runner: run one task (a line of JSON on the runner's stdin). */
export interface ScriptRunMessage {
  type: 'run';
  id: string;
  /** The dotted module path, e.g. `orders.enrich`. */
  module: string;
  /** The file the module path resolved to. */
  file: string;
  /** What the module reads as `ctx.task`; `traceparent`/`tracestate` also become `ctx.traceparent`/`ctx.tracestate`. */
  task: ModuleTaskInfo;
  payload: unknown;
  params: Record<string, unknown>;
}

type ScriptRunnerMessage = { type: 'ready'; version?: string } | LogMessage | DoneMessage | SecretRequestMessage;

/** How a {@link ScriptProcess} is started. */
export interface ScriptProcessOptions {
  /** The interpreter, e.g. `python3` or `pwsh`. */
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Where the runner writes its messages: a dedicated pipe on fd 3, or marked lines on stdout. */
  channel: 'fd3' | 'stdout';
  logger: Logger;
  /** Called once when the process has exited and its output is read. */
  onExit(process: ScriptProcess): void;
}

interface Running {
  id: string;
  hooks: TaskHooks;
  resolve: (outcome: TaskOutcome) => void;
  done: TaskOutcome | undefined;
  marks: number;
}

/**
 * One long-lived interpreter process running a runner script (Python, PowerShell), one task at a
 * time. Commands go in as JSON lines on stdin; messages come back as JSON lines on fd 3 (or marked
 * stdout lines). The module's stdout and stderr become raw log records of its task; a task ends
 * once the `done` message and the end marker on both streams have arrived.
 */
export class ScriptProcess {
  /** Resolves when the runner is ready for tasks; rejects if it exits first. */
  readonly ready: Promise<void>;
  private readonly child: ChildProcess;
  private running: Running | undefined;
  private killCode: { code: string; message: string } | undefined;
  private exited = false;
  private isReady = false;
  private stderrTail = '';
  private readonly stopped: Array<() => void> = [];

  constructor(private readonly options: ScriptProcessOptions) {
    const fd3 = options.channel === 'fd3';
    this.child = spawn(options.command, options.args, { stdio: ['pipe', 'pipe', 'pipe', fd3 ? 'pipe' : 'ignore'], env: options.env });
    let readyResolve!: () => void;
    let readyReject!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => ((readyResolve = resolve), (readyReject = reject)));
    this.ready.catch(() => undefined);
    const onMessage = (line: string): void => {
      let message: ScriptRunnerMessage;
      try {
        message = JSON.parse(line) as ScriptRunnerMessage;
      } catch {
        options.logger.warn('unreadable message from a runner process', { line: line.slice(0, 200) });
        return;
      }
      if (message.type !== 'ready') return this.message(message);
      this.isReady = true;
      readyResolve();
    };
    const stdout = new LineSplitter(
      (line) => (!fd3 && line.startsWith(MESSAGE_MARK) ? onMessage(line.slice(MESSAGE_MARK.length)) : this.output('stdout', line)),
      (id) => this.mark(id),
    );
    const stderr = new LineSplitter((line) => this.output('stderr', line), (id) => this.mark(id));
    const pipes: Readable[] = [this.child.stdout!, this.child.stderr!];
    this.read(this.child.stdout!, stdout);
    this.read(this.child.stderr!, stderr);
    if (fd3) {
      const channel = this.child.stdio[3] as Readable;
      pipes.push(channel);
      this.read(channel, new LineSplitter(onMessage, () => undefined));
    }
    this.child.stdin!.on('error', () => undefined);
    this.child.on('error', (error) => options.logger.error(`could not start ${options.command}`, { error: error.message }));
    // The process is gone once it exited (or failed to spawn) and its pipes are drained.
    let how: string | undefined;
    let openParts = pipes.length + 1;
    const partDone = (): void => {
      if (--openParts > 0) return;
      this.exited = true;
      readyReject(new Error(`${options.command} exited with ${how} before it was ready${this.stderrTail ? `: ${this.stderrTail}` : ''}`));
      const running = this.running;
      this.running = undefined;
      if (running) {
        const killed = this.killCode ? errorOutcome(this.killCode.code, this.killCode.message) : undefined;
        running.resolve(running.done ?? killed ?? errorOutcome('MODULE_ERROR', `the module's ${options.command} process exited with ${how}`));
      }
      options.onExit(this);
      for (const resolve of this.stopped.splice(0)) resolve();
    };
    for (const pipe of pipes) pipe.once('close', partDone);
    let ended = false;
    const end = (text: string): void => {
      if (ended) return;
      ended = true;
      how = text;
      partDone();
    };
    this.child.once('exit', (code, signal) => end(signal ? `signal ${signal}` : `code ${code}`));
    this.child.once('error', (error) => end(`error ${error.message}`));
  }

  /** True when the process is ready, alive and runs no task. */
  get available(): boolean {
    return this.isReady && !this.exited && this.running === undefined;
  }

  /** True while the process runs a task. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Runs one task; the process must be available. Never rejects. */
  run(message: ScriptRunMessage, hooks: TaskHooks): Promise<TaskOutcome> {
    return new Promise((resolve) => {
      this.running = { id: message.id, hooks, resolve, done: undefined, marks: 0 };
      this.send(message);
    });
  }

  /** Kills the process at once (SIGKILL); its running task ends `ERROR` with `code`. With `taskId`, only if it runs that task. */
  kill(code: string, message: string, taskId?: string): void {
    if (taskId !== undefined && this.running?.id !== taskId) return;
    if (this.exited) return;
    this.killCode ??= { code, message };
    this.child.kill('SIGKILL');
  }

  /** Stops the process gracefully (its runner exits when stdin closes) and waits for it. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const closed = new Promise<void>((resolve) => this.stopped.push(resolve));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await closed;
    clearTimeout(timer);
  }

  private read(stream: Readable, lines: LineSplitter): void {
    stream.on('data', (chunk: Buffer) => lines.write(chunk));
    stream.on('end', () => lines.end());
    stream.on('error', () => undefined);
  }

  private send(message: ScriptRunMessage | SecretReplyMessage): void {
    if (this.exited || !this.child.stdin!.writable) return;
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  private message(message: Exclude<ScriptRunnerMessage, { type: 'ready' }>): void {
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

  /** Asks the sink for a secret the module wants (`ctx.secret`) and sends the answer back. */
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
      .then((reply) => this.send(reply));
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
    else this.options.logger.debug(`${this.options.command} process ${this.child.pid} ${stream}: ${line}`);
  }
}
