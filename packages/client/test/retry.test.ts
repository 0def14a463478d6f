/**
 * Retries after a dropped connection: the hub committed the event and answered, the answer was
 * lost on the way back, and the client sent the call again with the same idempotency key. Exactly
 * one event exists. A call that is not safe to send twice is not retried.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient as createBrowserClient } from '../src/index.js';
import { createClient } from '../src/node.js';
import { startDropProxy, type DropProxy } from './support/drop-proxy.js';
import { startClientTestHub, type ClientTestHub } from './support/hub.js';

let test: ClientTestHub;
let proxy: DropProxy;
let direct: ReturnType<typeof createBrowserClient>;

beforeAll(async () => {
  test = await startClientTestHub();
  proxy = await startDropProxy(Number(new URL(test.url).port));
  direct = createBrowserClient({ url: test.url, token: test.admin });
});
afterAll(async () => {
  await proxy?.close();
  await test?.close();
});

/** The events whose payload carries `marker`, as the hub has them. */
async function eventsMarked(marker: string) {
  const page = await direct.events.list({ eventType: 'plain', limit: 1000 });
  return page.items.filter((e) => e.payload.marker === marker);
}

describe('retries after a dropped connection', () => {
  it('fire: the retry returns the event the lost answer carried; no duplicate', async () => {
    const client = createClient({ url: proxy.url, token: test.admin, retry: { baseDelayMs: 10 } });
    const marker = randomUUID();
    const before = proxy.dropped;
    proxy.dropNext('events.fire');
    const fired = await client.fire('plain', { marker });
    expect(proxy.dropped).toBe(before + 1);
    expect(proxy.requests(marker)).toBe(2);
    const stored = await eventsMarked(marker);
    expect(stored.map((e) => e.id)).toEqual([fired.id]);
    await client.close();
  });

  it('fireBatch: every item keeps its key across the retry; no duplicates', async () => {
    const client = createClient({ url: proxy.url, token: test.admin, retry: { baseDelayMs: 10 } });
    const marker = randomUUID();
    proxy.dropNext('events.fireBatch');
    const fired = await client.fireBatch([1, 2, 3].map((n) => ({ eventType: 'plain', payload: { marker, n } })));
    expect(proxy.requests(marker)).toBe(2);
    const stored = await eventsMarked(marker);
    expect(stored.map((e) => e.id).sort()).toEqual(fired.map((e) => e.id).sort());
    expect(stored).toHaveLength(3);
    await client.close();
  });

  it('the browser-safe client (global fetch) retries the same way', async () => {
    const client = createBrowserClient({ url: proxy.url, token: test.admin, retry: { baseDelayMs: 10 } });
    const marker = randomUUID();
    proxy.dropNext('events.fire');
    const fired = await client.fire('plain', { marker });
    expect((await eventsMarked(marker)).map((e) => e.id)).toEqual([fired.id]);
  });

  it('queries are retried; a mutation that is not safe to repeat is not, and says the hub was unreachable', async () => {
    const client = createClient({ url: proxy.url, token: test.admin, retry: { baseDelayMs: 10 } });
    proxy.dropNext('events.counts');
    await expect(client.events.counts()).resolves.toMatchObject({ QUEUED: expect.any(Number) });

    const name = `once-${randomUUID()}`;
    proxy.dropNext('tokens.create');
    await expect(client.tokens.create({ name, role: 'Viewer' })).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/^hub unreachable/),
    });
    expect(proxy.requests(name)).toBe(1);
    expect((await direct.tokens.list()).filter((t) => t.name === name)).toHaveLength(1);
    await client.close();
  });

  it('does not retry an answer that is not the hub’s (a wrong URL), and says so', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits += 1;
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html>not here</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = createBrowserClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: test.admin });
    await expect(client.events.counts()).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('not as a Nexomatic hub') });
    expect(hits).toBe(1);
    await new Promise((resolve) => server.close(resolve));
  });

  it('without retries, a lost answer is an error (and the event exists: the key is what makes the retry safe)', async () => {
    const client = createClient({ url: proxy.url, token: test.admin, retry: { attempts: 1 } });
    const marker = randomUUID();
    proxy.dropNext('events.fire');
    await expect(client.fire('plain', { marker })).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await eventsMarked(marker)).toHaveLength(1);
    await client.close();
  });
});
