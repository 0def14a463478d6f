/**
 * The client's administration calls and the browser's live tail, against a real hub on port 0 and
 * a real sink process: who am I (`session.me`), the tenant, users, starving Sink Types, Sources,
 * Schedules; `logs.tail` over a WebSocket that carries its token in `Sec-WebSocket-Protocol` (as a
 * browser's must), and its fall back to polling when the WebSocket cannot open; and the CLI's
 * `sources list` and `schedules list|preview` as a subprocess.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, toDefinitions, type WebSocketFactory } from '../src/index.js';
import config from './fixtures/definitions.js';
import { collect, startClientTestHub, startSinkProcess, waitFor, type ClientTestHub, type SinkProcess } from './support/hub.js';
import { runCli } from './support/run-cli.js';

let test: ClientTestHub;
let sink: SinkProcess;
let admin: ReturnType<typeof createClient>;
let viewer: ReturnType<typeof createClient>;

beforeAll(async () => {
  const definitions = toDefinitions(config);
  test = await startClientTestHub(
    {
      ...definitions,
      sinkTypes: [...(definitions.sinkTypes ?? []), { name: 'TEST:NOBODY' }],
      eventTypes: [...(definitions.eventTypes ?? []), { name: 'parked', sinkType: 'TEST:NOBODY', action: 'echo' }],
      sources: [{ name: 'orders-hook', type: 'webhook', eventTypes: ['plain'] }],
    },
    { starvationWarningMs: 1000 },
  );
  sink = await startSinkProcess(test.url, test.clientSecret, { name: 'admin-test-sink' });
  admin = createClient({ url: test.url, token: test.admin, webSocket: false });
  viewer = createClient({ url: test.url, token: test.viewer, webSocket: false });
}, 60_000);
afterAll(async () => {
  await sink?.stop();
  await test?.close();
});

describe('the administration calls', () => {
  it('tells each caller who it is, and shows the tenant', async () => {
    const tenant = await admin.tenants.current();
    expect(tenant).toMatchObject({ id: test.hub.tenantId, nodeSecretSet: false });
    expect(await admin.session.me()).toEqual({ tenant: { id: tenant.id, name: tenant.name }, role: 'Admin', subject: 'token:client-admin' });
    expect(await viewer.session.me()).toEqual({ tenant: { id: tenant.id, name: tenant.name }, role: 'Viewer', subject: 'token:client-viewer' });
    const stranger = createClient({ url: test.url, token: 'nxm_00000000-0000-4000-8000-000000000000_nope', webSocket: false });
    await expect(stranger.session.me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('manages users (Admin), and a Viewer may only list them', async () => {
    const name = `ada-${randomUUID()}@example.com`;
    const created = await admin.users.create({ name, role: 'Viewer' });
    expect(created).toMatchObject({ name, role: 'Viewer', tenantId: test.hub.tenantId });
    await expect(admin.users.create({ name, role: 'Admin' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await admin.users.update(created.id, { role: 'Admin' })).toMatchObject({ id: created.id, role: 'Admin' });
    expect((await viewer.users.list()).find((u) => u.id === created.id)).toMatchObject({ name, role: 'Admin' });
    await expect(viewer.users.delete(created.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await admin.users.delete(created.id)).toMatchObject({ id: created.id });
    expect((await admin.users.list()).map((u) => u.id)).not.toContain(created.id);
    await expect(admin.users.update(created.id, { role: 'Viewer' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists the Sink Types starving for a sink', async () => {
    const parked = await admin.fire('parked', { why: 'no sink serves TEST:NOBODY' });
    const starving = await waitFor('TEST:NOBODY to starve', async () => {
      const found = await viewer.sinks.starving();
      return found.some((s) => s.sinkType === 'TEST:NOBODY') ? found : undefined;
    });
    expect(starving).toContainEqual({ sinkType: 'TEST:NOBODY', count: 1 });
    expect(starving.map((s) => s.sinkType)).not.toContain('TEST:NODE');
    await admin.events.cancel(parked.id);
  });

  it('lists Sources (URLs for an Admin only) and rotates a Source’s token', async () => {
    const [source] = await admin.sources.list();
    expect(source).toMatchObject({ name: 'orders-hook', type: 'webhook', eventTypes: ['plain'] });
    expect(source!.urls[0]).toMatch(new RegExp(`^${test.url}/hooks/`));
    expect(await viewer.sources.list()).toEqual([expect.objectContaining({ name: 'orders-hook', token: null, urls: [] })]);
    const rotated = await admin.sources.rotateToken('orders-hook');
    expect(rotated.urls[0]).not.toBe(source!.urls[0]);
    expect((await fetch(source!.urls[0]!, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(404);
    await expect(viewer.sources.rotateToken('orders-hook')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(admin.sources.rotateToken('no-such-source')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists Schedules with their next run and previews a cron expression', async () => {
    const [nightly] = await viewer.schedules.list();
    expect(nightly).toMatchObject({ name: 'nightly', eventType: 'plain', cron: '0 3 * * *', timeZone: 'UTC', enabled: true });
    expect(nightly!.nextRun).toMatch(/T03:00:00\.000Z$/);
    const runs = await viewer.schedules.preview({ cron: '30 9 * * 1', timeZone: 'Europe/Berlin', count: 3, from: '2026-01-01T00:00:00Z' });
    expect(runs).toEqual(['2026-01-05T08:30:00.000Z', '2026-01-12T08:30:00.000Z', '2026-01-19T08:30:00.000Z']);
    await expect(viewer.schedules.preview({ cron: 'every day' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('cron') });
  });
});

describe('the live tail in a browser', () => {
  it('tails over a WebSocket with the token in Sec-WebSocket-Protocol (the browser default), live', async () => {
    // A browser's global WebSocket, played by `ws` (which takes the same `(url, protocols)`),
    // recording what it offered and what the hub answered with.
    const opened: Array<{ offered: string[]; chosen: string }> = [];
    class BrowserLike extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        this.once('open', () => opened.push({ offered: [protocols ?? []].flat(), chosen: this.protocol }));
      }
    }
    const global = globalThis as { WebSocket?: unknown };
    const before = global.WebSocket;
    global.WebSocket = BrowserLike;
    let browser: ReturnType<typeof createClient>;
    try {
      browser = createClient({ url: test.url, token: test.viewer });
    } finally {
      global.WebSocket = before;
    }
    const gate = join(test.dir, `gate-${randomUUID()}`);
    const fired = await admin.fire('drip', { count: 2, gate });
    const seen: string[] = [];
    for await (const record of browser.logs.tail(fired.id)) {
      seen.push(record.message);
      if (seen.length === 4) {
        // The first half arrived while the module waits at its gate: the tail is live.
        expect((await admin.events.get(fired.id)).state).toBe('RUNNING');
        writeFileSync(gate, '');
      }
    }
    expect(seen.filter((m) => m.startsWith('record '))).toEqual(['record 0', 'record 1', 'record 2', 'record 3']);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.chosen).toBe('nexomatic');
    expect(opened[0]!.offered[0]).toBe('nexomatic');
    expect(opened[0]!.offered[1]).toMatch(/^nexomatic\.bearer\.[A-Za-z0-9_-]+$/);
    await browser.close();
  });

  it('falls back to polling when the WebSocket cannot open (a refused upgrade)', async () => {
    let attempts = 0;
    // Sends a wrong token: the hub answers the upgrade with 401.
    const refused: WebSocketFactory = () =>
      class Refused extends WebSocket {
        constructor(url: string) {
          attempts++;
          super(url, { headers: { authorization: 'Bearer nxm_00000000-0000-4000-8000-000000000000_wrong' } });
        }
      };
    const client = createClient({ url: test.url, token: test.viewer, webSocket: refused });
    const fired = await admin.fire('plain', { for: 'fallback' });
    const records = await collect(client.logs.tail(fired.id, { intervalMs: 100 }));
    expect(records.map((r) => r.message)).toContain('echo');
    expect(new Set(records.map((r) => `${r.attempt}:${r.seq}`)).size).toBe(records.length);
    // Later tails poll straight away.
    const second = await admin.fire('plain', { for: 'fallback again' });
    expect((await collect(client.logs.tail(second.id, { intervalMs: 100 }))).map((r) => r.message)).toContain('echo');
    expect(attempts).toBe(1);
    await client.close();
  });
});

describe('nexomatic sources / schedules', () => {
  it('lists Sources and Schedules and previews a cron expression, as tables and as JSON', async () => {
    const env = { NEXOMATIC_URL: test.url, NEXOMATIC_TOKEN: test.admin };
    const sources = await runCli(['sources', 'list'], env);
    expect(sources.code, sources.stderr).toBe(0);
    expect(sources.stdout).toMatch(/^NAME\s+TYPE\s+ENABLED\s+EVENT TYPES\s+URLS\norders-hook\s+webhook\s+true\s+plain\s+http:\/\/127\.0\.0\.1:\d+\/hooks\//);

    const schedules = await runCli(['schedules', 'list', '--json'], env);
    expect(schedules.code, schedules.stderr).toBe(0);
    expect(JSON.parse(schedules.stdout)).toEqual([expect.objectContaining({ name: 'nightly', cron: '0 3 * * *', nextRun: expect.any(String) })]);

    const preview = await runCli(['schedules', 'preview', '0 12 * * *', '--tz', 'America/New_York', '--count', '2', '--from', '2026-07-01T00:00:00Z'], env);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toBe('2026-07-01T16:00:00.000Z\n2026-07-02T16:00:00.000Z\n');

    const bad = await runCli(['schedules', 'preview', '0 12 * * *', '--tz', 'Mars/Olympus'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('timeZone');
  });
});
