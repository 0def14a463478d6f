/**
 * The live tail (`logs.tail`) for API callers over the hub's WebSocket: an API token on the
 * upgrade, the records already stored then each new one as the sink reports it, once and in
 * order, resumable from a position; tenant isolation and token checks on the open socket. And the
 * error of every failed attempt kept as a Log record of that attempt.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTRPCClient, createWSClient, wsLink, type TRPCClient } from '@trpc/client';
import { bearerProtocols, type LogRecord } from '@nexomatic/core';
import { startSink, type Sink } from '@nexomatic/sink';
import type { AppRouter } from '../src/index.js';
import { codeOf, tokenClient, upgradeStatus } from './support/api.js';
import { MODULES } from './support/sink-process.js';
import { startTestHub, testDefinitions, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

const COUNT = 20;
let test: TestHub;
let sink: Sink;
let gates: string;
const sockets: Array<{ close(): void | Promise<void> }> = [];

beforeAll(async () => {
  gates = mkdtempSync(join(tmpdir(), 'nexomatic-tail-'));
  test = await startTestHub({}, {
    ...testDefinitions,
    actions: [...(testDefinitions.actions ?? []), { name: 'drip', module: 'logdrip.node' }],
    eventTypes: [
      ...(testDefinitions.eventTypes ?? []),
      { name: 'drip', sinkType: 'TEST:NODE', action: 'drip' },
      { name: 'refused-twice', sinkType: 'TEST:NODE', action: 'fail', retry: { maxAttempts: 2, backoff: { initialMs: 0, jitter: 0 } } },
    ],
  });
  sink = await startSink({ hubUrl: test.url, clientId: 'TEST:NODE', clientSecret: test.clientSecret, modules: [MODULES], concurrency: 2 });
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) await socket.close();
  await sink?.close();
  await test?.close();
  rmSync(gates, { recursive: true, force: true });
});

/**
 * A typed tRPC client over the hub's WebSocket, with `Authorization: Bearer <token>` on the upgrade,
 * or (`via: 'protocol'`) the token in `Sec-WebSocket-Protocol`, as a browser sends it.
 */
function socketClient(token: string, via: 'header' | 'protocol' = 'header'): TRPCClient<AppRouter> {
  class WithToken extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      if (via === 'protocol') super(url, bearerProtocols(token));
      else super(url, protocols, { headers: { authorization: `Bearer ${token}` } });
    }
  }
  const ws = createWSClient({ url: `${test.url.replace(/^http/, 'ws')}/ws`, WebSocket: WithToken as unknown as typeof globalThis.WebSocket, retryDelayMs: () => 100 });
  sockets.push(ws);
  return createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] });
}

/** Subscribes to `logs.tail` and collects what arrives. */
function tail(client: TRPCClient<AppRouter>, input: Parameters<TRPCClient<AppRouter>['logs']['tail']['subscribe']>[0]) {
  const seen: { ids: string[]; records: LogRecord[]; error: unknown } = { ids: [], records: [], error: undefined };
  const subscription = client.logs.tail.subscribe(input, {
    onData: ({ id, data }) => {
      seen.ids.push(id);
      seen.records.push(data);
    },
    onError: (error) => (seen.error = error),
  });
  return { seen, stop: () => subscription.unsubscribe() };
}

describe('logs.tail over the WebSocket', () => {
  it('admits API tokens on the upgrade and refuses the rest before any WebSocket', async () => {
    const viewer = await test.hub.createToken({ role: 'Viewer', name: 'tail-upgrade' });
    expect(await upgradeStatus(test.url, { authorization: `Bearer ${viewer.token}` })).toBe(101);
    expect(await upgradeStatus(test.url, { authorization: `Bearer ${viewer.token}x` })).toBe(401);
    expect(await upgradeStatus(test.url, {})).toBe(401);
  });

  it('admits an API token in Sec-WebSocket-Protocol (as a browser sends it), answering with `nexomatic` only', { timeout: 30_000 }, async () => {
    const viewer = await test.hub.createToken({ role: 'Viewer', name: 'tail-subprotocol' });
    expect(await protocolUpgrade(bearerProtocols(viewer.token))).toEqual({ status: 101, protocol: 'nexomatic' });
    // A wrong token, a malformed entry: 401 at the upgrade, no WebSocket.
    expect(await protocolUpgrade(bearerProtocols(`${viewer.token}x`))).toEqual({ status: 401 });
    expect(await protocolUpgrade(['nexomatic', 'nexomatic.bearer.not*base64url'])).toEqual({ status: 401 });
    expect(await protocolUpgrade(['nexomatic'])).toEqual({ status: 401 });

    // Over it, the live tail works like over a header-authorized socket.
    const client = socketClient(viewer.token, 'protocol');
    const fired = await test.hub.fire({ eventType: 'echo', payload: { via: 'subprotocol' } });
    await test.hub.waitForEvent(fired.id, 20_000);
    const live = tail(client, { eventId: fired.id });
    const stored = (await test.hub.logs.query({ eventId: fired.id, limit: 100 })).items;
    expect(stored.length).toBeGreaterThan(0);
    await waitFor('the records over the subprotocol socket', () => live.seen.records.length >= stored.length);
    expect(live.seen.records).toEqual(stored);
    live.stop();
  });

  it('sends a Viewer the stored records, then each new one once and in order, and resumes after a position', { timeout: 60_000 }, async () => {
    const viewer = socketClient((await test.hub.createToken({ role: 'Viewer', name: 'tail-viewer' })).token);
    const gate = join(gates, 'drip');
    const fired = await test.hub.fire({ eventType: 'drip', payload: { count: COUNT, gate } });
    // Some records are stored before the tail starts (its backlog); the rest arrive live.
    await waitFor('the first half of the log', async () => (await test.hub.store.logs.query(test.hub.tenantId, { eventId: fired.id, limit: 100 })).length === COUNT * 2);
    const live = tail(viewer, { eventId: fired.id });
    await waitFor('the backlog on the tail', () => live.seen.records.length >= COUNT * 2);
    writeFileSync(gate, 'open');
    expect((await test.hub.waitForEvent(fired.id, 30_000)).state).toBe('SUCCESS');
    await waitFor('every record on the tail', () => live.seen.records.length >= COUNT * 4);

    const stored = (await test.hub.logs.query({ eventId: fired.id, limit: 1000 })).items;
    expect(stored).toHaveLength(COUNT * 4);
    expect(live.seen.records).toEqual(stored);
    expect(live.seen.ids).toEqual(stored.map((r) => `1:${r.seq}`));
    expect(live.seen.error).toBeUndefined();
    live.stop();

    // From a position: only what comes after it.
    const resumed = tail(viewer, { eventId: fired.id, after: { attempt: 1, seq: 49 } });
    await waitFor('the records after seq 49', () => resumed.seen.records.length >= COUNT * 4 - 50);
    expect(resumed.seen.records).toEqual(stored.slice(50));
    resumed.stop();
  });

  it('shows another tenant nothing, and checks the token again on every call of an open socket', { timeout: 30_000 }, async () => {
    const fired = await test.hub.fire({ eventType: 'echo', payload: { marker: 'tenant-a-only' } });
    await test.hub.waitForEvent(fired.id, 20_000);
    const tenantB = (await test.hub.createTenant({ name: 'tail-b' })).id;
    const adminB = socketClient((await test.hub.createToken({ role: 'Admin', name: 'tail-b-admin', tenantId: tenantB })).token);
    const foreign = tail(adminB, { eventId: fired.id });
    await waitFor('tenant B’s tail to fail', () => foreign.seen.error);
    expect((foreign.seen.error as { data?: { nexomatic?: { code?: string } } }).data?.nexomatic?.code).toBe('NOT_FOUND');
    expect(foreign.seen.records).toEqual([]);

    const token = await test.hub.createToken({ role: 'Viewer', name: 'tail-revoked' });
    const client = socketClient(token.token);
    expect(Array.isArray(await client.events.logs.query({ id: fired.id }))).toBe(true);
    await tokenClient(test.url, (await test.hub.createToken({ role: 'Admin', name: 'revoker' })).token).tokens.revoke.mutate({ id: token.id });
    expect(await codeOf(client.logs.query.query({ eventId: fired.id }))).toBe('UNAUTHENTICATED');
  });
});

describe('the errors of failed attempts', () => {
  it('keeps each attempt’s error as a Log record of that attempt', { timeout: 30_000 }, async () => {
    const fired = await test.hub.fire({ eventType: 'refused-twice', payload: { reason: 'twice' } });
    const event = await test.hub.waitForEvent(fired.id, 20_000);
    expect(event).toMatchObject({ state: 'ERROR', attempt: 2, error: { code: 'REFUSED' } });
    // Written right after each attempt settles (a waiter that polls the store may see the event first).
    const errors = await waitFor('both attempts’ error records', async () => {
      const found = (await test.hub.logs.query({ eventId: fired.id, minLevel: 'error', limit: 100 })).items.filter((r) => r.stream === 'log');
      return found.length >= 2 ? found : undefined;
    });
    expect(errors.map((r) => [r.attempt, r.level, r.message, r.fields])).toEqual([
      [1, 'error', 'refused twice', { code: 'REFUSED', attempt: 1 }],
      [2, 'error', 'refused twice', { code: 'REFUSED', attempt: 2 }],
    ]);
  });
});

/** Opens the hub's WebSocket offering `protocols` (no Authorization header); the status and the protocol the hub chose. */
function protocolUpgrade(protocols: string[]): Promise<{ status: number; protocol?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${test.url.replace(/^http/, 'ws')}/ws`, protocols);
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      resolve({ status: 101, protocol: ws.protocol });
      ws.close();
    });
    ws.on('error', (error) => (error.message.includes('closed before') ? undefined : reject(error)));
  });
}
