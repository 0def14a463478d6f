import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NexomaticError, type TaskRequest } from '@nexomatic/core';
import { createHub, type Hub, type HubOptions } from '../src/index.js';
import { sqliteStore } from '../src/sqlite.js';
import type { HubStore } from '../src/store/port.js';
import { WireSink, sinkHeaders, upgrade } from './support/wire-sink.js';
import { startTestHub, testDefinitions, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

let cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function testHub(options: Partial<HubOptions> = {}): Promise<TestHub> {
  const test = await startTestHub(options);
  cleanup.push(() => test.close());
  return test;
}

async function adminToken(hub: Hub): Promise<string> {
  return (await hub.createToken({ role: 'Admin', name: 'hardening' })).token;
}

/** Registers a raw sink and waits for its first Task Request. */
async function takeTask(sink: WireSink, sinkId: string): Promise<TaskRequest> {
  const sub = sink.send('subscription', 'sink.tasks', { sinkId, name: 'raw', version: '0', runtimes: ['node'], modules: [], concurrency: 1 });
  return waitFor('a task', () => {
    for (const answer of sink.answers(sub)) {
      const data = answer.result?.data as { kind?: string; task?: TaskRequest } | { data?: { kind?: string; task?: TaskRequest } } | undefined;
      const message = data && 'kind' in data ? data : (data as { data?: { kind?: string; task?: TaskRequest } } | undefined)?.data;
      if (message?.kind === 'task') return message.task;
    }
    return undefined;
  });
}

describe('HTTP body limit', () => {
  it('answers 413 to a body over maxBodyBytes and stores nothing of it', async () => {
    const { hub, url } = await testHub({ maxBodyBytes: 2048 });
    const token = await adminToken(hub);
    const body = JSON.stringify({ eventType: 'echo', payload: { filler: 'x'.repeat(4096) } });
    const res = await fetch(`${url}/trpc/events.fire`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    const text = await res.text();
    expect(res.status).toBe(413);
    expect(JSON.parse(text)).toMatchObject({ error: { data: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(text).not.toMatch(/stack/i);
    expect((await hub.listEvents()).items).toEqual([]);

    // The same call under the limit goes through: the limit, not the call, refused it.
    const small = await fetch(`${url}/trpc/events.fire`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ eventType: 'echo', payload: { filler: 'x' } }),
    });
    expect(small.status).toBe(200);
    expect((await hub.listEvents()).items).toHaveLength(1);
  });
});

describe('WebSocket message limit', () => {
  it('disconnects a sink that sends a message over maxWsMessageBytes and stores nothing from it', async () => {
    const { hub, url, clientSecret } = await testHub({ maxWsMessageBytes: 4096 });
    const fired = await hub.fire({ eventType: 'echo', payload: {} });
    const sinkId = randomUUID();
    const sink = await WireSink.open(url, sinkHeaders(clientSecret));
    cleanup.push(() => sink.close());
    const task = await takeTask(sink, sinkId);
    expect(task.eventId).toBe(fired.id);

    const big = 'x'.repeat(8192);
    sink.send('mutation', 'sink.report', {
      sinkId,
      reports: [
        {
          kind: 'log',
          record: { eventId: task.eventId, attempt: task.attempt, seq: 0, time: new Date().toISOString(), stream: 'log', level: 'info', message: big },
        },
        { kind: 'result', eventId: task.eventId, attempt: task.attempt, outcome: 'SUCCESS', result: { big } },
      ],
    });
    expect(await sink.closed).toBe(1009); // "message too big"
    const event = await hub.getEvent(fired.id);
    expect(event.state).not.toBe('SUCCESS');
    expect(event.result ?? null).toBeNull();
    expect(await hub.store.logs.query(hub.tenantId, { eventId: fired.id, limit: 100 })).toEqual([]);

    // The same report under the limit is accepted once the sink reconnects: the size refused it.
    const again = await WireSink.open(url, sinkHeaders(clientSecret));
    cleanup.push(() => again.close());
    const resent = await takeTask(again, sinkId);
    again.send('mutation', 'sink.report', {
      sinkId,
      reports: [{ kind: 'result', eventId: resent.eventId, attempt: resent.attempt, outcome: 'SUCCESS', result: { small: true } }],
    });
    expect(await hub.waitForEvent(fired.id, 10_000)).toMatchObject({ state: 'SUCCESS', result: { small: true } });
  });
});

describe('connection limit per Sink Type', () => {
  it('refuses connections past maxSinksPerSinkType with 429 before any WebSocket exists, and admits again after one closes', async () => {
    const { url, clientSecret } = await testHub({ maxSinksPerSinkType: 2 });
    const first = await upgrade(url, sinkHeaders(clientSecret));
    const second = await upgrade(url, sinkHeaders(clientSecret));
    cleanup.push(() => first.ws.terminate(), () => second.ws.terminate());
    expect([first.status, second.status]).toEqual([101, 101]);

    const third = await upgrade(url, sinkHeaders(clientSecret));
    expect(third.status).toBe(429);
    // Wrong credentials are still told 401, not 429: the limit says nothing to strangers.
    expect((await upgrade(url, sinkHeaders(`${clientSecret}x`))).status).toBe(401);

    first.ws.terminate();
    const admitted = await waitFor('a free connection slot', async () => {
      const attempt = await upgrade(url, sinkHeaders(clientSecret));
      if (attempt.status === 101) return attempt;
      expect(attempt.status).toBe(429);
      return undefined;
    });
    cleanup.push(() => admitted.ws.terminate());
    expect((await upgrade(url, sinkHeaders(clientSecret))).status).toBe(429);
  });

  it('defaults to 100', async () => {
    const { hub } = await testHub();
    expect(hub.options.maxSinksPerSinkType).toBe(100);
  });
});

const FAKE_SECRET = 'sk_live_FAKE-SECRET-4f9a1c';

/** A store whose methods named in `failing` throw what the map gives; the rest pass through. */
function failingStore(inner: HubStore, failing: Map<string, () => Error>): HubStore {
  return new Proxy(inner, {
    get(target, aggregate, receiver) {
      const value = Reflect.get(target, aggregate, receiver) as unknown;
      if (typeof aggregate !== 'string' || typeof value !== 'object' || value === null) return value;
      return new Proxy(value, {
        get(group, method, groupReceiver) {
          const fn = Reflect.get(group, method, groupReceiver) as unknown;
          if (typeof fn !== 'function') return fn;
          return (...args: unknown[]) => {
            const fail = failing.get(`${aggregate}.${String(method)}`);
            if (fail) return Promise.reject(fail());
            return (fn as (...a: unknown[]) => unknown).apply(group, args);
          };
        },
      });
    },
  });
}

async function hubOverFailingStore(failing: Map<string, () => Error>, options: Partial<HubOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'nexomatic-hardening-'));
  const inner = await sqliteStore({ path: join(dir, 'hub.db') });
  const hub = await createHub({ store: failingStore(inner, failing), pollIntervalMs: 200, ...options });
  cleanup.push(async () => {
    await hub.close();
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await hub.apply(testDefinitions);
  const clientSecret = await hub.createClientSecret('TEST:NODE');
  const { url } = await hub.listen(0);
  return { hub, url, clientSecret };
}

/** The ways an internal failure is thrown: a plain Error, and the store's own wrapped INTERNAL error. */
const failures: Array<[string, () => Error]> = [
  ['a plain Error', () => new Error(`database exploded, password=${FAKE_SECRET}`)],
  ['a NexomaticError INTERNAL', () => new NexomaticError('INTERNAL', `SQLITE_IOERR at /var/db, key=${FAKE_SECRET}`, { cause: new Error(FAKE_SECRET) })],
];

function expectOpaqueInternal(text: string): void {
  expect(text).not.toContain(FAKE_SECRET);
  expect(text).not.toMatch(/stack|\bat .*\.(ts|js):\d+/i);
  expect(text).not.toMatch(/password|SQLITE|exploded/);
}

describe('no stack trace or secret in an error sent to a client', () => {
  it.each(failures)('over HTTP, for %s thrown by the store', async (_name, fail) => {
    const failing = new Map<string, () => Error>();
    const { hub, url } = await hubOverFailingStore(failing);
    const token = await adminToken(hub);
    failing.set('events.list', fail);
    failing.set('events.insert', fail);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    const list = await fetch(`${url}/trpc/events.list?input=${encodeURIComponent('{}')}`, { headers });
    const listText = await list.text();
    expect(list.status).toBe(500);
    expect(JSON.parse(listText)).toMatchObject({ error: { message: 'internal error', data: { nexomatic: { code: 'INTERNAL', message: 'internal error' } } } });
    expect((JSON.parse(listText) as { error: { data: { nexomatic: unknown } } }).error.data.nexomatic).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expectOpaqueInternal(listText);

    const fire = await fetch(`${url}/trpc/events.fire`, { method: 'POST', headers, body: JSON.stringify({ eventType: 'echo', payload: {} }) });
    const fireText = await fire.text();
    expect(fire.status).toBe(500);
    expect((JSON.parse(fireText) as { error: { data: { nexomatic: unknown } } }).error.data.nexomatic).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expectOpaqueInternal(fireText);
  });

  it('over HTTP, when token lookup fails in the store (not reported as a wrong token, and nothing leaks)', async () => {
    const failing = new Map<string, () => Error>();
    const { hub, url } = await hubOverFailingStore(failing);
    const token = await adminToken(hub);
    failing.set('identities.getToken', failures[0]![1]);
    const res = await fetch(`${url}/trpc/events.counts`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    expect(res.status).toBe(500);
    expect((JSON.parse(text) as { error: { data: { nexomatic: unknown } } }).error.data.nexomatic).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expectOpaqueInternal(text);
  });

  it('over HTTP, when the embedding app’s authenticate throws', async () => {
    const failing = new Map<string, () => Error>();
    const { url } = await hubOverFailingStore(failing, {
      authenticate: () => {
        throw new Error(`session store down, redis://:${FAKE_SECRET}@cache`);
      },
    });
    const res = await fetch(`${url}/trpc/events.counts`);
    const text = await res.text();
    expect(res.status).toBe(500);
    expect((JSON.parse(text) as { error: { data: { nexomatic: unknown } } }).error.data.nexomatic).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expect(text).not.toContain(FAKE_SECRET);
    expect(text).not.toMatch(/stack|redis/i);
  });

  it.each(failures)('over the WebSocket, for %s thrown by the store', async (_name, fail) => {
    const failing = new Map<string, () => Error>();
    const { url, clientSecret } = await hubOverFailingStore(failing);
    const sink = await WireSink.open(url, sinkHeaders(clientSecret));
    cleanup.push(() => sink.close());
    const sinkId = randomUUID();

    // A subscription whose registration fails in the store.
    failing.set('sinks.upsert', fail);
    const sub = sink.send('subscription', 'sink.tasks', { sinkId, name: 'raw', version: '0', runtimes: ['node'], modules: [], concurrency: 1 });
    const subError = await waitFor('the subscription error', () => sink.errorFrame(sub));
    expect((JSON.parse(subError) as { error: { data: { nexomatic: unknown } } }).error.data.nexomatic).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expectOpaqueInternal(subError);

    // A mutation whose store call fails.
    failing.delete('sinks.upsert');
    failing.set('sinks.get', fail);
    const beat = sink.send('mutation', 'sink.heartbeat', { sinkId });
    const beatError = await waitFor('the heartbeat error', () => sink.errorFrame(beat));
    const parsed = JSON.parse(beatError) as { error: { message: string; data: { nexomatic: unknown } } };
    expect(parsed.error.message).toBe('internal error');
    expect(parsed.error.data.nexomatic).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expectOpaqueInternal(beatError);
  });

  it('answers 503, not 401, and no detail, when checking sink credentials fails in the store', async () => {
    const failing = new Map<string, () => Error>();
    const { hub, url, clientSecret } = await hubOverFailingStore(failing);
    // Verified credentials are cached; a fresh secret makes the hub read the store.
    const fresh = await hub.createClientSecret('TEST:NODE');
    failing.set('identities.listClientSecrets', failures[0]![1]);
    expect((await upgrade(url, sinkHeaders(fresh))).status).toBe(503);
    failing.clear();
    expect((await upgrade(url, sinkHeaders(clientSecret))).status).toBe(101);
  });
});
