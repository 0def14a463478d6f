import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeHub, type FakeHub } from './support/fake-hub.js';
import { FIXTURES, waitFor } from './support/helpers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function cli(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'packages/sink/src/cli.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

describe('nexomatic-sink CLI', () => {
  let hub: FakeHub | undefined;
  let running: Run | undefined;
  afterEach(async () => {
    if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    running = undefined;
    await hub?.close();
    hub = undefined;
  });

  it('exits 2 naming CLIENT_SECRET when it is missing', async () => {
    const run = cli([], { HUB_URL: 'http://127.0.0.1:1', CLIENT_ID: 'LOCAL:BASE' });
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toContain('missing CLIENT_SECRET');
    expect(run.stderr()).toContain('--client-secret');
  });

  it('exits 2 naming each invalid setting by its variable and flag', async () => {
    const run = cli(['run', '--concurrency', 'lots'], { HUB_URL: 'not a url', CLIENT_ID: 'LOCAL:BASE', CLIENT_SECRET: 's' });
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toContain('HUB_URL (--hub-url)');
    expect(run.stderr()).toContain('SINK_CONCURRENCY (--concurrency)');
  });

  it('exits 3 when the hub refuses the credentials, after one attempt', async () => {
    hub = await startFakeHub('right');
    const run = cli(['--modules', FIXTURES], { HUB_URL: hub.url, CLIENT_ID: 'LOCAL:BASE', CLIENT_SECRET: 'wrong' });
    expect(await run.exit).toBe(3);
    expect(run.stderr()).toContain('hub refused credentials for CLIENT_ID LOCAL:BASE (HTTP 401): check CLIENT_SECRET');
    expect(hub.refused).toBe(1);
  });

  it('prints ONLINE once registered and exits 0 on SIGTERM; flags override the environment', async () => {
    hub = await startFakeHub('right');
    running = cli(['run', '--client-secret', 'right', '--modules', FIXTURES, '--name', 'cli-sink', '--concurrency', '1'], {
      HUB_URL: hub.url,
      CLIENT_ID: 'LOCAL:BASE',
      CLIENT_SECRET: 'overridden',
    });
    await waitFor(() => running!.stdout().includes('ONLINE'), 'the ONLINE line', 20_000);
    expect(running.stdout()).toMatch(/^sink cli-sink ONLINE \(sinkId [0-9a-f-]{36}\)\n$/);
    expect(hub.registrations[0]).toMatchObject({ name: 'cli-sink', concurrency: 1 });
    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
  });
});
