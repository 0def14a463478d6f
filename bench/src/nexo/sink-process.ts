import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildConfig, ChildMessage } from './sink-protocol.js';

const CHILD = fileURLToPath(new URL('./sink-child.ts', import.meta.url));
/** The benchmark's module root: `noop` (node) and `noop_py` (Python). */
export const MODULES = fileURLToPath(new URL('../../modules', import.meta.url));

/** Timings a sink process collected since the last collect. */
export interface Collected {
  /** Fire-to-start of each timed task, ms. */
  starts: number[];
  /** Executor time per task, ms, by module (`<module> ERROR <code>` for failed tasks). */
  runs: Record<string, number[]>;
}

/**
 * A process holding one or more real sinks (`startSink`) connected to a hub over WebSockets, run
 * from source with tsx like the hub. Start it with {@link SinkProcess.start}.
 */
export class SinkProcess {
  readonly sinkIds: string[] = [];
  private collecting: ((collected: Collected) => void) | null = null;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'collected') this.collecting?.({ starts: message.starts, runs: message.runs });
    });
  }

  /** Forks a sink process and resolves once all its sinks are online. */
  static async start(config: Omit<ChildConfig, 'modules' | 'parallelStarts' | 'trackRuns'> & Partial<ChildConfig>): Promise<SinkProcess> {
    const full: ChildConfig = { modules: MODULES, parallelStarts: 10, trackRuns: false, ...config };
    const child = fork(CHILD, [JSON.stringify(full)], {
      // BENCH_SINK_CPU_PROF=<dir> profiles the sink processes too (see README: profiling).
      execArgv: [
        '--import',
        'tsx',
        '--conditions=source',
        ...(process.env.BENCH_SINK_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SINK_CPU_PROF}`] : []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const sinkProcess = new SinkProcess(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sink process ${config.name}: not online after 60 s`)), 60_000);
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          sinkProcess.sinkIds.push(...message.sinkIds);
          resolve();
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`sink process ${config.name} failed: ${message.error}`));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`sink process ${config.name} exited with code ${code}`));
      });
    });
    return sinkProcess;
  }

  /** Takes the timings collected since the last call. */
  collect(): Promise<Collected> {
    return new Promise((resolve) => {
      this.collecting = resolve;
      this.child.send({ type: 'collect' });
    });
  }

  /** Closes its sinks (force) and waits for the process to exit; kills it after 10 s. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send({ type: 'close' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
