import { describe, expect, it } from 'vitest';
import type { EventRecord } from '@nexomatic/core';
import { BASE, NOW, ids, scenario, type Harness } from './fixtures.js';

const at = (seconds: number) => new Date(BASE + seconds * 1000);

/** Timeouts and re-runs, delayed inserts, the idempotency window, attempt deadlines, Source Types. */
export function describeWindows(harness: Harness): void {
  describe('events: windows and deadlines', () => {
    it('round-trips timeoutMs, rerunOf and notBefore', async () => {
      const store = await harness.store();
      const s = scenario();
      const original = s.event();
      const notBefore = new Date(NOW.getTime() + 60_000);
      const rerun = s.event({ timeoutMs: 1234, rerunOf: original.id, notBefore });
      await store.events.insert([original, rerun]);
      expect(await store.events.get(rerun.id, s.tenantId)).toMatchObject({
        timeoutMs: 1234,
        rerunOf: original.id,
        notBefore: notBefore.toISOString(),
        state: 'QUEUED',
      });
      expect(await store.events.get(original.id, s.tenantId)).toMatchObject({ rerunOf: null, notBefore: null });
    });

    it('does not claim an event inserted with a notBefore until that time', async () => {
      const store = await harness.store();
      const s = scenario();
      const notBefore = new Date(NOW.getTime() + 30_000);
      const delayed = s.event({ notBefore, priority: 9 });
      const now = s.event();
      await store.events.insert([delayed, now]);
      expect(ids(await store.events.claim(s.claim()))).toEqual([now.id]);
      expect(await store.events.claim(s.claim({ now: new Date(notBefore.getTime() - 1) }))).toEqual([]);
      expect(ids(await store.events.claim(s.claim({ now: notBefore })))).toEqual([delayed.id]);
    });

    it('returns the keyed event within its idempotency window and takes the key over after it', async () => {
      const store = await harness.store();
      const s = scenario();
      const first = s.event({ idempotencyKey: 'k', createdAt: at(10), idempotencyUntil: at(20) });
      expect(await store.events.insert([first])).toEqual([{ id: first.id, created: true }]);
      const within = s.event({ idempotencyKey: 'k', createdAt: at(19), idempotencyUntil: at(29) });
      expect(await store.events.insert([within])).toEqual([{ id: first.id, created: false }]);
      expect(await store.events.get(within.id, null)).toBeNull();

      // At the end of the window the key is free: the old event keeps its record without the key.
      const after = s.event({ idempotencyKey: 'k', createdAt: at(20), idempotencyUntil: at(40) });
      expect(await store.events.insert([after])).toEqual([{ id: after.id, created: true }]);
      expect(await store.events.get(first.id, s.tenantId)).toMatchObject({ id: first.id, idempotencyKey: null });
      expect(await store.events.get(after.id, s.tenantId)).toMatchObject({ idempotencyKey: 'k' });
      const again = s.event({ idempotencyKey: 'k', createdAt: at(39), idempotencyUntil: at(49) });
      expect(await store.events.insert([again])).toEqual([{ id: after.id, created: false }]);

      // Within one call: the take-over and a repeat of the new key.
      const later = s.event({ idempotencyKey: 'k', createdAt: at(100), idempotencyUntil: at(200) });
      const repeat = s.event({ idempotencyKey: 'k', createdAt: at(101), idempotencyUntil: at(201) });
      expect(await store.events.insert([later, repeat])).toEqual([
        { id: later.id, created: true },
        { id: later.id, created: false },
      ]);
      const keyed = (await store.events.list(s.tenantId, {})).items.filter((event) => event.idempotencyKey === 'k');
      expect(ids(keyed)).toEqual([later.id]);
      expect((await store.events.list(s.tenantId, {})).items).toHaveLength(3);
    });

    it('keeps a taken-over key on the old event when the new insert fails', async () => {
      const store = await harness.store();
      const s = scenario();
      const first = s.event({ idempotencyKey: 'k', createdAt: at(10), idempotencyUntil: at(20) });
      const existing = s.event();
      await store.events.insert([first, existing]);
      const clash = s.event({ id: existing.id, idempotencyKey: 'k', createdAt: at(30), idempotencyUntil: at(40) });
      await expect(store.events.insert([clash])).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.events.get(first.id, s.tenantId)).toMatchObject({ idempotencyKey: 'k' });
    });

    it('finds RUNNING events past their attempt deadline (claim time + timeoutMs), oldest first', async () => {
      const store = await harness.store();
      const s = scenario();
      // Claimed in 1980, so no other test's deadline is older.
      const claimedAt = new Date(Date.UTC(1980, 0, 1));
      const ms = (offset: number) => new Date(claimedAt.getTime() + offset);
      const slow = s.event({ timeoutMs: 50_000 });
      const fast = s.event({ timeoutMs: 10_000 });
      const medium = s.event({ timeoutMs: 30_000 });
      const done = s.event({ timeoutMs: 1_000 });
      const back = s.event({ timeoutMs: 2_000 });
      await store.events.insert([slow, fast, medium, done, back]);
      const claimed = await store.events.claim(s.claim({ now: claimedAt }));
      expect(claimed).toHaveLength(5);
      await store.events.complete([s.completion(done.id, 1)]);
      await store.events.release([{ eventId: back.id, attempt: 1, notBefore: null }]);
      const mine = (events: EventRecord[]) => ids(events).filter((id) => claimed.some((event) => event.id === id));
      expect(mine(await store.events.overdue(ms(40_000), 1000))).toEqual([fast.id, medium.id]);
      expect(ids(await store.events.overdue(ms(60_000), 2))).toEqual([fast.id, medium.id]);
      expect(mine(await store.events.overdue(ms(60_000), 1000))).toEqual([fast.id, medium.id, slow.id]);
      expect(mine(await store.events.overdue(ms(10_000), 1000))).toEqual([]);
      // A new attempt gets a new deadline.
      const [again] = await store.events.claim(s.claim({ now: ms(100_000) }));
      expect(again).toMatchObject({ id: back.id, attempt: 2 });
      expect(mine(await store.events.overdue(ms(102_000), 1000))).toEqual([fast.id, medium.id, slow.id]);
      expect(mine(await store.events.overdue(ms(102_001), 1000))).toEqual([fast.id, medium.id, slow.id, back.id]);
    });

    it('lists by Source Type', async () => {
      const store = await harness.store();
      const s = scenario();
      const hook = s.event({ source: { type: 'webhook', id: 'hook-1' } });
      const client = s.event();
      const timer = s.event({ source: { type: 'scheduler', id: 'nightly' } });
      const hook2 = s.event({ source: { type: 'webhook', id: 'hook-2' } });
      await store.events.insert([hook, client, timer, hook2]);
      const list = async (query: Parameters<typeof store.events.list>[1]) =>
        ids((await store.events.list(s.tenantId, query)).items);
      expect(await list({ sourceType: 'webhook' })).toEqual([hook2.id, hook.id]);
      expect(await list({ sourceType: 'scheduler' })).toEqual([timer.id]);
      expect(await list({ sourceType: 'custom' })).toEqual([]);
      expect(await list({ sourceType: 'webhook', limit: 1 })).toEqual([hook2.id]);
      expect(ids((await store.events.list(s.otherTenantId, { sourceType: 'webhook' })).items)).toEqual([]);
    });
  });
}
