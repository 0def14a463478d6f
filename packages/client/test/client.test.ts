/**
 * `@nexomatic/client` against a real hub on port 0 and a real sink process: typed and untyped
 * fire, batches, waits, cancel and rerun, logs (query, and tail both live over the WebSocket and
 * polled over HTTP), secrets, tokens, audit, sinks, and the hub's error codes.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient as createBrowserClient } from '../src/index.js';
import { createClient } from '../src/node.js';
import config, { orderPlaced } from './fixtures/definitions.js';
import { collect, startClientTestHub, startSinkProcess, type ClientTestHub, type SinkProcess } from './support/hub.js';

let test: ClientTestHub;
let sink: SinkProcess;
let client: ReturnType<typeof createClient<typeof config>>;

beforeAll(async () => {
  test = await startClientTestHub();
  sink = await startSinkProcess(test.url, test.clientSecret, { name: 'client-test-sink' });
  client = createClient({ url: test.url, token: test.admin, definitions: config });
});
afterAll(async () => {
  await client?.close();
  await sink?.stop();
  await test?.close();
});

describe('the client against a real hub', () => {
  it('fires a typed event (the schema’s defaults applied) and waits for its outcome', async () => {
    const fired = await client.fire('orders.placed', { orderId: 'A-1', total: 12 });
    expect(fired).toMatchObject({ eventType: 'orders.placed', state: 'QUEUED', source: { type: 'client' } });
    expect(fired.idempotencyKey).toMatch(/^nxc-/);
    const done = await client.events.wait(fired.id, 20_000);
    expect(done).toMatchObject({ state: 'SUCCESS', result: { echoed: { orderId: 'A-1', total: 12, items: [] } } });
    const viaObject = await client.fire(orderPlaced, { orderId: 'A-2', total: 1, items: ['x'] });
    expect(viaObject.payload).toEqual({ orderId: 'A-2', total: 1, items: ['x'] });
  });

  it('returns the same event for the same idempotency key, and fires batches', async () => {
    const key = `key-${randomUUID()}`;
    const first = await client.fire('plain', { n: 1 }, { idempotencyKey: key });
    const again = await client.fire('plain', { n: 2 }, { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    const batch = await client.fireBatch([
      { eventType: 'orders.shipped', payload: { orderId: 'A-1', carrier: 'ups' } },
      { eventType: 'plain', payload: { n: 3 }, priority: 7 },
    ]);
    expect(batch.map((e) => [e.eventType, e.priority])).toEqual([
      ['orders.shipped', 0],
      ['plain', 7],
    ]);
    expect(new Set(batch.map((e) => e.idempotencyKey)).size).toBe(2);
    const listed = await client.events.list({ eventType: 'plain', limit: 10 });
    expect(listed.items.map((e) => e.id)).toEqual(expect.arrayContaining([first.id, batch[1]!.id]));
    const counts = await client.events.counts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5);
  });

  it('cancels a queued event and re-runs it; refusals carry the hub’s codes', async () => {
    await client.definitions.apply({
      sinkTypes: [{ name: 'TEST:NOBODY' }],
      eventTypes: [{ name: 'parked', sinkType: 'TEST:NOBODY', action: 'echo' }],
    });
    const parked = await client.fire('parked', { why: 'no sink serves TEST:NOBODY' });
    expect(await client.events.cancel(parked.id)).toMatchObject({ state: 'ERROR', error: { code: 'CANCELLED' } });
    await expect(client.events.cancel(parked.id)).rejects.toMatchObject({ name: 'NexomaticError', code: 'CONFLICT' });
    const rerun = await client.events.rerun(parked.id);
    expect(rerun).toMatchObject({ rerunOf: parked.id, state: 'QUEUED', payload: parked.payload });
    await expect(client.events.get(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.fire('no.such.type', {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.sinks.control(randomUUID(), 'RESET')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const viewer = createBrowserClient({ url: test.url, token: test.viewer });
    await expect(viewer.fire('plain', {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const stranger = createBrowserClient({ url: test.url, token: 'nxm_00000000-0000-4000-8000-000000000000_nope' });
    await expect(stranger.events.counts()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('tails the logs of a running event live, over the WebSocket, to its end', async () => {
    const gate = join(test.dir, `gate-${randomUUID()}`);
    const fired = await client.fire('drip', { count: 3, gate });
    const seen: string[] = [];
    for await (const record of client.logs.tail(fired.id)) {
      seen.push(record.message);
      if (seen.length === 6) {
        // The first half arrived while the module waits at its gate: the tail is live.
        expect((await client.events.get(fired.id)).state).toBe('RUNNING');
        writeFileSync(gate, '');
      }
    }
    expect(seen.filter((m) => m.startsWith('record '))).toEqual(['record 0', 'record 1', 'record 2', 'record 3', 'record 4', 'record 5']);
    expect(seen.filter((m) => m.startsWith('line '))).toHaveLength(6);
    expect((await client.events.get(fired.id)).state).toBe('SUCCESS');
  });

  it('reads logs: events.logs, logs.query, and logs.tail live (WebSocket) and polled (HTTP)', async () => {
    const fired = await client.fire('plain', { for: 'logs' });
    const live = await collect(client.logs.tail(fired.id));
    expect(live.map((r) => r.message)).toContain('echo');
    expect((await client.events.get(fired.id)).state).toBe('SUCCESS');
    const page = await client.logs.query({ eventId: fired.id });
    expect(page.items.map((r) => [r.attempt, r.seq])).toEqual(live.map((r) => [r.attempt, r.seq]));
    expect((await client.events.logs(fired.id)).map((r) => r.seq)).toEqual(live.map((r) => r.seq));

    // No WebSocket at all: the tail polls over HTTP.
    const browser = createBrowserClient({ url: test.url, token: test.admin, webSocket: false });
    const second = await browser.fire('plain', { for: 'polled logs' });
    const polled = await collect(browser.logs.tail(second.id, { intervalMs: 100 }));
    expect(polled.map((r) => r.message)).toContain('echo');
    expect(new Set(polled.map((r) => `${r.attempt}:${r.seq}`)).size).toBe(polled.length);
  });

  it('writes secrets without ever reading them back; manages tokens; reads the audit log and the sinks', async () => {
    const value = `s3cret-${randomUUID()}`;
    const saved = await client.secrets.put('CLIENT_TEST_KEY', value);
    expect(saved).toMatchObject({ key: 'CLIENT_TEST_KEY', keyVersion: 1 });
    const secrets = await client.secrets.list();
    expect(secrets.map((s) => s.key)).toContain('CLIENT_TEST_KEY');
    expect(JSON.stringify(secrets)).not.toContain(value);
    await client.secrets.delete('CLIENT_TEST_KEY');
    await expect(client.secrets.delete('CLIENT_TEST_KEY')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const created = await client.tokens.create({ name: 'short-lived', role: 'Viewer' });
    const other = createBrowserClient({ url: test.url, token: created.token });
    await expect(other.events.counts()).resolves.toBeDefined();
    expect((await client.tokens.list()).map((t) => t.id)).toContain(created.metadata.id);
    await client.tokens.revoke(created.metadata.id);
    await expect(other.events.counts()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });

    const audit = await client.audit.list({ limit: 100 });
    expect(audit.items.map((r) => `${r.action} ${r.target}`)).toEqual(expect.arrayContaining(['apply definition', 'create token', 'delete secret']));
    const sinks = await client.sinks.list();
    expect(sinks).toContainEqual(expect.objectContaining({ name: 'client-test-sink', status: 'ONLINE' }));
  });
});
