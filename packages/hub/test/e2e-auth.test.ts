import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CREDENTIAL_HEADERS, NexomaticError } from '@nexomatic/core';
import { createClient } from '@nexomatic/client';
import { spawnSink, MODULES } from './support/sink-process.js';
import { startTestHub, type TestHub } from './support/test-hub.js';

let hubs: TestHub[] = [];
afterEach(async () => {
  for (const h of hubs) await h.close();
  hubs = [];
});

async function testHub(): Promise<TestHub> {
  const h = await startTestHub();
  hubs.push(h);
  return h;
}

/** Attempts a raw WebSocket upgrade and reports the HTTP status, or 101 when a socket opened. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (error) => (error.message.includes('closed before') ? undefined : reject(error)));
  });
}

describe('sink credentials are checked at the HTTP upgrade', () => {
  it('answers 401 before any WebSocket exists for a wrong, missing or unknown credential', async () => {
    const { url, clientSecret } = await testHub();
    const good = { [CREDENTIAL_HEADERS.clientId]: 'TEST:NODE', [CREDENTIAL_HEADERS.clientSecret]: clientSecret };
    expect(await upgradeStatus(url, good)).toBe(101);
    expect(await upgradeStatus(url, { ...good, [CREDENTIAL_HEADERS.clientSecret]: `${clientSecret}x` })).toBe(401);
    expect(await upgradeStatus(url, { ...good, [CREDENTIAL_HEADERS.clientId]: 'NO:SUCH' })).toBe(401);
    expect(await upgradeStatus(url, { [CREDENTIAL_HEADERS.clientId]: 'TEST:NODE' })).toBe(401);
    expect(await upgradeStatus(url, { ...good, [CREDENTIAL_HEADERS.tenantUuid]: '00000000-0000-4000-8000-000000000000' })).toBe(401);
  });

  it('accepts both secrets during a rotation and retires the oldest after a third', async () => {
    const { hub, url, clientSecret: first } = await testHub();
    const second = await hub.createClientSecret('TEST:NODE');
    const headers = (secret: string) => ({ [CREDENTIAL_HEADERS.clientId]: 'TEST:NODE', [CREDENTIAL_HEADERS.clientSecret]: secret });
    expect(await upgradeStatus(url, headers(first))).toBe(101);
    expect(await upgradeStatus(url, headers(second))).toBe(101);
    const third = await hub.createClientSecret('TEST:NODE');
    expect(await upgradeStatus(url, headers(first))).toBe(401);
    expect(await upgradeStatus(url, headers(third))).toBe(101);
  });

  it('makes the sink CLI say the credentials were refused and exit instead of retrying', async () => {
    const { url } = await testHub();
    const sink = spawnSink({ HUB_URL: url, CLIENT_ID: 'TEST:NODE', CLIENT_SECRET: 'wrong-secret' }, ['--modules', MODULES]);
    const code = await sink.exited;
    expect(code).toBe(3);
    expect(sink.lines.join('\n')).toMatch(/CLIENT_SECRET/);
  });
});

describe('API tokens and roles', () => {
  it('refuses calls without a valid token, and mutations by a Viewer', async () => {
    const { hub, url } = await testHub();
    const anonymous = createClient({ url, token: 'nxm_not_a_token' });
    await expect(anonymous.events.list()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const viewer = createClient({ url, token: (await hub.createToken({ role: 'Viewer', name: 'v' })).token });
    expect((await viewer.events.list()).items).toEqual([]);
    await expect(viewer.fire({ eventType: 'echo', payload: {} })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('bad input gets an error naming the field', () => {
  it('rejects a malformed definition in code, naming the field, and applies nothing', async () => {
    const { hub } = await testHub();
    const attempt = hub.apply({
      actions: [{ name: 'ok-action', module: 'e2e.echo' }],
      eventTypes: [{ name: 'broken', sinkType: 'TEST:NODE', action: 'ok-action', priority: 'high' as unknown as number }],
    });
    await expect(attempt).rejects.toThrow(NexomaticError);
    await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('eventTypes[0].priority') });
    const stored = await hub.store.definitions.get(hub.tenantId, 'action', 'ok-action');
    expect(stored).toBeNull();
  });

  it('rejects a definition that names a missing Action or Sink Type, naming the field', async () => {
    const { hub } = await testHub();
    await expect(
      hub.apply({ eventTypes: [{ name: 'orphan', sinkType: 'NO:SUCH', action: 'missing' }] }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/eventTypes\[0\]\.sinkType.*eventTypes\[0\]\.action/),
    });
  });

  it('rejects a malformed definition over the API with the field in the error', async () => {
    const { hub, url } = await testHub();
    const client = createClient({ url, token: (await hub.createToken({ role: 'Admin', name: 'a' })).token });
    await expect(
      client.definitions.apply({ actions: [{ name: 'x', module: 'not a module path!' }] }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('actions[0].module') });
    await expect(client.fire({ eventType: 'no-such-type', payload: {} })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rejects invalid hub options naming the option', async () => {
    const { createHub } = await import('../src/index.js');
    await expect(createHub({ basePath: 'nexomatic' })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('basePath'),
    });
  });
});
