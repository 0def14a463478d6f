import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type {
  AcknowledgeResult,
  CloudEvent,
  ReceiveEventsOptions,
  ReceiveResult,
  RejectResult,
  ReleaseEventsOptions,
  ReleaseResult,
} from '@azure/eventgrid-namespaces';
import { EventGridDeserializer } from '@azure/eventgrid';
import { NexomaticError, type EventRecord, type FireInput, type SourceContext } from '@nexomatic/core';
import { EventGridPullSource, type NamespaceReceiver } from '@nexomatic/sources';

/**
 * An in-memory namespace topic subscription with the receiver client's shape and semantics:
 * receive locks up to `maxEvents` events (waiting for one to arrive, until aborted); acknowledge
 * removes locked events; release puts them back with a higher delivery count; reject dead-letters
 * them. An unknown lock token fails, as the service answers it.
 */
class Subscription implements NamespaceReceiver {
  private available: Array<{ event: CloudEvent<unknown>; deliveryCount: number }> = [];
  private readonly locked = new Map<string, { event: CloudEvent<unknown>; deliveryCount: number }>();
  private waiters: Array<() => void> = [];
  readonly acknowledged: CloudEvent<unknown>[] = [];
  readonly deadLettered: CloudEvent<unknown>[] = [];
  readonly releases: Array<{ ids: string[]; delay: string | undefined }> = [];

  publish(...events: CloudEvent<unknown>[]): void {
    this.available.push(...events.map((event) => ({ event, deliveryCount: 0 })));
    for (const wake of this.waiters.splice(0)) wake();
  }

  get pending(): number {
    return this.available.length + this.locked.size;
  }

  async receiveEvents<T>(options: ReceiveEventsOptions = {}): Promise<ReceiveResult<T>> {
    while (this.available.length === 0) {
      const signal = options.abortSignal;
      if (signal?.aborted) throw new Error('The operation was aborted.');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    const taken = this.available.splice(0, options.maxEvents ?? 1);
    return {
      details: taken.map((entry) => {
        const lockToken = randomUUID();
        const delivered = { ...entry, deliveryCount: entry.deliveryCount + 1 };
        this.locked.set(lockToken, delivered);
        return { brokerProperties: { lockToken, deliveryCount: delivered.deliveryCount }, event: entry.event as CloudEvent<T> };
      }),
    };
  }

  private settle(tokens: string[], then: (entry: { event: CloudEvent<unknown>; deliveryCount: number }) => void) {
    const result: AcknowledgeResult = { succeededLockTokens: [], failedLockTokens: [] };
    for (const token of tokens) {
      const entry = this.locked.get(token);
      if (!entry) {
        result.failedLockTokens.push({ lockToken: token, error: { code: 'TokenLost', message: 'lock token not found' } } as never);
        continue;
      }
      this.locked.delete(token);
      then(entry);
      result.succeededLockTokens.push(token);
    }
    return result;
  }

  async acknowledgeEvents(lockTokens: string[]): Promise<AcknowledgeResult> {
    return this.settle(lockTokens, (e) => this.acknowledged.push(e.event));
  }

  async releaseEvents(lockTokens: string[], options: ReleaseEventsOptions = {}): Promise<ReleaseResult> {
    const ids: string[] = [];
    const result = this.settle(lockTokens, (e) => {
      ids.push(e.event.id);
      this.available.push(e);
    });
    this.releases.push({ ids, delay: options.releaseDelay });
    return result;
  }

  async rejectEvents(lockTokens: string[]): Promise<RejectResult> {
    return this.settle(lockTokens, (e) => this.deadLettered.push(e.event));
  }
}

/** A SourceContext that stores events in memory, dedupes by idempotency key, and can be made to refuse. */
class MemoryContext implements SourceContext {
  readonly events = new Map<string, FireInput>();
  /** Refuses inputs of these Event Types with FORBIDDEN (like an Event Type that does not allow `eventgrid`). */
  forbidden = new Set<string>();
  /** Refuses every fire with QUEUE_FULL while set. */
  full = false;
  fires = 0;

  async fire(input: FireInput): Promise<EventRecord> {
    return (await this.fireBatch([input]))[0]!;
  }

  async fireBatch(inputs: readonly FireInput[]): Promise<EventRecord[]> {
    this.fires += 1;
    if (this.full) throw new NexomaticError('QUEUE_FULL', 'the tenant has 10 queued events; its maximum is 10');
    const bad = inputs.find((i) => this.forbidden.has(i.eventType));
    if (bad) throw new NexomaticError('FORBIDDEN', `Event Type "${bad.eventType}" may not be fired by source type "eventgrid"`);
    for (const input of inputs) if (!this.events.has(input.idempotencyKey!)) this.events.set(input.idempotencyKey!, input);
    return inputs.map((i) => ({ id: i.idempotencyKey }) as EventRecord);
  }
}

/** The documented CloudEvents, as the namespaces client hands them over (parsed, time as a Date). */
async function documentedEvents(): Promise<CloudEvent<unknown>[]> {
  const read = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as unknown;
  const deserializer = new EventGridDeserializer();
  const events = [
    ...(await deserializer.deserializeCloudEvents(read('custom-topic.cloudevents-batch.json') as Record<string, unknown>[] as never)),
    ...(await deserializer.deserializeCloudEvents(read('blob-created.cloudevent.json') as Record<string, unknown>)),
  ];
  return events.map((e) => ({ id: e.id, type: e.type, source: e.source, subject: e.subject, time: e.time, data: e.data, specVersion: '1.0' }));
}

const routes = [
  { type: 'Contoso.Items.*', eventType: 'items.changed' },
  { type: 'Microsoft.Storage.BlobCreated', subjectPrefix: 'blobServices/default/containers/', eventType: 'blobs.created' },
];

describe('the Event Grid namespace pull source', () => {
  it('maps received events through the table, fires them in one batch, and acknowledges them', async () => {
    const subscription = new Subscription();
    subscription.publish(...(await documentedEvents()));
    const context = new MemoryContext();
    const source = new EventGridPullSource({ name: 'contoso-pull', receiver: subscription, routes, maxEvents: 10 });
    const outcome = await source.pollOnce(context);
    expect(outcome).toEqual({ received: 3, acknowledged: 3, released: 0, rejected: 0 });
    expect(context.fires).toBe(1);
    expect([...context.events.values()].map((i) => [i.eventType, i.payload?.type, i.payload?.subject])).toEqual([
      ['items.changed', 'Contoso.Items.ItemReceived', 'items/101'],
      ['items.changed', 'Contoso.Items.ItemShipped', 'items/102'],
      ['blobs.created', 'Microsoft.Storage.BlobCreated', 'blobServices/default/containers/{storage-container}/blobs/{new-file}'],
    ]);
    expect([...context.events.values()][0]!.payload).toMatchObject({ time: '2018-04-05T17:31:00.000Z', data: { itemSku: 'Standard' }, schema: 'cloudevents' });
    expect(subscription.acknowledged).toHaveLength(3);
    expect(subscription.pending).toBe(0);
  });

  it('rejects events no route matches, or the Event Type refuses, and still acknowledges the rest', async () => {
    const subscription = new Subscription();
    const [received, shipped, blob] = await documentedEvents();
    subscription.publish(received!, { ...shipped!, type: 'Fabrikam.Unknown' }, blob!);
    const context = new MemoryContext();
    context.forbidden.add('blobs.created');
    const source = new EventGridPullSource({ name: 'contoso-pull', receiver: subscription, routes });
    const outcome = await source.pollOnce(context);
    expect(outcome).toEqual({ received: 3, acknowledged: 1, released: 0, rejected: 2 });
    expect(subscription.acknowledged.map((e) => e.id)).toEqual([received!.id]);
    expect(subscription.deadLettered.map((e) => e.type).sort()).toEqual(['Fabrikam.Unknown', 'Microsoft.Storage.BlobCreated']);
    // With a default Event Type, an event no route matches fires as that.
    subscription.publish({ ...shipped!, id: 'other', type: 'Fabrikam.Unknown' });
    const withDefault = new EventGridPullSource({ name: 'contoso-pull', receiver: subscription, routes, defaultEventType: 'fabrikam.any' });
    expect(await withDefault.pollOnce(context)).toMatchObject({ acknowledged: 1, rejected: 0 });
    expect(context.events.get('eventgrid:contoso-pull:/contoso/items#other')?.eventType).toBe('fabrikam.any');
  });

  it('releases events it could not store for a passing reason, and fires a redelivery only once', async () => {
    const subscription = new Subscription();
    const events = await documentedEvents();
    subscription.publish(...events);
    const context = new MemoryContext();
    context.full = true;
    const source = new EventGridPullSource({ name: 'contoso-pull', receiver: subscription, routes, releaseDelaySeconds: '60' });
    expect(await source.pollOnce(context)).toEqual({ received: 3, acknowledged: 0, released: 3, rejected: 0 });
    expect(subscription.releases).toEqual([{ ids: events.map((e) => e.id), delay: '60' }]);
    expect(context.events.size).toBe(0);
    context.full = false;
    expect(await source.pollOnce(context)).toMatchObject({ received: 3, acknowledged: 3 });
    // A redelivery of an event already stored (acknowledged too late, say) is the same event.
    subscription.publish(events[0]!);
    expect(await source.pollOnce(context)).toMatchObject({ received: 1, acknowledged: 1 });
    expect(context.events.size).toBe(3);
    expect(subscription.pending).toBe(0);
  });

  it('pulls until stopped', async () => {
    const subscription = new Subscription();
    const context = new MemoryContext();
    const source = new EventGridPullSource({ name: 'contoso-pull', receiver: subscription, routes });
    const stop = source.start(context);
    const events = await documentedEvents();
    const acknowledged = new Promise<void>((resolve) => {
      const original = subscription.acknowledgeEvents.bind(subscription);
      subscription.acknowledgeEvents = async (tokens) => {
        const result = await original(tokens);
        if (subscription.acknowledged.length === events.length) resolve();
        return result;
      };
    });
    subscription.publish(...events);
    await acknowledged;
    await stop();
    expect(context.events.size).toBe(3);
  });

  it('validates its options and names the field', () => {
    expect(() => new EventGridPullSource({ name: 'x', receiver: new Subscription(), maxEvents: 500 })).toThrow(/maxEvents/);
    expect(() => new EventGridPullSource({ name: 'x', receiver: new Subscription(), routes: [{ type: '', eventType: 'a' }] })).toThrow(/routes\[0\]\.type/);
  });
});
