import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '@nexomatic/hub';
import type { SinkRecord } from '@nexomatic/core';
import { RESTART_EXIT_CODE } from '../src/update/updater.js';
import { SINK_VERSION } from '../src/update/version.js';
import { FIXTURES, waitFor } from './support/helpers.js';
import { packSink } from './support/sink-tarballs.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const NEXT = '0.1.1';

/**
 * Self-update end to end: a real hub whose Sink Type asks for 0.1.1, and `nexomatic-sink launch
 * --auto-update` (this checkout, version 0.1.0) installing a locally packed 0.1.1 tarball.
 */
describe('self-update through nexomatic-sink launch', () => {
  let dir: string;
  let hub: Hub;
  let url: string;
  let secret: string;
  let launcher: ChildProcess | undefined;
  let stderr = '';

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nexomatic-self-update-'));
    hub = await createHub({ dataDir: join(dir, 'hub'), pollIntervalMs: 200 });
    await hub.apply({ sinkTypes: [{ name: 'TEST:NODE', runtimes: ['node'], sinkVersion: NEXT }] });
    secret = await hub.createClientSecret('TEST:NODE');
    ({ url } = await hub.listen(0));
    stderr = '';
  });
  afterEach(async () => {
    if (launcher && launcher.exitCode === null) {
      const exited = new Promise((resolve) => launcher!.once('exit', resolve));
      launcher.kill('SIGTERM');
      await exited;
    }
    launcher = undefined;
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (updateSource: string) => {
    const args = ['--import', 'tsx', '--conditions=source', 'packages/sink/src/cli.ts', 'launch', '--auto-update'];
    args.push('--versions-dir', join(dir, 'versions'), '--update-source', updateSource, '--modules', FIXTURES, '--name', 'updating');
    launcher = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, HUB_URL: url, CLIENT_ID: 'TEST:NODE', CLIENT_SECRET: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    launcher.stdout!.resume();
    return launcher;
  };
  let sinks: SinkRecord[] = [];
  const poll = async (predicate: (s: SinkRecord[]) => boolean, what: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      sinks = await hub.store.sinks.list(hub.tenantId);
      if (predicate(sinks)) return;
      if (launcher?.exitCode !== null) throw new Error(`the launcher exited ${launcher?.exitCode}; stderr:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('installs the advertised version, verifies it, switches current and relaunches into it', async () => {
    expect(SINK_VERSION).not.toBe(NEXT);
    await packSink(NEXT, dir);
    const child = start(`file:${join(dir, 'nexomatic-sink-{version}.tgz')}`);

    await poll((s) => s.some((r) => r.version === NEXT && r.status === 'ONLINE'), `a sink registered as ${NEXT}`, 60_000);
    expect(sinks.find((r) => r.version === SINK_VERSION)).toMatchObject({ name: 'updating', sinkType: 'TEST:NODE' });
    expect(sinks.find((r) => r.version === NEXT)).toMatchObject({ name: 'updating', status: 'ONLINE' });
    expect(readlinkSync(join(dir, 'versions', 'current'))).toBe(join(dir, 'versions', NEXT));
    expect(stderr).toContain(`self-update: switched to ${NEXT}`);
    expect(stderr).toContain(`the sink exited ${RESTART_EXIT_CODE} (switched version)`);
    expect(stderr).toContain(`starting ${join(dir, 'versions', NEXT, 'node_modules', '@nexomatic', 'sink', 'dist', 'cli.js')}`);
    expect(child.exitCode).toBeNull();

    // The new version runs the desired version already: no second update.
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr.match(/self-update: installing/g)).toHaveLength(1);
  }, 90_000);

  it('keeps running the old version when the tarball is broken, and says why', async () => {
    writeFileSync(join(dir, `broken-${NEXT}.tgz`), 'not a tarball');
    const child = start(`file:${join(dir, 'broken-{version}.tgz')}`);

    await waitFor(() => stderr.includes(`self-update to ${NEXT} failed; staying on ${SINK_VERSION}`), 'the failure', 60_000);
    expect(stderr).toMatch(/npm install file:.*broken-0\.1\.1\.tgz failed/);
    expect(stderr).toContain('retryAfter');
    expect(existsSync(join(dir, 'versions', 'current'))).toBe(false);
    await poll((s) => s.length === 1, 'the sink', 5_000);
    expect(sinks[0]).toMatchObject({ name: 'updating', version: SINK_VERSION, status: 'ONLINE' });
    expect(child.exitCode).toBeNull();
  }, 90_000);
});
