import { describe, expect, it } from 'vitest';
import { EventRecord } from '@nexomatic/core';
import { TIMEOUT_MS, ids, scenario, type Harness } from './fixtures.js';

/** Insert, get, tenancy, idempotency, list and counts. */
export function describeEventRecords(harness: Harness): void {
  describe('events: insert and read', () => {
    it('round-trips every field of a new event', async () => {
      const store = await harness.store();
      const s = scenario();
      const root = s.event();
      const event = s.event({
        payload: { nested: { list: [1, 'two', true, null], empty: {} }, unicode: 'é✓' },
        priority: -7,
        maxAttempts: 5,
        pinnedSinkId: 'sink-a',
        source: { type: 'webhook', id: 'hook-1' },
        parentEventId: root.id,
        rootEventId: root.id,
        chainDepth: 1,
        idempotencyKey: 'key-1',
      });
      expect(await store.events.insert([root, event])).toEqual([
        { id: root.id, created: true },
        { id: event.id, created: true },
      ]);
      const got = await store.events.get(event.id, s.tenantId);
      const createdAt = event.createdAt.toISOString();
      const expected: EventRecord = {
        id: event.id,
        tenantId: s.tenantId,
        eventType: event.eventType,
        sinkType: s.sinkType,
        module: event.module,
        state: 'QUEUED',
        payload: event.payload,
        priority: -7,
        attempt: 0,
        maxAttempts: 5,
        timeoutMs: TIMEOUT_MS,
        sinkId: null,
        pinnedSinkId: 'sink-a',
        leaseExpiresAt: null,
        notBefore: null,
        result: null,
        error: null,
        warnings: [],
        source: { type: 'webhook', id: 'hook-1' },
        parentEventId: root.id,
        rootEventId: root.id,
        chainDepth: 1,
        rerunOf: null,
        idempotencyKey: 'key-1',
        createdAt,
        startedAt: null,
        finishedAt: null,
        updatedAt: createdAt,
      };
      expect(got).toEqual(expected);
      expect(EventRecord.parse(got)).toEqual(expected);
    });

    it('keeps the trace context of an event and of a follow-on, and none when none was given', async () => {
      const store = await harness.store();
      const s = scenario();
      const traced = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=opaque' };
      const plain = s.event();
      const parent = s.event({ traceContext: traced });
      await store.events.insert([plain, parent]);
      expect((await store.events.get(parent.id, s.tenantId))?.traceContext).toEqual(traced);
      expect((await store.events.get(plain.id, s.tenantId))?.traceContext).toBeUndefined();
      const [claimed] = await store.events.claim(s.claim({ limit: 1 }));
      expect(claimed?.id).toBe(plain.id);
      const [running] = await store.events.claim(s.claim({ limit: 1 }));
      expect(running?.traceContext).toEqual(traced);
      const child = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01' };
      const followOn = s.event({ parentEventId: parent.id, rootEventId: parent.id, chainDepth: 1, traceContext: child });
      expect(await store.events.complete([s.completion(parent.id, 1, { followOns: [followOn] })])).toEqual([true]);
      expect((await store.events.get(followOn.id, s.tenantId))?.traceContext).toEqual(child);
    });

    it('stores a failed new event as ERROR, finished at creation, never claimable', async () => {
      const store = await harness.store();
      const s = scenario();
      const error = { code: 'CHAIN_TOO_DEEP', message: 'too deep', details: { depth: 11 } };
      const event = s.event({ failed: error });
      await store.events.insert([event]);
      const got = await store.events.get(event.id, s.tenantId);
      expect(got).toMatchObject({ state: 'ERROR', error, attempt: 0, finishedAt: event.createdAt.toISOString() });
      expect(await store.events.claim(s.claim())).toEqual([]);
    });

    it('reports another tenant’s event as absent', async () => {
      const store = await harness.store();
      const s = scenario();
      const event = s.event();
      await store.events.insert([event]);
      expect(await store.events.get(event.id, s.otherTenantId)).toBeNull();
      expect(await store.events.get(event.id, null)).toMatchObject({ id: event.id });
      expect(await store.events.get('no-such-event', s.tenantId)).toBeNull();
      expect((await store.events.list(s.otherTenantId, {})).items).toEqual([]);
      expect(ids((await store.events.list(s.tenantId, {})).items)).toEqual([event.id]);
    });

    it('returns the existing id with created:false for a repeated idempotency key', async () => {
      const store = await harness.store();
      const s = scenario();
      const first = s.event({ idempotencyKey: 'order-7' });
      const again = s.event({ idempotencyKey: 'order-7' });
      const otherTenant = s.event({ idempotencyKey: 'order-7', tenantId: s.otherTenantId });
      expect(await store.events.insert([first])).toEqual([{ id: first.id, created: true }]);
      expect(await store.events.insert([again, otherTenant])).toEqual([
        { id: first.id, created: false },
        { id: otherTenant.id, created: true },
      ]);
      expect(await store.events.get(again.id, null)).toBeNull();
      // Racing inserts of one key in the same tick: exactly one is created.
      const a = s.event({ idempotencyKey: 'order-8' });
      const b = s.event({ idempotencyKey: 'order-8' });
      const results = (await Promise.all([store.events.insert([a]), store.events.insert([b])])).flat();
      const winner = results.find((result) => result.created)?.id;
      expect([a.id, b.id]).toContain(winner);
      expect(results).toEqual(expect.arrayContaining([{ id: winner, created: true }, { id: winner, created: false }]));
      expect(results.filter((result) => result.created)).toHaveLength(1);
    });

    it('fails one write without failing the writes around it', async () => {
      const store = await harness.store();
      const s = scenario();
      const existing = s.event();
      await store.events.insert([existing]);
      const before = s.event();
      const after = s.event();
      const results = await Promise.allSettled([
        store.events.insert([before]),
        store.events.insert([{ ...s.event(), id: existing.id }]),
        store.events.insert([after]),
      ]);
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
      expect(await store.events.get(before.id, s.tenantId)).not.toBeNull();
      expect(await store.events.get(after.id, s.tenantId)).not.toBeNull();
    });
  });

  describe('events: list and count', () => {
    it('lists newest first and pages with a cursor, without duplicates or gaps', async () => {
      const store = await harness.store();
      const s = scenario();
      const events = Array.from({ length: 23 }, () => s.event());
      await store.events.insert(events);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.events.list(s.tenantId, { limit: 5, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(5);
        seen.push(...ids(page.items));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor !== undefined && pages < 20);
      expect(pages).toBe(5);
      expect(seen).toEqual(ids(events).reverse());
    });

    it('applies the default limit of 50 and ends with a null cursor', async () => {
      const store = await harness.store();
      const s = scenario();
      await store.events.insert(Array.from({ length: 52 }, () => s.event()));
      const first = await store.events.list(s.tenantId, {});
      expect(first.items).toHaveLength(50);
      expect(first.nextCursor).not.toBeNull();
      const second = await store.events.list(s.tenantId, { cursor: first.nextCursor as string });
      expect(second.items).toHaveLength(2);
      expect(second.nextCursor).toBeNull();
      await expect(store.events.list(s.tenantId, { cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'VALIDATION',
      });
    });

    it('filters by state, Event Type, sink, chain and creation time', async () => {
      const store = await harness.store();
      const s = scenario();
      const root = s.event();
      const child = s.event({ eventType: 'orders.shipped', parentEventId: root.id, rootEventId: root.id, chainDepth: 1 });
      const grandchild = s.event({ parentEventId: child.id, rootEventId: root.id, chainDepth: 2 });
      const lone = s.event();
      await store.events.insert([root, child, grandchild, lone]);
      const [claimed] = await store.events.claim(s.claim({ limit: 1 }));
      expect(claimed?.id).toBe(root.id);
      const list = async (query: Parameters<typeof store.events.list>[1]) =>
        ids((await store.events.list(s.tenantId, query)).items);
      expect(await list({ state: 'RUNNING' })).toEqual([root.id]);
      expect(await list({ state: 'QUEUED' })).toEqual([lone.id, grandchild.id, child.id]);
      expect(await list({ eventType: 'orders.shipped' })).toEqual([child.id]);
      expect(await list({ sinkId: s.sinkId })).toEqual([root.id]);
      expect(await list({ rootEventId: root.id })).toEqual([grandchild.id, child.id, root.id]);
      expect(await list({ parentEventId: child.id })).toEqual([grandchild.id]);
      expect(
        await list({ createdFrom: child.createdAt.toISOString(), createdTo: lone.createdAt.toISOString() }),
      ).toEqual([grandchild.id, child.id]);
      expect(await list({ state: 'QUEUED', eventType: 'orders.placed' })).toEqual([lone.id, grandchild.id]);
    });

    it('counts events by state, every state present', async () => {
      const store = await harness.store();
      const s = scenario();
      expect(await store.events.countByState(s.tenantId)).toEqual({
        QUEUED: 0,
        RUNNING: 0,
        SUCCESS: 0,
        WARNING: 0,
        ERROR: 0,
      });
      await store.events.insert([s.event(), s.event(), s.event(), s.event({ failed: { code: 'X', message: 'x' } })]);
      const [claimed] = await store.events.claim(s.claim({ limit: 1 }));
      await store.events.complete([s.completion(claimed!.id, 1, { outcome: 'WARNING', warnings: ['w'] })]);
      await store.events.claim(s.claim({ limit: 1 }));
      expect(await store.events.countByState(s.tenantId)).toEqual({
        QUEUED: 1,
        RUNNING: 1,
        SUCCESS: 0,
        WARNING: 1,
        ERROR: 1,
      });
      expect(await store.events.countByState(s.otherTenantId)).toMatchObject({ QUEUED: 0, ERROR: 0 });
    });
  });
}
