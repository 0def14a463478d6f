import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

const CLI = fileURLToPath(new URL('../../../sink/src/cli.ts', import.meta.url));
/** The test fixtures' module root. */
export const MODULES = fileURLToPath(new URL('../fixtures/modules', import.meta.url));

/** A real `nexomatic-sink` process, run from source. */
export interface SinkProcess {
  child: ChildProcess;
  /** Every line it printed, stdout and stderr. */
  lines: string[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `nexomatic-sink run` with the given environment and flags. */
export function spawnSink(env: Record<string, string>, args: string[] = []): SinkProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', CLI, 'run', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (l) => lines.push(l));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Spawns a sink for a hub and waits until it says it is ONLINE. */
export async function startSinkProcess(
  hubUrl: string,
  clientSecret: string,
  options: { clientId?: string; concurrency?: number; name?: string } = {},
): Promise<SinkProcess> {
  const sink = spawnSink(
    { HUB_URL: hubUrl, CLIENT_ID: options.clientId ?? 'TEST:NODE', CLIENT_SECRET: clientSecret },
    ['--modules', MODULES, '--concurrency', String(options.concurrency ?? 4), '--name', options.name ?? 'test-sink'],
  );
  try {
    await waitFor('the sink to come online', () => sink.lines.some((l) => l.includes('ONLINE')) || undefined, 20_000);
  } catch (error) {
    await sink.stop('SIGKILL');
    throw new Error(`${String(error)}\n${sink.lines.join('\n')}`);
  }
  return sink;
}
