import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '@nexomatic/client';
import { createHub, type Hub } from '../src/index.js';
import { startSinkProcess, type SinkProcess } from './support/sink-process.js';
import { testDefinitions } from './support/test-hub.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
});

async function embeddedHub(): Promise<{ hub: Hub; secret: string }> {
  const hub = await createHub({ dataDir: mkdtempSync(join(tmpdir(), 'nexomatic-embed-')), basePath: '/nexomatic/' });
  cleanup.push(() => hub.close());
  await hub.apply(testDefinitions);
  return { hub, secret: await hub.createClientSecret('TEST:NODE') };
}

function listen(server: Server): Promise<string> {
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

async function runOneEvent(hub: Hub, base: string, secret: string): Promise<void> {
  const sink: SinkProcess = await startSinkProcess(`${base}/nexomatic`, secret);
  cleanup.push(() => sink.stop());
  const client = createClient({ url: `${base}/nexomatic`, token: (await hub.createToken({ role: 'Admin', name: 'e' })).token });
  const fired = await client.fire({ eventType: 'gate', payload: { gate: '/' } });
  expect((await client.events.wait(fired.id, 20_000)).state).toBe('SUCCESS');
}

describe('mounting the hub in a server the app owns', () => {
  it('serves the API and the sinks under a base path inside Express, next to the app’s own routes', async () => {
    const { hub, secret } = await embeddedHub();
    const app = express();
    app.get('/hello', (_req, res) => void res.send('from the app'));
    app.use(hub.handler);
    app.use((_req, res) => void res.status(404).send('app 404'));
    const server = createServer(app);
    hub.attach(server);
    const base = await listen(server);

    expect(await (await fetch(`${base}/hello`)).text()).toBe('from the app');
    expect(await (await fetch(`${base}/nope`)).text()).toBe('app 404');
    expect(await (await fetch(`${base}/nexomatic/healthz`)).json()).toEqual({ ok: true });
    await runOneEvent(hub, base, secret);
  });

  it('serves the same routes from a plain http.createServer', async () => {
    const { hub, secret } = await embeddedHub();
    const server = createServer(hub.handler);
    hub.attach(server);
    const base = await listen(server);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    await runOneEvent(hub, base, secret);
  });
});
