import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { RunMessage, SecretReplyMessage } from './ipc.js';
import { WorkerProcess, type WorkerProcessOptions } from './worker-process.js';

/** Prefix of a runner message on stdout, for runners that cannot write to fd 3 (PowerShell). */
export const MESSAGE_MARK = '\u001e@nexomatic:msg:';

/** Executor -> runner: run one task (a line of JSON on the runner's stdin). */
export interface ScriptRunMessage extends RunMessage {
  /** The dotted module path, e.g. `orders.enrich`. */
  module: string;
}

/** How a {@link ScriptProcess} is started. */
export interface ScriptProcessOptions extends WorkerProcessOptions {
  /** The interpreter, e.g. `python3` or `pwsh`. */
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Where the runner writes its messages: a dedicated pipe on fd 3, or marked lines on stdout. */
  channel: 'fd3' | 'stdout';
}

/**
 * One long-lived interpreter process running a runner script (Python, PowerShell). Commands go in
 * as JSON lines on stdin; messages come back as JSON lines on fd 3 (or marked stdout lines). It
 * exits when its stdin closes.
 */
export class ScriptProcess extends WorkerProcess<ScriptRunMessage> {
  constructor(options: ScriptProcessOptions) {
    const fd3 = options.channel === 'fd3';
    const child = spawn(options.command, options.args, { stdio: ['pipe', 'pipe', 'pipe', fd3 ? 'pipe' : 'ignore'], env: options.env });
    super(child, {
      ...options,
      names: { starting: options.command, crashed: `the module's ${options.command} process`, output: `${options.command} process` },
      ...(fd3
        ? { messagePipes: [child.stdio[3] as Readable] }
        : { stdoutMessage: (line: string) => (line.startsWith(MESSAGE_MARK) ? line.slice(MESSAGE_MARK.length) : undefined) }),
    });
    child.stdin!.on('error', () => undefined);
    child.on('error', (error) => options.logger.error(`could not start ${options.command}`, { error: error.message }));
    child.once('error', (error) => this.failedToStart(`error ${error.message}`));
  }

  protected send(message: ScriptRunMessage | SecretReplyMessage): void {
    if (this.hasExited || !this.child.stdin!.writable) return;
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  protected requestStop(): void {
    this.child.stdin!.end();
  }
}
