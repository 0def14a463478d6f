import { describe, expect, it } from 'vitest';
import type { EventRecord } from '@nexomatic/core';
import type { HubStore, QueueGroup } from '../port.js';
import { NOW, ids, scenario, type Harness, type Scenario } from './fixtures.js';

const byGroup = (a: QueueGroup, b: QueueGroup) =>
  a.tenantId.localeCompare(b.tenantId) || a.eventType.localeCompare(b.eventType);

/** Every event of the scenario's two tenants, by listing. */
async function everything(store: HubStore, s: Scenario): Promise<EventRecord[]> {
  const pages = await Promise.all([s.tenantId, s.otherTenantId].map((t) => store.events.list(t, { limit: 1000 })));
  return pages.flatMap((page) => page.items);
}

/** The queue groups of a Sink Type as computed by listing, sorted. */
function groupsOf(events: readonly EventRecord[], sinkType: string, tenantId: string | null): QueueGroup[] {
  const groups = new Map<string, QueueGroup>();
  for (const event of events) {
    if (event.sinkType !== sinkType || (tenantId !== null && event.tenantId !== tenantId)) continue;
    const key = `${event.tenantId}\u0000${event.eventType}`;
    const group = groups.get(key) ?? {
      tenantId: event.tenantId,
      eventType: event.eventType,
      queued: 0,
      running: 0,
      topPriority: Number.NEGATIVE_INFINITY,
    };
    if (event.state === 'QUEUED') {
      group.queued += 1;
      group.topPriority = Math.max(group.topPriority, event.priority);
    }
    if (event.state === 'RUNNING') group.running += 1;
    groups.set(key, group);
  }
  return [...groups.values()].filter((group) => group.queued > 0).sort(byGroup);
}

/** Checks `queueGroups` and `depth` against counts computed by listing. */
async function expectCountersMatchList(store: HubStore, s: Scenario, sinkTypes: readonly string[]): Promise<void> {
  const events = await everything(store, s);
  for (const sinkType of sinkTypes) {
    for (const tenantId of [null, s.tenantId, s.otherTenantId]) {
      const groups = (await store.events.queueGroups(sinkType, tenantId)).sort(byGroup);
      expect(groups, `${sinkType} ${tenantId}`).toEqual(groupsOf(events, sinkType, tenantId));
    }
  }
  for (const tenantId of [s.tenantId, s.otherTenantId]) {
    const mine = events.filter((event) => event.tenantId === tenantId);
    for (const eventType of [undefined, ...new Set(mine.map((event) => event.eventType)), 'no.such']) {
      const counted = mine.filter((event) => eventType === undefined || event.eventType === eventType);
      expect(await store.events.depth(tenantId, eventType), `${tenantId} ${eventType}`).toEqual({
        queued: counted.filter((event) => event.state === 'QUEUED').length,
        running: counted.filter((event) => event.state === 'RUNNING').length,
      });
    }
  }
}

/** Claims by Event Type, queue-group counters and cancel. */
export function describeQueue(harness: Harness): void {
  describe('events: queue groups and cancel', () => {
    it('claims only the Event Type asked for, with or without a tenant', async () => {
      const store = await harness.store();
      const s = scenario();
      const placed = s.event();
      const shipped = s.event({ eventType: 'orders.shipped', priority: 3 });
      const theirs = s.event({ eventType: 'orders.shipped', tenantId: s.otherTenantId, priority: 5 });
      const shippedLater = s.event({ eventType: 'orders.shipped', priority: 3 });
      await store.events.insert([placed, shipped, theirs, shippedLater]);
      const mine = s.claim({ tenantId: s.tenantId, eventType: 'orders.shipped', limit: 1 });
      expect(ids(await store.events.claim(mine))).toEqual([shipped.id]);
      const anyTenant = await store.events.claim(s.claim({ eventType: 'orders.shipped' }));
      expect(ids(anyTenant)).toEqual([theirs.id, shippedLater.id]);
      expect(await store.events.claim(s.claim({ eventType: 'orders.shipped' }))).toEqual([]);
      expect(ids(await store.events.claim(s.claim({ tenantId: s.tenantId })))).toEqual([placed.id]);
    });

    it('keeps queue groups and depth in step with inserts, claims, completions, releases and cancels', async () => {
      const store = await harness.store();
      const s = scenario();
      const secondType = `${s.sinkType}-2`;
      const check = () => expectCountersMatchList(store, s, [s.sinkType, secondType]);
      await check();
      const events = [
        s.event({ priority: 1 }),
        s.event({ priority: 7 }),
        s.event({ priority: 7 }),
        s.event({ eventType: 'orders.shipped', priority: -2 }),
        s.event({ tenantId: s.otherTenantId, priority: 4 }),
        s.event({ sinkType: secondType }),
        s.event({ failed: { code: 'CHAIN_TOO_DEEP', message: 'too deep' } }),
        s.event({ notBefore: new Date(NOW.getTime() + 3_600_000), priority: 3 }),
        s.event({ eventType: 'orders.failed', failed: { code: 'X', message: 'x' } }),
      ];
      await store.events.insert(events);
      await check();
      expect(await store.events.queueGroups(s.sinkType, s.tenantId)).toContainEqual({
        tenantId: s.tenantId,
        eventType: 'orders.placed',
        queued: 4,
        running: 0,
        topPriority: 7,
      });
      const claimed = await store.events.claim(s.claim({ limit: 3 }));
      expect(ids(claimed)).toEqual([events[1]!.id, events[2]!.id, events[4]!.id]);
      await check();
      // Both events of priority 7 left the queue: the delayed one of priority 3 is the top now.
      expect(await store.events.queueGroups(s.sinkType, s.tenantId)).toContainEqual(
        expect.objectContaining({ eventType: 'orders.placed', queued: 2, running: 2, topPriority: 3 }),
      );
      const followOn = s.event({ eventType: 'orders.shipped', priority: 8, parentEventId: events[1]!.id });
      await store.events.complete([s.completion(events[1]!.id, 1, { followOns: [followOn] })]);
      const error = { code: 'E', message: 'e' };
      await store.events.complete([s.completion(events[4]!.id, 1, { outcome: 'ERROR', result: null, error })]);
      await check();
      await store.events.release([{ eventId: events[2]!.id, attempt: 1, notBefore: null }]);
      await check();
      expect(await store.events.cancel(s.tenantId, events[0]!.id, NOW)).toMatchObject({ cancelled: true, event: { state: 'ERROR' } });
      expect(await store.events.cancel(s.tenantId, events[5]!.id, NOW)).toMatchObject({ cancelled: true, event: { state: 'ERROR' } });
      await check();
      // Drain everything; only finished events remain and no group is left.
      const rest = await store.events.claim(s.claim({ now: new Date(NOW.getTime() + 7_200_000) }));
      await store.events.complete(rest.map((event) => s.completion(event.id, event.attempt)));
      await check();
      expect(await store.events.queueGroups(s.sinkType, null)).toEqual([]);
      expect(await store.events.depth(s.tenantId)).toEqual({ queued: 0, running: 0 });
    });

    it('cancels only a QUEUED event, and only the tenant’s own', async () => {
      const store = await harness.store();
      const s = scenario();
      const [queued, running, finished] = [s.event(), s.event(), s.event()];
      await store.events.insert([running, finished, queued]);
      await store.events.claim(s.claim({ limit: 2 }));
      await store.events.complete([s.completion(finished.id, 1)]);
      const at = new Date(NOW.getTime() + 9000);
      expect(await store.events.cancel(s.otherTenantId, queued.id, at)).toBeNull();
      expect(await store.events.get(queued.id, s.tenantId)).toMatchObject({ state: 'QUEUED' });
      expect(await store.events.cancel(s.tenantId, 'no-such-event', at)).toBeNull();
      const outcome = await store.events.cancel(s.tenantId, queued.id, at);
      expect(outcome?.cancelled).toBe(true);
      const cancelled = outcome!.event;
      expect(cancelled).toMatchObject({
        id: queued.id,
        state: 'ERROR',
        error: { code: 'CANCELLED', message: 'cancelled while QUEUED' },
        attempt: 0,
        finishedAt: at.toISOString(),
        updatedAt: at.toISOString(),
      });
      expect(await store.events.get(queued.id, s.tenantId)).toEqual(cancelled);
      expect(await store.events.claim(s.claim())).toEqual([]);
      for (const event of [running, finished, queued]) {
        const before = await store.events.get(event.id, s.tenantId);
        expect(await store.events.cancel(s.tenantId, event.id, new Date(at.getTime() + 1000))).toEqual({ event: before, cancelled: false });
        expect(await store.events.get(event.id, s.tenantId)).toEqual(before);
      }
      expect(await store.events.complete([s.completion(running.id, 1)])).toEqual([true]);
    });
  });
}
