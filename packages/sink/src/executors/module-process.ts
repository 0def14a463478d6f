import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunMessage, RunnerMessage, SecretReplyMessage } from './ipc.js';
import { WorkerProcess, type WorkerProcessOptions } from './worker-process.js';

/** How a {@link ModuleProcess} is started. */
export interface ModuleProcessOptions extends WorkerProcessOptions {
  runner: URL;
  execArgv: string[];
}

/**
 * One long-lived runner process of the node executor: a forked Node process whose messages travel
 * over the fork IPC channel (JSON). It exits when that channel closes.
 */
export class ModuleProcess extends WorkerProcess<RunMessage> {
  constructor(options: ModuleProcessOptions) {
    const child = fork(fileURLToPath(options.runner), [], {
      execArgv: options.execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    super(child, { ...options, names: { starting: 'module process', crashed: 'module process', output: 'module process' } });
    child.on('message', (message: RunnerMessage) => this.receive(message));
    child.on('error', (error) => options.logger.error('module process error', { error: error.message }));
  }

  protected send(message: RunMessage | SecretReplyMessage): void {
    if (message.type === 'secret-reply') {
      if (this.child.connected) this.child.send(message);
      return;
    }
    this.child.send(message, (error) => {
      if (error) this.logger.warn('could not send a task to its module process', { error: error.message });
    });
  }

  protected requestStop(): void {
    if (this.child.connected) this.child.disconnect();
    else this.child.kill('SIGKILL');
  }
}
