/**
 * Webhook Sources against a real hub HTTP server on port 0: every status code, signatures (Standard
 * Webhooks and GitHub) valid, invalid, stale and replayed, idempotent retries, and the sources API.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DefinitionsInput } from '@nexomatic/core';
import type { Hub, SourceView } from '../src/index.js';
import { codeOf, tokenClient } from './support/api.js';
import { startTestHub, testDefinitions, type TestHub } from './support/test-hub.js';

const STANDARD_OLD = `whsec_${randomBytes(24).toString('base64')}`;
const STANDARD_NEW = `whsec_${randomBytes(24).toString('base64')}`;
const GITHUB_SECRET = "It's a Secret to Everybody";

const definitions: DefinitionsInput = {
  ...testDefinitions,
  eventTypes: [
    ...testDefinitions.eventTypes!,
    { name: 'client-only', sinkType: 'TEST:NODE', action: 'record', sourceTypes: ['client', 'webhook'] },
    { name: 'tiny-queue', sinkType: 'TEST:NODE', action: 'record', limits: { maxQueued: 1 } },
  ],
  sources: [
    { name: 'plain', type: 'webhook', eventTypes: ['echo', 'gate', 'client-only'] },
    { name: 'signed', type: 'webhook', eventTypes: ['echo'], signature: { scheme: 'standard', secrets: ['WH_OLD', 'WH_NEW'] } },
    { name: 'github', type: 'webhook', eventTypes: ['echo'], signature: { scheme: 'github', secrets: ['GH_SECRET'] } },
    { name: 'unverifiable', type: 'webhook', eventTypes: ['echo'], signature: { scheme: 'github', secrets: ['NO_SUCH_SECRET'] } },
    { name: 'off', type: 'webhook', eventTypes: ['echo'], enabled: false },
    { name: 'small', type: 'webhook', eventTypes: ['tiny-queue'] },
    { name: 'grid', type: 'eventgrid', eventTypes: ['echo'] },
  ],
};

let test: TestHub;
let hub: Hub;
let sources: Record<string, SourceView>;
const url = (name: string, suffix = '') => `${test.url.replace(/\/$/, '')}${sources[name]!.paths[0]}${suffix}`;

beforeAll(async () => {
  test = await startTestHub({ masterKeys: { 1: randomBytes(32).toString('base64') } }, definitions);
  // Allowed when the Source was applied (apply checks it); the Event Type stops allowing webhooks afterwards.
  await test.hub.apply({ eventTypes: [{ name: 'client-only', sinkType: 'TEST:NODE', action: 'record', sourceTypes: ['client'] }] });
  hub = test.hub;
  await hub.putSecret('WH_OLD', STANDARD_OLD);
  await hub.putSecret('WH_NEW', STANDARD_NEW);
  await hub.putSecret('GH_SECRET', GITHUB_SECRET);
  sources = Object.fromEntries((await hub.listSources()).map((s) => [s.name, s]));
});
afterAll(() => test?.close());

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
  headers: Headers;
}

async function post(target: string, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }, method = 'POST'): Promise<Answer> {
  const res = await fetch(target, { method, headers, ...(method === 'GET' ? {} : { body }) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { status: res.status, body: json, text, headers: res.headers };
}

const json = (value: unknown) => JSON.stringify(value);

function standardHeaders(secret: string, id: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` };
}

const eventsOf = async (source: string) => (await hub.listEvents({ limit: 1000 })).items.filter((e) => e.source.id === source);

describe('a webhook Source', () => {
  it('answers 202 with the id of the event it durably stored, of its first Event Type', async () => {
    const answer = await post(url('plain'), json({ order: 'A-1', total: 9 }));
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ id: expect.any(String) });
    const event = await hub.getEvent(answer.body.id as string);
    expect(event).toMatchObject({ eventType: 'echo', state: 'QUEUED', payload: { order: 'A-1', total: 9 }, source: { type: 'webhook', id: 'plain' } });
    // The stored record, read back from the store itself.
    expect(await hub.store.events.get(event.id, hub.tenantId)).toMatchObject({ eventType: 'echo', payload: { order: 'A-1', total: 9 } });
  });

  it("carries the request's traceparent onto the event, so the webhook starts the trace", async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const answer = await post(url('plain'), json({ traced: true }), { 'content-type': 'application/json', traceparent });
    expect(answer.status).toBe(202);
    const event = await hub.getEvent(answer.body.id as string);
    expect(event.traceContext?.traceparent.split('-')[1]).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('fires the Event Type named in its path, when the Source may fire it', async () => {
    expect(sources.plain!.paths).toEqual([
      `/hooks/${sources.plain!.token}`,
      `/hooks/${sources.plain!.token}/echo`,
      `/hooks/${sources.plain!.token}/gate`,
      `/hooks/${sources.plain!.token}/client-only`,
    ]);
    const answer = await post(url('plain', '/gate'), json({ n: 1 }), { 'content-type': 'application/json; charset=utf-8' });
    expect(answer.status).toBe(202);
    expect((await hub.getEvent(answer.body.id as string)).eventType).toBe('gate');
  });

  it('answers 403 for an Event Type the Source may not fire, or that does not allow webhooks', async () => {
    const notListed = await post(url('plain', '/fail'), json({}));
    expect(notListed.status).toBe(403);
    expect(notListed.body).toEqual({ error: { code: 'FORBIDDEN', message: 'Source "plain" may not fire Event Type "fail"' } });
    const notAllowed = await post(url('plain', '/client-only'), json({}));
    expect(notAllowed.status).toBe(403);
    expect(notAllowed.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('source type "webhook"') });
  });

  it('answers 404 with no hint for an unknown, disabled or non-webhook token: the body of any 404', async () => {
    const base = test.url.replace(/\/$/, '');
    const before = (await hub.listEvents({ limit: 1000 })).items.length;
    const anyOther = await post(`${base}/no/such/path`, json({}));
    expect(anyOther.status).toBe(404);
    for (const target of [
      `${base}/hooks/${randomBytes(24).toString('base64url')}`,
      `${base}/hooks/short`,
      `${base}/hooks/`,
      url('off'),
      `${base}/hooks/${sources.grid!.token}`,
      url('plain', '/echo/extra'),
    ]) {
      const answer = await post(target, json({ x: 1 }));
      expect(answer.status, target).toBe(404);
      expect(answer.text, target).toBe(anyOther.text);
    }
    expect((await hub.listEvents({ limit: 1000 })).items).toHaveLength(before);
  });

  it('answers 405 to another method than POST', async () => {
    const answer = await post(url('plain'), '', {}, 'GET');
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
  });

  it('answers 413 for a body over the limit (1 MiB by default), declared or streamed', async () => {
    const big = json({ blob: 'x'.repeat(1024 * 1024) });
    const declared = await post(url('plain'), big);
    expect(declared.status).toBe(413);
    expect(declared.body.error).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'the body is larger than 1048576 bytes' });
    // Chunked, with no Content-Length: refused once it grows past the limit.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(url('plain'), { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'EPIPE' || (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
      const chunk = Buffer.alloc(64 * 1024, 'a');
      for (let i = 0; i < 17; i += 1) req.write(chunk);
      req.end();
    });
    expect(streamed).toBe(413);
    // Exactly at the limit is fine.
    const atLimit = json({ blob: 'x'.repeat(1024 * 1024 - 11) });
    expect(Buffer.byteLength(atLimit)).toBe(1024 * 1024);
    expect((await post(url('plain'), atLimit)).status).toBe(202);
  });

  it('answers 415 for a body that is not JSON, and 400 naming the problem for bad JSON', async () => {
    const form = await post(url('plain'), 'a=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(form.body.error).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Content-Type must be application/json (UTF-8), not "application/x-www-form-urlencoded"' });
    expect((await post(url('plain'), '{}', {})).status).toBe(415);
    const gzipped = await post(url('plain'), '{}', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(gzipped.status).toBe(415);
    expect(gzipped.body.error).toMatchObject({ message: 'Content-Encoding "gzip" is not supported; send the body uncompressed' });
    const broken = await post(url('plain'), '{"order": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/^the body is not valid JSON: /) });
    const array = await post(url('plain'), '[1,2]');
    expect(array.status).toBe(400);
    expect(array.body.error).toMatchObject({ message: "the body must be a JSON object (the event's payload), not an array" });
  });

  it('answers 429 with Retry-After when the queue is full, and accepts nothing', async () => {
    expect((await post(url('small'), json({ n: 1 }))).status).toBe(202);
    const full = await post(url('small'), json({ n: 2 }));
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBe('5');
    expect(full.body.error).toMatchObject({ code: 'QUEUE_FULL' });
    expect(await eventsOf('small')).toHaveLength(1);
  });

  it('returns the same event for a retry with the same Idempotency-Key', async () => {
    const headers = { 'content-type': 'application/json', 'idempotency-key': `order-${randomBytes(4).toString('hex')}` };
    const first = await post(url('plain'), json({ try: 1 }), headers);
    const retry = await post(url('plain'), json({ try: 2 }), headers);
    expect(first.status).toBe(202);
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(first.body.id);
    expect((await hub.getEvent(first.body.id as string)).payload).toEqual({ try: 1 });
    const other = await post(url('plain'), json({ try: 3 }), { ...headers, 'idempotency-key': 'another' });
    expect(other.body.id).not.toBe(first.body.id);
    // A webhook-id is a key too, when no Idempotency-Key is given.
    const a = await post(url('plain'), json({}), { 'content-type': 'application/json', 'webhook-id': 'msg_plain_1' });
    const b = await post(url('plain'), json({}), { 'content-type': 'application/json', 'webhook-id': 'msg_plain_1' });
    expect(b.body.id).toBe(a.body.id);
  });
});

describe('Standard Webhooks signatures', () => {
  it('accepts a valid signature by either secret, and several signatures at once', async () => {
    const body = json({ kind: 'invoice.paid', n: 1 });
    const byNew = await post(url('signed'), body, standardHeaders(STANDARD_NEW, 'msg_new_1', body));
    expect(byNew.status).toBe(202);
    const byOld = await post(url('signed'), body, standardHeaders(STANDARD_OLD, 'msg_old_1', body));
    expect(byOld.status).toBe(202);
    expect(byOld.body.id).not.toBe(byNew.body.id);
    const both = standardHeaders(STANDARD_NEW, 'msg_both_1', body);
    const other = standardHeaders(`whsec_${randomBytes(24).toString('base64')}`, 'msg_both_1', body);
    both['webhook-signature'] = `${other['webhook-signature']} ${both['webhook-signature']}`;
    expect((await post(url('signed'), body, both)).status).toBe(202);
    expect(await hub.getEvent(byNew.body.id as string)).toMatchObject({ payload: { kind: 'invoice.paid', n: 1 }, source: { type: 'webhook', id: 'signed' } });
  });

  it('answers 401 for an invalid, missing or stale signature, and stores nothing', async () => {
    const before = (await eventsOf('signed')).length;
    const body = json({ kind: 'invoice.paid', n: 2 });
    const tampered = await post(url('signed'), json({ kind: 'invoice.paid', n: 3 }), standardHeaders(STANDARD_NEW, 'msg_bad_1', body));
    expect(tampered.status).toBe(401);
    expect(tampered.body.error).toEqual({ code: 'UNAUTHENTICATED', message: 'no signature in webhook-signature matches' });
    const wrongSecret = await post(url('signed'), body, standardHeaders(`whsec_${randomBytes(24).toString('base64')}`, 'msg_bad_2', body));
    expect(wrongSecret.status).toBe(401);
    const missing = await post(url('signed'), body);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatchObject({ message: 'the webhook-id, webhook-timestamp and webhook-signature headers are required' });
    const stale = await post(url('signed'), body, standardHeaders(STANDARD_NEW, 'msg_stale_1', body, Math.floor(Date.now() / 1000) - 301));
    expect(stale.status).toBe(401);
    expect(stale.body.error).toMatchObject({ message: 'webhook-timestamp is older than 300 seconds' });
    const future = await post(url('signed'), body, standardHeaders(STANDARD_NEW, 'msg_future_1', body, Math.floor(Date.now() / 1000) + 400));
    expect(future.status).toBe(401);
    expect(await eventsOf('signed')).toHaveLength(before);
  });

  it('answers a replayed message with the event it created the first time, never a second one', async () => {
    const body = json({ kind: 'invoice.paid', n: 4 });
    const headers = standardHeaders(STANDARD_NEW, `msg_replay_${randomBytes(4).toString('hex')}`, body);
    const first = await post(url('signed'), body, headers);
    const before = (await eventsOf('signed')).length;
    const replays = await Promise.all([1, 2, 3].map(() => post(url('signed'), body, headers)));
    for (const replay of replays) {
      expect(replay.status).toBe(202);
      expect(replay.body.id).toBe(first.body.id);
    }
    // An Idempotency-Key added to a replay is ignored: the signed webhook-id is the key.
    const withKey = await post(url('signed'), body, { ...headers, 'idempotency-key': 'fresh-key' });
    expect(withKey.body.id).toBe(first.body.id);
    expect(await eventsOf('signed')).toHaveLength(before);
  });
});

describe('GitHub signatures', () => {
  const sign = (body: string) => `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`;

  it('verifies on the raw body: GitHub’s published example passes the signature check (then is not JSON)', async () => {
    const answer = await post(url('github'), 'Hello, World!', {
      'content-type': 'application/json',
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    });
    // Past the signature (a 401 otherwise), the body is refused for what it is.
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ message: expect.stringMatching(/^the body is not valid JSON/) });
  });

  it('accepts a signed JSON delivery, dedupes by X-GitHub-Delivery, and refuses a bad signature', async () => {
    const body = json({ action: 'opened', number: 7 });
    const delivery = { 'content-type': 'application/json', 'x-hub-signature-256': sign(body), 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' };
    const first = await post(url('github'), body, delivery);
    expect(first.status).toBe(202);
    expect((await post(url('github'), body, delivery)).body.id).toBe(first.body.id);
    expect((await post(url('github'), body, { ...delivery, 'x-hub-signature-256': sign(`${body} `) })).status).toBe(401);
    expect((await post(url('github'), body, { 'content-type': 'application/json' })).status).toBe(401);
  });

  it('refuses every request to a Source whose signing Secret does not exist', async () => {
    const body = json({});
    const answer = await post(url('unverifiable'), body, { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) });
    expect(answer.status).toBe(401);
    expect(await eventsOf('unverifiable')).toHaveLength(0);
  });
});

describe('the sources API', () => {
  it('lists Sources with URLs for an Admin, without tokens for a Viewer, and rotates a token (audited)', async () => {
    const admin = tokenClient(test.url, (await hub.createToken({ role: 'Admin', name: 'src-admin' })).token);
    const viewer = tokenClient(test.url, (await hub.createToken({ role: 'Viewer', name: 'src-viewer' })).token);
    const listed = await admin.sources.list.query();
    const plain = listed.find((s) => s.name === 'plain')!;
    expect(plain.token).toBe(sources.plain!.token);
    expect(plain.urls[0]).toBe(url('plain'));
    const seen = await viewer.sources.list.query();
    expect(seen.find((s) => s.name === 'plain')).toMatchObject({ token: null, paths: [], urls: [] });
    expect(JSON.stringify(seen)).not.toContain(sources.plain!.token!);
    // The definitions API hides tokens from Viewers too.
    expect(JSON.stringify(await viewer.definitions.list.query({ kind: 'source' }))).not.toContain(sources.plain!.token!);
    expect(JSON.stringify(await admin.definitions.list.query({ kind: 'source' }))).toContain(sources.plain!.token!);

    expect(await codeOf(viewer.sources.rotateToken.mutate({ name: 'small' }))).toBe('FORBIDDEN');
    expect(await codeOf(admin.sources.rotateToken.mutate({ name: 'no-such-source' }))).toBe('NOT_FOUND');
    const oldUrl = url('small');
    const rotated = await admin.sources.rotateToken.mutate({ name: 'small' });
    expect(rotated.token).not.toBe(sources.small!.token);
    expect((await post(oldUrl, json({}))).status).toBe(404);
    expect((await post(rotated.urls[0]!, json({}))).status).not.toBe(404);
    const audit = await hub.store.audit.query(hub.tenantId, { target: 'source', limit: 10 });
    expect(audit.items.map((r) => [r.action, r.name])).toContainEqual(['rotate-token', 'small']);
    // A later apply keeps the rotated token.
    await hub.apply({ sources: [{ name: 'small', type: 'webhook', eventTypes: ['tiny-queue'] }] });
    expect((await hub.listSources()).find((s) => s.name === 'small')!.token).toBe(rotated.token);
  });
});

describe('replay protection without an idempotency window', () => {
  it('still answers a replayed signed message with its first event while its timestamp is valid', async () => {
    await using short = await startTestHub({ masterKeys: { 1: randomBytes(32).toString('base64') }, idempotencyWindowMs: 0 }, definitions);
    await short.hub.putSecret('WH_NEW', STANDARD_NEW);
    const signed = (await short.hub.listSources()).find((s) => s.name === 'signed')!;
    const target = `${short.url.replace(/\/$/, '')}${signed.paths[0]}`;
    const body = json({ kind: 'invoice.paid', n: 5 });
    const headers = standardHeaders(STANDARD_NEW, 'msg_window_0', body);
    // Concurrent replays wait for the first and share its event; a later one too.
    const [first, ...replays] = await Promise.all([1, 2, 3].map(() => post(target, body, headers)));
    expect(first!.status).toBe(202);
    for (const replay of [...replays, await post(target, body, headers)]) expect(replay.body.id).toBe(first!.body.id);
    expect((await short.hub.listEvents({ limit: 100 })).items.filter((e) => e.source.id === 'signed')).toHaveLength(1);
    // Unsigned retries with an Idempotency-Key follow the hub's window (here: none).
    const plain = (await short.hub.listSources()).find((s) => s.name === 'plain')!;
    const keyed = { 'content-type': 'application/json', 'idempotency-key': 'k-1' };
    const a = await post(`${short.url.replace(/\/$/, '')}${plain.paths[0]}`, json({}), keyed);
    const b = await post(`${short.url.replace(/\/$/, '')}${plain.paths[0]}`, json({}), keyed);
    expect(b.body.id).not.toBe(a.body.id);
  });
});
