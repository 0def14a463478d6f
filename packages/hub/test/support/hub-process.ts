import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DefinitionsInput } from '@nexomatic/core';
import type { HubOptions } from '../../src/index.js';
import { waitFor } from './wait.js';

const MAIN = fileURLToPath(new URL('./hub-main.ts', import.meta.url));

/** What a hub process printed when it started listening. */
export interface HubAnnouncement {
  url: string;
  port: number;
  /** A `CLIENT_SECRET` of `TEST:NODE` created by this start (the two newest stay valid). */
  clientSecret: string;
  /** An Admin API token created by this start. */
  token: string;
  pid: number;
}

/** A hub running in its own process (support/hub-main.ts), so a test can SIGKILL it. */
export interface HubProcess extends HubAnnouncement {
  child: ChildProcess;
  /** Every line it printed on stderr (its log). */
  lines: string[];
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Where and how to start a hub process. */
export interface HubProcessConfig {
  /** The data dir; start again on the same one to restart "the same" hub. */
  dataDir: string;
  /** 0 (default) for a free port; a restart should reuse the first start's port so sinks find it again. */
  port?: number;
  definitions?: DefinitionsInput;
  /** JSON-safe hub options (no store, logger or authenticate). */
  options?: Omit<HubOptions, 'store' | 'logger' | 'authenticate' | 'dataDir'>;
}

/** Starts a hub process and waits until it listens (it prints its announcement line). */
export async function startHubProcess(config: HubProcessConfig): Promise<HubProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', MAIN], {
    env: {
      ...process.env,
      NEXOMATIC_TEST_DATA_DIR: config.dataDir,
      NEXOMATIC_TEST_PORT: String(config.port ?? 0),
      NEXOMATIC_TEST_DEFINITIONS: JSON.stringify(config.definitions ?? {}),
      NEXOMATIC_TEST_HUB_OPTIONS: JSON.stringify(config.options ?? {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let announcement: HubAnnouncement | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!announcement && line.startsWith('{')) announcement = JSON.parse(line) as HubAnnouncement;
    else lines.push(line);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  try {
    const started = await waitFor('the hub process to listen', () => announcement ?? (exitCode !== undefined ? 'exited' : undefined), 20_000);
    if (started === 'exited') throw new Error(`the hub process exited with ${exitCode} before listening`);
    return { ...started, child, lines, exited, stop };
  } catch (error) {
    await stop('SIGKILL');
    throw new Error(`${String(error)}\n${lines.join('\n')}`);
  }
}
