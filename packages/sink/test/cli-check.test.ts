import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_VERSION, createHub, type Hub } from '@nexomatic/hub';
import { runCli, startCli } from './support/run-cli.js';
import { FIXTURES, waitFor } from './support/helpers.js';

/** A real hub on port 0 with the Sink Type LOCAL:BASE and one client secret. */
let hub: Hub;
let hubUrl: string;
let secret: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nexomatic-check-'));
  hub = await createHub({ dataDir: dir });
  await hub.apply({ sinkTypes: [{ name: 'LOCAL:BASE', runtimes: ['node'] }] });
  secret = await hub.createClientSecret('LOCAL:BASE');
  hubUrl = (await hub.listen(0)).url;
});

afterAll(async () => {
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A TCP port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('nexomatic-sink check', () => {
  it('verifies settings, health, credentials and the hub version, and exits 0', async () => {
    const run = await runCli(['check'], { HUB_URL: hubUrl, CLIENT_ID: 'LOCAL:BASE', CLIENT_SECRET: secret });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('nexomatic-sink check: OK');
    expect(run.stdout).toContain(`hub version    ${HUB_VERSION}`);
    expect(run.stdout).toContain('Sink Type      LOCAL:BASE (credentials accepted)');
    expect(run.stdout).toContain('tenant pin     none');
    expect(run.stdout).not.toContain(secret);
  });

  it('builds the hub URL from HUB_HOST and HUB_PORT, as the product docs name them', async () => {
    const { hostname, port } = new URL(hubUrl);
    const run = await runCli(['check'], { HUB_HOST: hostname, HUB_PORT: port, CLIENT_ID: 'LOCAL:BASE', CLIENT_SECRET: secret });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`hub            http://${hostname}:${port}/`);
  });

  it('names every bad setting by its variable and flag and exits 2, without reaching the hub', async () => {
    const run = await runCli(['check', '--concurrency', 'lots', '--tenant-uuid', 'nope'], { HUB_URL: 'not a url', CLIENT_ID: 'LOCAL:BASE' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing CLIENT_SECRET: set the CLIENT_SECRET environment variable or pass --client-secret');
    expect(run.stderr).toContain('HUB_URL (--hub-url)');
    expect(run.stderr).toContain('SINK_CONCURRENCY (--concurrency)');
    expect(run.stderr).toContain('TENANT_UUID (--tenant-uuid)');
  });

  it('names HUB_HOST as the alternative when no hub is set', async () => {
    const run = await runCli(['check'], { CLIENT_ID: 'LOCAL:BASE', CLIENT_SECRET: 's' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing HUB_URL: set HUB_URL (or HUB_HOST and HUB_PORT) or pass --hub-url');
  });

  it('says the credentials were refused and exits 3 for a wrong CLIENT_SECRET', async () => {
    const run = await runCli(['check', '--client-secret', `${secret}x`], { HUB_URL: hubUrl, CLIENT_ID: 'LOCAL:BASE' });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('credentials refused: check CLIENT_SECRET (the hub answered HTTP 401 for CLIENT_ID LOCAL:BASE)');
    expect(run.stderr).not.toContain(secret);
  });

  it('names the tenant settings too when the sink is pinned to a tenant the hub refuses', async () => {
    const run = await runCli(['check'], {
      HUB_URL: hubUrl,
      CLIENT_ID: 'LOCAL:BASE',
      CLIENT_SECRET: secret,
      TENANT_UUID: '00000000-0000-4000-8000-000000000000',
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('credentials refused: check CLIENT_SECRET, TENANT_UUID and TENANT_SECRET');
  });

  it('says it cannot reach the hub, with the reason, and exits 4', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await runCli(['check'], { HUB_URL: url, CLIENT_ID: 'LOCAL:BASE', CLIENT_SECRET: 's' });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`cannot reach the hub at ${url}/: `);
    expect(run.stderr).toContain('ECONNREFUSED');
  });

  it('exits 4 when something that is not the hub answers at HUB_URL', async () => {
    const run = await runCli(['check'], { HUB_URL: `${hubUrl}/elsewhere/`, CLIENT_ID: 'LOCAL:BASE', CLIENT_SECRET: secret });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('with HTTP 404: is HUB_URL the hub\'s base URL');
  });

  it('gives up after --timeout on a hub that never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const started = Date.now();
      const run = await runCli(['check', '--timeout', '0.5'], { HUB_URL: url, CLIENT_ID: 'LOCAL:BASE', CLIENT_SECRET: 's' });
      expect(run.code).toBe(4);
      expect(run.stderr).toContain(`cannot reach the hub at ${url}/: timed out after 0.5 s`);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('nexomatic-sink run', () => {
  it('connects with HUB_HOST and HUB_PORT instead of HUB_URL', async () => {
    const { hostname, port } = new URL(hubUrl);
    const sink = startCli(['run', '--modules', FIXTURES, '--name', 'host-port-sink'], {
      HUB_HOST: hostname,
      HUB_PORT: port,
      CLIENT_ID: 'LOCAL:BASE',
      CLIENT_SECRET: secret,
    });
    try {
      await waitFor(() => sink.output().stdout.includes('ONLINE'), 'the ONLINE line', 20_000);
      expect(sink.output().stdout).toContain('sink host-port-sink ONLINE');
      sink.child.kill('SIGTERM');
      expect((await sink.exit).code).toBe(0);
    } finally {
      if (sink.child.exitCode === null) sink.child.kill('SIGKILL');
    }
  });
});
