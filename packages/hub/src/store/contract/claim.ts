import { describe, expect, it } from 'vitest';
import type { EventRecord } from '@nexomatic/core';
import type { HubStore } from '../port.js';
import { LEASE, NOW, ids, scenario, type Harness } from './fixtures.js';

/** Claims from `stores` concurrently, a few events at a time, until a whole round claims nothing. */
async function drain(stores: readonly HubStore[], s: ReturnType<typeof scenario>): Promise<EventRecord[]> {
  const claimed: EventRecord[] = [];
  for (let round = 0; round < 1000; round++) {
    const claims = stores.flatMap((store, index) =>
      Array.from({ length: 6 }, (_, k) =>
        store.events.claim(s.claim({ sinkId: `sink-${index}-${k}`, limit: 1 + ((round + k) % 7) })),
      ),
    );
    const batch = (await Promise.all(claims)).flat();
    if (batch.length === 0) return claimed;
    claimed.push(...batch);
  }
  throw new Error('the queue never drained');
}

/** Claim order and filters, the claim race, completion, release and leases. */
export function describeClaims(harness: Harness): void {
  describe('events: claim', () => {
    it('claims by priority, then age, up to the limit, and marks each RUNNING', async () => {
      const store = await harness.store();
      const s = scenario();
      const low = s.event({ priority: -1 });
      const old = s.event();
      const urgentOld = s.event({ priority: 5 });
      const young = s.event();
      const urgentYoung = s.event({ priority: 5 });
      await store.events.insert([low, old, urgentOld, young, urgentYoung]);
      const first = await store.events.claim(s.claim({ limit: 3 }));
      expect(ids(first)).toEqual([urgentOld.id, urgentYoung.id, old.id]);
      for (const event of first) {
        expect(event).toMatchObject({
          state: 'RUNNING',
          attempt: 1,
          sinkId: s.sinkId,
          leaseExpiresAt: LEASE.toISOString(),
          startedAt: NOW.toISOString(),
          updatedAt: NOW.toISOString(),
        });
      }
      expect(await store.events.get(old.id, s.tenantId)).toEqual(first[2]);
      expect(ids(await store.events.claim(s.claim({ limit: 10 })))).toEqual([young.id, low.id]);
      expect(await store.events.claim(s.claim())).toEqual([]);
      expect(await store.events.claim(s.claim({ limit: 0 }))).toEqual([]);
    });

    it('claims only the Sink Type, tenant, modules and pinned sink asked for', async () => {
      const store = await harness.store();
      const s = scenario();
      const otherType = s.event({ sinkType: `${s.sinkType}-2` });
      const otherTenant = s.event({ tenantId: s.otherTenantId });
      const otherModule = s.event({ module: 'billing.charge' });
      const pinnedElsewhere = s.event({ pinnedSinkId: 'another-sink' });
      const pinnedHere = s.event({ pinnedSinkId: s.sinkId });
      const plain = s.event();
      await store.events.insert([otherType, otherTenant, otherModule, pinnedElsewhere, pinnedHere, plain]);
      const mine = await store.events.claim(
        s.claim({ tenantId: s.tenantId, modules: ['orders.process', 'orders.refund'] }),
      );
      expect(ids(mine)).toEqual([pinnedHere.id, plain.id]);
      expect(ids(await store.events.claim(s.claim({ modules: ['billing.charge'] })))).toEqual([otherModule.id]);
      expect(ids(await store.events.claim(s.claim()))).toEqual([otherTenant.id]);
      expect(ids(await store.events.claim(s.claim({ sinkId: 'another-sink' })))).toEqual([pinnedElsewhere.id]);
      expect(ids(await store.events.claim(s.claim({ sinkType: otherType.sinkType })))).toEqual([otherType.id]);
    });

    it('never claims an event whose notBefore is in the future', async () => {
      const store = await harness.store();
      const s = scenario();
      const event = s.event();
      await store.events.insert([event]);
      await store.events.claim(s.claim());
      const notBefore = new Date(NOW.getTime() + 30_000);
      expect(await store.events.release([{ eventId: event.id, attempt: 1, notBefore }])).toEqual([true]);
      expect(await store.events.claim(s.claim({ now: new Date(notBefore.getTime() - 1) }))).toEqual([]);
      const [again] = await store.events.claim(s.claim({ now: notBefore }));
      expect(again).toMatchObject({ id: event.id, attempt: 2, notBefore: notBefore.toISOString() });
    });

    it('never gives one event to two racing claimers', async () => {
      const store = await harness.store();
      const stores = harness.factory.createPeer ? [store, await harness.peer(store)] : [store];
      const s = scenario();
      const events = Array.from({ length: 300 }, (_, i) => s.event({ priority: i % 3 }));
      await store.events.insert(events);
      const claimed = await drain(stores, s);
      expect(claimed).toHaveLength(events.length);
      expect(new Set(ids(claimed)).size).toBe(events.length);
      expect(claimed.every((event) => event.attempt === 1 && event.state === 'RUNNING')).toBe(true);
      expect((await store.events.countByState(s.tenantId)).RUNNING).toBe(events.length);
    });
  });

  describe('events: complete and release', () => {
    it('completes once per attempt and creates follow-ons only when it applied', async () => {
      const store = await harness.store();
      const s = scenario();
      const event = s.event();
      await store.events.insert([event]);
      await store.events.claim(s.claim());
      const followOn = s.event({ parentEventId: event.id, rootEventId: event.id, chainDepth: 1 });
      const finishedAt = new Date(NOW.getTime() + 5000);
      const completion = s.completion(event.id, 1, {
        outcome: 'WARNING',
        result: { rows: [1, 2] },
        warnings: ['slow'],
        finishedAt,
        followOns: [followOn],
      });
      expect(await store.events.complete([{ ...completion, attempt: 2 }])).toEqual([false]);
      expect(await store.events.get(event.id, s.tenantId)).toMatchObject({ state: 'RUNNING', attempt: 1 });
      expect(await store.events.complete([completion])).toEqual([true]);
      expect(await store.events.get(event.id, s.tenantId)).toMatchObject({
        state: 'WARNING',
        result: { rows: [1, 2] },
        error: null,
        warnings: ['slow'],
        finishedAt: finishedAt.toISOString(),
        updatedAt: finishedAt.toISOString(),
        sinkId: s.sinkId,
        leaseExpiresAt: null,
        attempt: 1,
      });
      expect(await store.events.get(followOn.id, s.tenantId)).toMatchObject({ state: 'QUEUED', parentEventId: event.id });

      const duplicate = s.event({ parentEventId: event.id, rootEventId: event.id, chainDepth: 1 });
      const again = { ...completion, outcome: 'ERROR' as const, followOns: [duplicate] };
      const wrongAttempt = { ...completion, attempt: 2, followOns: [duplicate] };
      const unknown = s.completion('no-such-event', 1, { followOns: [duplicate] });
      expect(await store.events.complete([again, wrongAttempt, unknown])).toEqual([false, false, false]);
      expect(await store.events.get(duplicate.id, null)).toBeNull();
      expect(await store.events.get(event.id, s.tenantId)).toMatchObject({ state: 'WARNING' });
      expect(ids((await store.events.list(s.tenantId, { parentEventId: event.id })).items)).toEqual([followOn.id]);
    });

    it('commits a completion with its follow-ons: when one cannot be stored, neither is', async () => {
      const store = await harness.store();
      const s = scenario();
      const [event, existing] = [s.event(), s.event()];
      await store.events.insert([event, existing]);
      await store.events.claim(s.claim({ limit: 1 }));
      const fresh = s.event({ parentEventId: event.id, rootEventId: event.id, chainDepth: 1 });
      const clash = { ...s.event(), id: existing.id };
      const other = s.event();
      const [failed, unrelated] = await Promise.allSettled([
        store.events.complete([s.completion(event.id, 1, { followOns: [fresh, clash] })]),
        store.events.insert([other]),
      ]);
      expect(failed.status).toBe('rejected');
      expect(unrelated.status).toBe('fulfilled');
      expect(await store.events.get(event.id, s.tenantId)).toMatchObject({ state: 'RUNNING', finishedAt: null });
      expect(await store.events.get(fresh.id, null)).toBeNull();
      expect(await store.events.get(other.id, s.tenantId)).not.toBeNull();
      expect(await store.events.complete([s.completion(event.id, 1, { followOns: [fresh] })])).toEqual([true]);
      expect(await store.events.get(fresh.id, s.tenantId)).toMatchObject({ state: 'QUEUED' });
    });

    it('answers each completion of a batch in order, storing errors', async () => {
      const store = await harness.store();
      const s = scenario();
      const [a, b] = [s.event(), s.event()];
      await store.events.insert([a, b]);
      await store.events.claim(s.claim());
      const error = { code: 'MODULE_ERROR', message: 'boom', details: { line: 3 } };
      const results = await store.events.complete([
        s.completion(a.id, 1, { outcome: 'ERROR', result: null, error }),
        s.completion(a.id, 1),
        s.completion(b.id, 1),
      ]);
      expect(results).toEqual([true, false, true]);
      expect(await store.events.get(a.id, s.tenantId)).toMatchObject({ state: 'ERROR', error, result: null });
      expect(await store.events.get(b.id, s.tenantId)).toMatchObject({ state: 'SUCCESS', result: { ok: true } });
    });

    it('unclaims: the attempt that never reached a sink is given back, and the next claim is it again', async () => {
      const store = await harness.store();
      const s = scenario();
      const event = s.event();
      await store.events.insert([event]);
      await store.events.claim(s.claim());
      expect(await store.events.release([{ eventId: event.id, attempt: 1, notBefore: null, unclaim: true }])).toEqual([true]);
      expect(await store.events.get(event.id, s.tenantId)).toMatchObject({ state: 'QUEUED', attempt: 0, sinkId: null, startedAt: null });
      expect(await store.events.depth(s.tenantId)).toEqual({ queued: 1, running: 0 });
      const [again] = await store.events.claim(s.claim({ sinkId: 'second-sink' }));
      expect(again).toMatchObject({ id: event.id, attempt: 1, state: 'RUNNING', sinkId: 'second-sink' });
      // A later attempt goes back to the one before, keeping its start.
      await store.events.release([{ eventId: event.id, attempt: 1, notBefore: null }]);
      const [third] = await store.events.claim(s.claim());
      expect(third).toMatchObject({ attempt: 2 });
      expect(await store.events.release([{ eventId: event.id, attempt: 2, notBefore: null, unclaim: true }])).toEqual([true]);
      const back = await store.events.get(event.id, s.tenantId);
      expect(back).toMatchObject({ state: 'QUEUED', attempt: 1 });
      expect(back?.startedAt).not.toBeNull();
    });

    it('releases conditionally; the next claim is attempt 2', async () => {
      const store = await harness.store();
      const s = scenario();
      const event = s.event();
      await store.events.insert([event]);
      await store.events.claim(s.claim());
      expect(await store.events.release([{ eventId: event.id, attempt: 2, notBefore: null }])).toEqual([false]);
      expect(await store.events.release([{ eventId: event.id, attempt: 1, notBefore: null }])).toEqual([true]);
      expect(await store.events.get(event.id, s.tenantId)).toMatchObject({
        state: 'QUEUED',
        attempt: 1,
        sinkId: null,
        leaseExpiresAt: null,
      });
      expect(await store.events.release([{ eventId: event.id, attempt: 1, notBefore: null }])).toEqual([false]);
      expect(await store.events.complete([s.completion(event.id, 1)])).toEqual([false]);
      const [again] = await store.events.claim(s.claim({ sinkId: 'second-sink' }));
      expect(again).toMatchObject({ id: event.id, attempt: 2, state: 'RUNNING', sinkId: 'second-sink' });
      expect(await store.events.complete([s.completion(event.id, 1)])).toEqual([false]);
      expect(await store.events.complete([s.completion(event.id, 2)])).toEqual([true]);
    });
  });

  describe('events: leases', () => {
    it('lists held events and extends the leases of one sink only', async () => {
      const store = await harness.store();
      const s = scenario();
      const events = [s.event(), s.event(), s.event(), s.event()];
      await store.events.insert(events);
      const mine = await store.events.claim(s.claim({ limit: 3 }));
      const [theirs] = await store.events.claim(s.claim({ sinkId: 'other-sink' }));
      await store.events.complete([s.completion(mine[2]!.id, 1)]);
      expect(ids(await store.events.held(s.sinkId))).toEqual(ids(mine.slice(0, 2)));
      const later = new Date(LEASE.getTime() + 60_000);
      expect(await store.events.extendLeases(s.sinkId, later)).toBe(2);
      for (const event of mine.slice(0, 2)) {
        expect((await store.events.get(event.id, s.tenantId))?.leaseExpiresAt).toBe(later.toISOString());
      }
      expect((await store.events.get(mine[2]!.id, s.tenantId))?.leaseExpiresAt).toBeNull();
      expect((await store.events.get(theirs!.id, s.tenantId))?.leaseExpiresAt).toBe(LEASE.toISOString());
      expect(await store.events.extendLeases('no-such-sink', later)).toBe(0);
    });

    it('finds expired leases, oldest first, up to the limit', async () => {
      const store = await harness.store();
      const s = scenario();
      // Leases in 1990, older than any other test's, so a shared store cannot crowd them out.
      const lease = (minute: number) => new Date(Date.UTC(1990, 0, 1, 0, minute));
      const [a, b, c, d] = [s.event(), s.event(), s.event(), s.event()];
      await store.events.insert([a, b, c, d]);
      await store.events.claim(s.claim({ limit: 1, sinkId: 'sink-a', leaseExpiresAt: lease(3) }));
      await store.events.claim(s.claim({ limit: 1, sinkId: 'sink-b', leaseExpiresAt: lease(1) }));
      await store.events.claim(s.claim({ limit: 1, sinkId: 'sink-c', leaseExpiresAt: lease(2) }));
      await store.events.claim(s.claim({ limit: 1, sinkId: 'sink-d', leaseExpiresAt: lease(50) }));
      const mineOnly = (events: EventRecord[]) => ids(events).filter((id) => [a, b, c, d].some((e) => e.id === id));
      expect(mineOnly(await store.events.expiredLeases(lease(10), 1000))).toEqual([b.id, c.id, a.id]);
      expect(ids(await store.events.expiredLeases(lease(10), 2))).toEqual([b.id, c.id]);
      expect(mineOnly(await store.events.expiredLeases(lease(1), 1000))).toEqual([]);
    });

    it('counts queued events per Sink Type that waited since before a time', async () => {
      const store = await harness.store();
      const s = scenario();
      const secondType = `${s.sinkType}-2`;
      const events = [s.event(), s.event(), s.event({ sinkType: secondType }), s.event(), s.event()];
      await store.events.insert(events);
      await store.events.claim(s.claim({ limit: 1 }));
      const mine = (rows: Array<{ sinkType: string; count: number }>) =>
        rows
          .filter((row) => row.sinkType === s.sinkType || row.sinkType === secondType)
          .sort((x, y) => x.sinkType.localeCompare(y.sinkType));
      // Created before the fourth event: events 1-3; the first is RUNNING.
      expect(mine(await store.events.queuedSinkTypes(events[3]!.createdAt))).toEqual([
        { sinkType: s.sinkType, count: 1 },
        { sinkType: secondType, count: 1 },
      ]);
      expect(mine(await store.events.queuedSinkTypes(events[0]!.createdAt))).toEqual([]);
      // Scoped to one tenant: the owner sees them, another tenant none.
      expect(mine(await store.events.queuedSinkTypes(events[3]!.createdAt, s.tenantId))).toEqual([
        { sinkType: s.sinkType, count: 1 },
        { sinkType: secondType, count: 1 },
      ]);
      expect(mine(await store.events.queuedSinkTypes(events[3]!.createdAt, s.otherTenantId))).toEqual([]);
    });
  });
}
