/**
 * Event Grid Sources against a real hub HTTP server on port 0, with the payloads Azure's
 * documentation publishes: the validation and abuse-protection handshakes, deliveries in the Event
 * Grid schema and CloudEvents 1.0 (single and batched), the mapping table, shared-key
 * authentication, redeliveries and every refusal.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DefinitionsInput } from '@nexomatic/core';
import type { Hub, SourceView } from '../src/index.js';
import { startTestHub, testDefinitions, type TestHub } from './support/test-hub.js';

const fixture = (name: string) => readFileSync(new URL(`../../sources/test/fixtures/${name}`, import.meta.url), 'utf8');
const KEY = randomBytes(24).toString('base64url');

const definitions: DefinitionsInput = {
  ...testDefinitions,
  eventTypes: [...testDefinitions.eventTypes!, { name: 'client-only', sinkType: 'TEST:NODE', action: 'record', sourceTypes: ['client', 'eventgrid'] }],
  sources: [
    {
      name: 'storage',
      type: 'eventgrid',
      eventTypes: ['echo'],
      routes: [
        { type: 'Microsoft.Storage.BlobCreated', subjectPrefix: '/blobServices/default/containers/test-container/', eventType: 'gate' },
        { type: 'Microsoft.Storage.BlobCreated', eventType: 'after-echo' },
        { type: 'Contoso.Items.*', eventType: 'after-failure' },
        { type: 'Forbidden.*', eventType: 'client-only' },
      ],
      sharedKeySecret: 'EG_KEY',
    },
    { name: 'open-grid', type: 'eventgrid', eventTypes: ['echo'] },
    { name: 'hook', type: 'webhook', eventTypes: ['echo'] },
  ],
};

let test: TestHub;
let hub: Hub;
let sources: Record<string, SourceView>;
const url = (name: string, query = '') => `${test.url.replace(/\/$/, '')}${sources[name]!.paths[0]}${query}`;

beforeAll(async () => {
  test = await startTestHub({ masterKeys: { 1: randomBytes(32).toString('base64') } }, definitions);
  // Allowed when the Source was applied (apply checks it); the Event Type stops allowing eventgrids afterwards.
  await test.hub.apply({ eventTypes: [{ name: 'client-only', sinkType: 'TEST:NODE', action: 'record', sourceTypes: ['client'] }] });
  hub = test.hub;
  await hub.putSecret('EG_KEY', KEY);
  sources = Object.fromEntries((await hub.listSources()).map((s) => [s.name, s]));
});
afterAll(() => test?.close());

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  text: string;
}

async function send(target: string, body: string | undefined, headers: Record<string, string>, method = 'POST'): Promise<Answer> {
  const res = await fetch(target, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // empty or not JSON
  }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

const eventGrid = { 'content-type': 'application/json', 'aeg-event-type': 'Notification' };
const withKey = { ...eventGrid, 'aeg-sas-key': KEY };
const idsOf = (answer: Answer) => answer.body.ids as string[];

describe('the Event Grid handshakes', () => {
  it('answers the subscription validation event with its validation code', async () => {
    const answer = await send(url('storage'), fixture('subscription-validation.json'), { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
  });

  it('answers the CloudEvents abuse-protection OPTIONS request with the allowed origin and rate', async () => {
    const answer = await send(url('storage'), undefined, { 'webhook-request-origin': 'eventgrid.azure.net', 'webhook-request-rate': '120' }, 'OPTIONS');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    expect(answer.headers.get('webhook-allowed-rate')).toBe('*');
    const noOrigin = await send(url('storage'), undefined, {}, 'OPTIONS');
    expect(noOrigin.status).toBe(400);
    expect(noOrigin.body.error).toMatchObject({ message: 'the WebHook-Request-Origin header is required' });
  });
});

describe('Event Grid deliveries', () => {
  it('maps Microsoft.Storage.BlobCreated (Event Grid schema) by type and subject, answering 202 with the ids', async () => {
    const answer = await send(url('storage', `?code=${KEY}`), fixture('blob-created.eventgrid.json'), eventGrid);
    expect(answer.status).toBe(202);
    expect(idsOf(answer)).toHaveLength(1);
    const event = await hub.getEvent(idsOf(answer)[0]!);
    expect(event).toMatchObject({
      eventType: 'gate',
      source: { type: 'eventgrid', id: 'storage' },
      payload: {
        id: '831e1650-001e-001b-66ab-eeb76e069631',
        type: 'Microsoft.Storage.BlobCreated',
        subject: '/blobServices/default/containers/test-container/blobs/new-file.txt',
        time: '2017-06-26T18:41:00.958Z',
        schema: 'eventgrid',
        data: { api: 'PutBlockList', blobType: 'BlockBlob', contentLength: 524288 },
      },
    });
  });

  it('maps a single CloudEvent and a CloudEvents batch, one Nexomatic event each', async () => {
    const single = await send(url('storage'), fixture('blob-created.cloudevent.json'), { 'content-type': 'application/cloudevents+json; charset=utf-8', 'aeg-sas-key': KEY });
    expect(single.status).toBe(202);
    // Another container's blob: the second route.
    expect(await hub.getEvent(idsOf(single)[0]!)).toMatchObject({ eventType: 'after-echo', payload: { schema: 'cloudevents', data: { contentType: 'image/png' } } });
    const batch = await send(url('storage'), fixture('custom-topic.cloudevents-batch.json'), { 'content-type': 'application/cloudevents-batch+json; charset=utf-8', 'aeg-sas-key': KEY });
    expect(batch.status).toBe(202);
    const events = await Promise.all(idsOf(batch).map((id) => hub.getEvent(id)));
    expect(events.map((e) => [e.eventType, e.payload.type, e.payload.subject])).toEqual([
      ['after-failure', 'Contoso.Items.ItemReceived', 'items/101'],
      ['after-failure', 'Contoso.Items.ItemShipped', 'items/102'],
    ]);
  });

  it('sends events no route matches to the Source’s first Event Type, and a redelivery returns the same events', async () => {
    const first = await send(url('storage'), fixture('custom-topic.eventgrid.json'), withKey);
    expect(first.status).toBe(202);
    const events = await Promise.all(idsOf(first).map((id) => hub.getEvent(id)));
    expect(events.map((e) => [e.eventType, e.payload.subject, (e.payload.data as { make: string }).make])).toEqual([
      ['echo', '/myapp/vehicles/motorcycles', 'Ducati'],
      ['echo', '/myapp/vehicles/cars', 'Fiat'],
    ]);
    const count = (await hub.listEvents({ limit: 1000 })).items.length;
    const again = await send(url('storage'), fixture('custom-topic.eventgrid.json'), withKey);
    expect(idsOf(again)).toEqual(idsOf(first));
    expect((await hub.listEvents({ limit: 1000 })).items).toHaveLength(count);
  });

  it('needs the shared key (header or code), answering 401 without it', async () => {
    const count = (await hub.listEvents({ limit: 1000 })).items.length;
    for (const [target, headers] of [
      [url('storage'), eventGrid],
      [url('storage', '?code=wrong'), eventGrid],
      [url('storage'), { ...eventGrid, 'aeg-sas-key': `${KEY}x` }],
    ] as const) {
      const answer = await send(target, fixture('blob-created.eventgrid.json'), headers);
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    expect((await hub.listEvents({ limit: 1000 })).items).toHaveLength(count);
    // A Source without a shared key takes the URL token alone.
    expect((await send(url('open-grid'), fixture('blob-created.eventgrid.json'), eventGrid)).status).toBe(202);
  });

  it('refuses with 404, 405, 413, 415, 400 and 403 like a webhook', async () => {
    const base = test.url.replace(/\/$/, '');
    const anyOther = await send(`${base}/nothing-here`, '{}', eventGrid);
    for (const target of [`${base}/eventgrid/${randomBytes(24).toString('base64url')}`, `${base}/eventgrid/${sources.hook!.token}`, `${url('storage')}/extra`]) {
      const answer = await send(target, fixture('blob-created.eventgrid.json'), withKey);
      expect(answer.status, target).toBe(404);
      expect(answer.text).toBe(anyOther.text);
    }
    expect((await send(url('storage'), undefined, {}, 'GET')).status).toBe(405);
    expect((await send(url('storage'), JSON.stringify([{ pad: 'x'.repeat(1024 * 1024) }]), withKey)).status).toBe(413);
    expect((await send(url('storage'), 'x', { ...withKey, 'content-type': 'text/plain' })).status).toBe(415);
    expect((await send(url('storage'), '[{', withKey)).status).toBe(400);
    const broken = JSON.parse(fixture('custom-topic.eventgrid.json')) as Array<Record<string, unknown>>;
    delete broken[1]!.eventTime;
    const malformed = await send(url('storage'), JSON.stringify(broken), withKey);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toEqual({ code: 'VALIDATION', message: "events[1]: event is missing required property 'eventTime'" });
    const forbidden = JSON.parse(fixture('custom-topic.eventgrid.json')) as Array<Record<string, unknown>>;
    forbidden[0]!.eventType = 'Forbidden.Thing';
    const refused = await send(url('storage'), JSON.stringify(forbidden), withKey);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('source type "eventgrid"') });
  });

  it('refuses definitions that mix up the two Source Types, naming the field', async () => {
    await expect(hub.apply({ sources: [{ name: 'mixed', type: 'webhook', eventTypes: ['echo'], routes: [{ type: 'x', eventType: 'echo' }] }] })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('sources[0].routes: only an eventgrid Source has a mapping table'),
    });
    await expect(hub.apply({ sources: [{ name: 'mixed', type: 'eventgrid', eventTypes: ['echo'], signature: { scheme: 'github', secrets: ['K'] } }] })).rejects.toMatchObject({
      message: expect.stringContaining('sources[0].signature'),
    });
  });
});
