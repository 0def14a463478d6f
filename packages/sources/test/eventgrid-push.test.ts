import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EventGridRoute, type NexomaticError } from '@nexomatic/core';
import { answerAbuseProtection, eventGridFireInput, parseEventGridPush, routeEvent, validationAnswer, type InboundEvent } from '@nexomatic/sources';

/** A JSON fixture: the formats Azure's documentation publishes. */
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

describe('parsing Event Grid push deliveries', () => {
  it('recognises the subscription validation event and answers with its code', async () => {
    const push = await parseEventGridPush(fixture('subscription-validation.json'), 'application/json');
    expect(push).toEqual({
      kind: 'validation',
      validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
      validationUrl: expect.stringMatching(/^https:\/\/rp-eastus2\.eventgrid\.azure\.net:553\/eventsubscriptions\/myeventsub\/validate\?/),
    });
    expect(validationAnswer('512d38b6-c7b8-40c8-89fe-f46f9e9622b6')).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
  });

  it('parses Microsoft.Storage.BlobCreated in the Event Grid schema', async () => {
    const push = await parseEventGridPush(fixture('blob-created.eventgrid.json'), 'application/json; charset=utf-8');
    expect(push.kind).toBe('events');
    if (push.kind !== 'events') return;
    expect(push.schema).toBe('eventgrid');
    expect(push.events).toEqual([
      {
        id: '831e1650-001e-001b-66ab-eeb76e069631',
        type: 'Microsoft.Storage.BlobCreated',
        source: '/subscriptions/{subscription-id}/resourceGroups/Storage/providers/Microsoft.Storage/storageAccounts/my-storage-account',
        subject: '/blobServices/default/containers/test-container/blobs/new-file.txt',
        time: '2017-06-26T18:41:00.958Z',
        data: expect.objectContaining({ api: 'PutBlockList', contentLength: 524288, url: 'https://my-storage-account.blob.core.windows.net/testcontainer/new-file.txt' }),
        dataVersion: '',
        schema: 'eventgrid',
      },
    ]);
  });

  it('parses Microsoft.Storage.BlobCreated as a single CloudEvent and a batch of custom CloudEvents', async () => {
    const single = await parseEventGridPush(fixture('blob-created.cloudevent.json'), 'application/cloudevents+json; charset=utf-8');
    expect(single).toMatchObject({
      kind: 'events',
      schema: 'cloudevents',
      events: [{ id: '9aeb0fdf-c01e-0131-0922-9eb54906e209', type: 'Microsoft.Storage.BlobCreated', subject: 'blobServices/default/containers/{storage-container}/blobs/{new-file}', data: { contentType: 'image/png' } }],
    });
    // The shape alone says CloudEvents, even under plain application/json.
    const batch = await parseEventGridPush(fixture('custom-topic.cloudevents-batch.json'), 'application/json');
    expect(batch.kind === 'events' && batch.events.map((e) => [e.type, e.subject, e.source, e.time])).toEqual([
      ['Contoso.Items.ItemReceived', 'items/101', '/contoso/items', '2018-04-05T17:31:00.000Z'],
      ['Contoso.Items.ItemShipped', 'items/102', '/contoso/items', '2018-04-05T17:35:00.000Z'],
    ]);
  });

  it('names the event and the problem of a malformed delivery', async () => {
    const events = fixture('custom-topic.eventgrid.json') as Array<Record<string, unknown>>;
    delete events[1]!.topic;
    await expect(parseEventGridPush(events, 'application/json')).rejects.toMatchObject({
      code: 'VALIDATION',
      message: "events[1]: event is missing required property 'topic'",
    } satisfies Partial<NexomaticError>);
    await expect(parseEventGridPush({ specversion: '0.3', id: 'x', type: 't', source: 's' }, 'application/cloudevents+json')).rejects.toMatchObject({
      message: 'event: event is not in the Cloud Event 1.0 schema',
    });
    await expect(parseEventGridPush([], 'application/json')).rejects.toMatchObject({ message: 'the body holds no events' });
    await expect(parseEventGridPush([42], 'application/json')).rejects.toMatchObject({ message: 'events[0]: an event must be a JSON object' });
  });
});

describe('the mapping table', () => {
  const routes = [
    { type: 'Microsoft.Storage.BlobCreated', subjectPrefix: '/blobServices/default/containers/invoices/', eventType: 'invoices.uploaded' },
    { type: 'Microsoft.Storage.*', eventType: 'storage.changed' },
    { type: 'recordInserted', eventType: 'records.inserted' },
  ].map((r) => EventGridRoute.parse(r));
  const at = (type: string, subject: string | null = null) => ({ type, subject });

  it('takes the first route matching type (exact or trailing *) and subject prefix, ignoring case', () => {
    expect(routeEvent(routes, at('Microsoft.Storage.BlobCreated', '/blobServices/default/containers/invoices/a.pdf'))).toBe('invoices.uploaded');
    expect(routeEvent(routes, at('microsoft.storage.blobcreated', '/BLOBSERVICES/default/containers/Invoices/a.pdf'))).toBe('invoices.uploaded');
    expect(routeEvent(routes, at('Microsoft.Storage.BlobCreated', '/blobServices/default/containers/test-container/blobs/new-file.txt'))).toBe('storage.changed');
    expect(routeEvent(routes, at('Microsoft.Storage.BlobDeleted'))).toBe('storage.changed');
    expect(routeEvent(routes, at('recordInserted', '/myapp/vehicles/motorcycles'))).toBe('records.inserted');
    expect(routeEvent(routes, at('recordInsertedTwice'))).toBeNull();
    expect(routeEvent(routes, at('Contoso.Items.ItemReceived'), 'contoso.default')).toBe('contoso.default');
  });

  it('turns an event into a fire input with its payload and an idempotency key from source and id', async () => {
    const push = await parseEventGridPush(fixture('custom-topic.eventgrid.json'));
    const [first, second] = (push as { events: InboundEvent[] }).events;
    const input = eventGridFireInput(first!, 'records.inserted', 'vehicles');
    expect(input).toEqual({
      eventType: 'records.inserted',
      payload: {
        id: 'b68529f3-68cd-4744-baa4-3c0498ec19f0',
        type: 'recordInserted',
        source: '/subscriptions/{subscription-id}/resourceGroups/{resource-group}/providers/Microsoft.EventGrid/topics/{topic}',
        subject: '/myapp/vehicles/motorcycles',
        time: '2017-06-26T18:41:00.958Z',
        data: { make: 'Ducati', model: 'Monster' },
        dataVersion: '1.0',
        schema: 'eventgrid',
      },
      idempotencyKey: `eventgrid:vehicles:${first!.source}#b68529f3-68cd-4744-baa4-3c0498ec19f0`,
    });
    expect(eventGridFireInput(second!, 'records.inserted', 'vehicles').idempotencyKey).not.toBe(input.idempotencyKey);
  });
});

describe('the CloudEvents abuse-protection handshake', () => {
  it('echoes the origin as allowed, with a rate when one was asked for', () => {
    expect(answerAbuseProtection({ 'webhook-request-origin': 'eventgrid.azure.net' })).toEqual({
      status: 200,
      headers: { allow: 'POST, OPTIONS', 'webhook-allowed-origin': 'eventgrid.azure.net' },
    });
    expect(answerAbuseProtection({ 'webhook-request-origin': 'eventgrid.azure.net', 'webhook-request-rate': '120' }, { allowedRate: 60 }).headers).toMatchObject({
      'webhook-allowed-origin': 'eventgrid.azure.net',
      'webhook-allowed-rate': '60',
    });
  });

  it('refuses a request without an origin, and an origin not allowed', () => {
    expect(answerAbuseProtection({})).toMatchObject({ status: 400, message: 'the WebHook-Request-Origin header is required' });
    expect(answerAbuseProtection({ 'webhook-request-origin': 'evil.example' }, { allowedOrigins: ['eventgrid.azure.net'] })).toMatchObject({ status: 403 });
    expect(answerAbuseProtection({ 'webhook-request-origin': 'EventGrid.Azure.Net' }, { allowedOrigins: ['eventgrid.azure.net'] }).status).toBe(200);
  });
});
