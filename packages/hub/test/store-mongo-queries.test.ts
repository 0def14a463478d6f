/**
 * The MongoDB store's filters, updates and pipelines, checked without a server: their exact shape,
 * and their meaning, by evaluating them over sample documents (support/mongo-matcher.ts) and
 * comparing the outcome with the SQLite adapter given the same inputs.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventRecord } from '@nexomatic/core';
import { sqliteStore } from '@nexomatic/hub/sqlite';
import type { ClaimRequest, Completion, HubStore, NewEvent, Release } from '../src/store/port.js';
import { NOW, scenario, type Scenario } from '../src/store/contract/fixtures.js';
import { CLAIM_SHAPES, CLAIM_SORT, claimFilter, claimIndexKey, claimIndexName, claimShape, claimUpdate } from '../src/store/mongo/claim-query.js';
import { claimOrder } from '../src/store/mongo/claim.js';
import {
  counterOps,
  depthPipeline,
  keyOf,
  queueGroupsPipeline,
  recountOps,
  recountPipeline,
  mergeRecounts,
  type CounterChange,
  type CounterDoc,
  type RecountRow,
} from '../src/store/mongo/counters.js';
import { EPOCH, eventFromDoc, newEventDoc, type EventDoc } from '../src/store/mongo/documents.js';
import {
  EXPIRED_LEASE_SORT,
  OVERDUE_SORT,
  cancelFilter,
  cancelUpdate,
  completionUpdate,
  countByStatePipeline,
  encodeCursor,
  expiredLeaseFilter,
  listQuery,
  overdueFilter,
  queuedSinkTypesPipeline,
  releaseUpdate,
  runningAttemptFilter,
  stateCounts,
} from '../src/store/mongo/event-queries.js';
import { INDEXES } from '../src/store/mongo/indexes.js';
import { aggregate, applyUpdate, find, keysOf, matches } from './support/mongo-matcher.js';

type Doc = Record<string, unknown>;

/**
 * The events collection simulated with the store's own builders: every call below runs exactly the
 * filter, sort, update or pipeline the store sends to MongoDB, through the matcher.
 */
class SimulatedEvents {
  docs: EventDoc[] = [];
  counters = new Map<string, CounterDoc>();

  private count(changes: CounterChange[]): void {
    for (const op of counterOps(changes)) {
      if (!('updateOne' in op)) throw new Error('counterOps makes updateOne only');
      const { filter, update, upsert } = op.updateOne;
      const id = (filter as { _id: string })._id;
      const existing = this.counters.get(id);
      if (existing === undefined && upsert !== true) continue;
      this.counters.set(id, applyUpdate((existing ?? { _id: id }) as unknown as Doc, update as Doc, existing === undefined) as unknown as CounterDoc);
    }
  }

  private replace(next: EventDoc): void {
    this.docs = this.docs.map((doc) => (doc._id === next._id ? next : doc));
  }

  insert(events: readonly NewEvent[]): void {
    const docs = events.map((event) => newEventDoc(event));
    this.docs.push(...docs);
    this.count(docs.map((doc) => ({ key: keyOf(doc), from: null, to: doc.state })));
  }

  claim(request: ClaimRequest): EventRecord[] {
    const filter = claimFilter(request) as Doc;
    const candidates = find(this.docs as unknown as Doc[], filter, { sort: CLAIM_SORT, limit: request.limit }) as unknown as EventDoc[];
    const claimId = randomUUID();
    const update = claimUpdate(request, claimId);
    const won: EventDoc[] = [];
    for (const candidate of candidates) {
      // The updateMany filter: the whole predicate again, plus the candidate ids.
      if (!matches(candidate as unknown as Doc, { ...filter, _id: { $in: candidates.map((c) => c._id) } })) continue;
      const next = applyUpdate(candidate as unknown as Doc, update) as unknown as EventDoc;
      this.replace(next);
      won.push(next);
    }
    this.count(won.map((doc) => ({ key: keyOf(doc), from: 'QUEUED', to: 'RUNNING' })));
    return won.sort(claimOrder).map(eventFromDoc);
  }

  complete(completion: Completion): boolean {
    const doc = find(this.docs as unknown as Doc[], runningAttemptFilter(completion.eventId, completion.attempt) as Doc)[0] as EventDoc | undefined;
    if (doc === undefined) return false;
    this.replace(applyUpdate(doc as unknown as Doc, completionUpdate(completion) as Doc) as unknown as EventDoc);
    this.count([{ key: keyOf(doc), from: 'RUNNING', to: completion.outcome }]);
    this.insert(completion.followOns);
    return true;
  }

  release(release: Release, now: Date): boolean {
    const doc = find(this.docs as unknown as Doc[], runningAttemptFilter(release.eventId, release.attempt) as Doc)[0] as EventDoc | undefined;
    if (doc === undefined) return false;
    this.replace(applyUpdate(doc as unknown as Doc, releaseUpdate(release, now) as Doc) as unknown as EventDoc);
    this.count([{ key: keyOf(doc), from: 'RUNNING', to: 'QUEUED' }]);
    return true;
  }

  cancel(tenantId: string, id: string, at: Date): boolean {
    const doc = find(this.docs as unknown as Doc[], cancelFilter(tenantId, id) as Doc)[0] as EventDoc | undefined;
    if (doc === undefined) return false;
    this.replace(applyUpdate(doc as unknown as Doc, cancelUpdate(at) as Doc) as unknown as EventDoc);
    this.count([{ key: keyOf(doc), from: 'QUEUED', to: 'ERROR' }]);
    return true;
  }

  get(id: string): EventRecord | undefined {
    const doc = this.docs.find((d) => d._id === id);
    return doc && eventFromDoc(doc);
  }
}

/** A mixed backlog: two tenants, three Event Types, two modules, priorities, pins, delays and born-failed events. */
function backlog(s: Scenario): NewEvent[] {
  const events: NewEvent[] = [];
  for (let i = 0; i < 48; i++) {
    events.push(
      s.event({
        tenantId: i % 3 === 0 ? s.otherTenantId : s.tenantId,
        eventType: ['orders.placed', 'orders.shipped', 'orders.failed'][i % 3 === 1 ? 1 : i % 5 === 0 ? 2 : 0]!,
        module: i % 4 === 0 ? 'billing.charge' : 'orders.process',
        priority: (i * 7) % 5 - 1,
        pinnedSinkId: i % 11 === 0 ? 'sink-b' : i % 13 === 0 ? s.sinkId : null,
        notBefore: i % 9 === 0 ? new Date(NOW.getTime() + 60_000) : null,
        timeoutMs: 1000 * (1 + (i % 6)),
        ...(i % 17 === 5 ? { failed: { code: 'CHAIN_TOO_DEEP', message: 'too deep' } } : {}),
      }),
    );
  }
  return events;
}

/** Claim requests of every shape, with module and pin filters, a later `now` and small limits. */
function claims(s: Scenario): ClaimRequest[] {
  const later = new Date(NOW.getTime() + 120_000);
  return [
    s.claim({ limit: 3 }),
    s.claim({ tenantId: s.tenantId, limit: 4 }),
    s.claim({ eventType: 'orders.shipped', limit: 2 }),
    s.claim({ tenantId: s.otherTenantId, eventType: 'orders.placed', limit: 5 }),
    s.claim({ sinkId: 'sink-b', modules: ['billing.charge'], limit: 6 }),
    s.claim({ modules: ['orders.process', 'orders.refund'], limit: 4 }),
    s.claim({ now: later, leaseExpiresAt: new Date(later.getTime() + 60_000), limit: 7 }),
    s.claim({ sinkId: 'sink-b', now: later, limit: 50 }),
    s.claim({ now: later, limit: 50 }),
  ];
}

describe('mongo store builders: claim', () => {
  it('has one partial index per claim shape whose key is the predicate’s equality fields, then the claim order', () => {
    for (const shape of CLAIM_SHAPES) {
      const index = INDEXES.find((candidate) => candidate.options.name === claimIndexName(shape));
      expect(index).toBeDefined();
      expect(index!.options.partialFilterExpression).toEqual({ state: 'QUEUED' });
      const request: ClaimRequest = {
        sinkId: 's', sinkType: 'T:BASE', tenantId: shape.byTenant ? 't' : null, modules: ['m'], limit: 1, now: NOW, leaseExpiresAt: NOW,
        ...(shape.byType ? { eventType: 'e' } : {}),
      };
      expect(claimShape(request)).toEqual(shape);
      const filter = claimFilter(request);
      const equality = Object.entries(filter).filter(([key, value]) => key !== 'state' && typeof value === 'string').map(([key]) => key);
      expect(Object.keys(index!.key).slice(0, equality.length).sort()).toEqual(equality.sort());
      expect(Object.entries(index!.key).slice(equality.length, equality.length + 2)).toEqual(Object.entries(CLAIM_SORT));
      expect(Object.keys(index!.key).at(-1)).toBe('claimableAt');
      expect(claimIndexKey(shape)).toEqual(index!.key);
    }
  });

  it('builds the exact claim predicate and update, with no $or and every caller value literal', () => {
    const request: ClaimRequest = {
      sinkId: '$evil.sink', sinkType: 'LOCAL:BASE', tenantId: 't1', eventType: 'orders.placed', modules: ['a.b', 'c.d'],
      limit: 5, now: NOW, leaseExpiresAt: new Date(NOW.getTime() + 1000),
    };
    expect(claimFilter(request)).toEqual({
      state: 'QUEUED',
      sinkType: 'LOCAL:BASE',
      tenantId: 't1',
      eventType: 'orders.placed',
      claimableAt: { $lte: NOW },
      pinnedSinkId: { $in: [null, '$evil.sink'] },
      module: { $in: ['a.b', 'c.d'] },
    });
    expect(claimFilter({ ...request, tenantId: null, eventType: undefined, modules: [] })).toEqual({
      state: 'QUEUED', sinkType: 'LOCAL:BASE', claimableAt: { $lte: NOW }, pinnedSinkId: { $in: [null, '$evil.sink'] },
    });
    expect(keysOf(claimFilter(request))).not.toContain('$or');
    const update = claimUpdate(request, 'claim-1');
    expect(update).toEqual([
      {
        $set: {
          state: { $literal: 'RUNNING' },
          attempt: { $add: ['$attempt', 1] },
          sinkId: { $literal: '$evil.sink' },
          leaseExpiresAt: { $literal: request.leaseExpiresAt },
          startedAt: { $literal: NOW },
          updatedAt: { $literal: NOW },
          deadlineAt: { $add: [{ $literal: NOW }, '$timeoutMs'] },
          claimId: { $literal: 'claim-1' },
        },
      },
    ]);
    const s = scenario();
    const doc = newEventDoc(s.event({ timeoutMs: 1500 })) as unknown as Doc;
    const claimed = applyUpdate(doc, update);
    expect(claimed).toMatchObject({ state: 'RUNNING', attempt: 1, sinkId: '$evil.sink', startedAt: NOW, claimId: 'claim-1' });
    expect(claimed.deadlineAt).toEqual(new Date(NOW.getTime() + 1500));
  });

  it('matches the events the predicate names: pinned here or nowhere, due, of the modules', () => {
    const s = scenario();
    const doc = (overrides: Partial<NewEvent>) => newEventDoc(s.event(overrides)) as unknown as Doc;
    const filter = claimFilter(s.claim({ tenantId: s.tenantId, modules: ['orders.process'] })) as Doc;
    expect(matches(doc({}), filter)).toBe(true);
    expect(matches(doc({ pinnedSinkId: s.sinkId }), filter)).toBe(true);
    expect(matches(doc({ pinnedSinkId: 'elsewhere' }), filter)).toBe(false);
    expect(matches(doc({ notBefore: NOW }), filter)).toBe(true);
    expect(matches(doc({ notBefore: new Date(NOW.getTime() + 1) }), filter)).toBe(false);
    expect(matches(doc({ module: 'billing.charge' }), filter)).toBe(false);
    expect(matches(doc({ tenantId: s.otherTenantId }), filter)).toBe(false);
    expect(matches(doc({ sinkType: 'OTHER:BASE' }), filter)).toBe(false);
    expect(matches(doc({ failed: { code: 'X', message: 'x' } }), filter)).toBe(false);
    expect(doc({}).claimableAt).toEqual(EPOCH);
  });

  it('a second claim with the same predicate never matches an attempt the first one took', () => {
    const s = scenario();
    const sim = new SimulatedEvents();
    sim.insert(Array.from({ length: 20 }, () => s.event()));
    const first = claimFilter(s.claim({ sinkId: 'a' })) as Doc;
    const second = claimFilter(s.claim({ sinkId: 'b' })) as Doc;
    // Both claimers picked the same candidates; the first update lands first.
    const candidates = find(sim.docs as unknown as Doc[], first, { sort: CLAIM_SORT, limit: 10 });
    const ids = candidates.map((c) => c._id);
    const afterFirst = candidates.map((c) => (matches(c, { ...first, _id: { $in: ids } }) ? applyUpdate(c, claimUpdate(s.claim({ sinkId: 'a' }), 'one')) : c));
    expect(afterFirst.filter((doc) => matches(doc, { ...second, _id: { $in: ids } }))).toEqual([]);
  });
});

describe('mongo store builders: the same inputs as the SQLite adapter', () => {
  let store: HubStore;
  beforeEach(async () => {
    store = await sqliteStore({ path: ':memory:' });
  });
  afterEach(async () => {
    await store.close();
  });

  it('claims, completes, releases and cancels exactly like SQLite, and keeps the same queue counters', async () => {
    const s = scenario();
    const sim = new SimulatedEvents();
    const events = backlog(s);
    await store.events.insert(events);
    sim.insert(events);
    let round = 0;
    for (const request of claims(s)) {
      round += 1;
      const expected = await store.events.claim(request);
      expect(sim.claim(request), `claim ${round}`).toEqual(expected);
      // Finish some, give some back, so later claims meet second attempts.
      for (const [i, event] of expected.entries()) {
        if (i % 3 === 0) {
          const completion = s.completion(event.id, event.attempt, {
            outcome: i % 2 === 0 ? 'SUCCESS' : 'ERROR',
            followOns: i % 2 === 0 ? [s.event({ parentEventId: event.id, rootEventId: event.rootEventId, chainDepth: 1, priority: 2 })] : [],
          });
          expect(sim.complete(completion)).toEqual((await store.events.complete([completion]))[0]);
        } else if (i % 3 === 1) {
          const release = { eventId: event.id, attempt: event.attempt, notBefore: null };
          expect(sim.release(release, NOW)).toEqual((await store.events.release([release]))[0]);
        }
      }
      const queued = sim.docs.find((doc) => doc.state === 'QUEUED' && doc.tenantId === s.tenantId);
      if (round === 4 && queued) {
        expect(sim.cancel(s.tenantId, queued._id, NOW)).toBe((await store.events.cancel(s.tenantId, queued._id, NOW))?.cancelled);
      }
    }
    // Every record alike (the release time is the adapter's clock in SQLite: compared apart).
    for (const doc of sim.docs) {
      const { updatedAt: _a, ...mine } = eventFromDoc(doc);
      const { updatedAt: _b, ...theirs } = (await store.events.get(doc._id, null))!;
      expect(mine).toEqual(theirs);
    }

    // Queue groups and depth from the counters, recounts and state counts.
    for (const tenantId of [null, s.tenantId, s.otherTenantId]) {
      const groups = aggregate([...sim.counters.values()] as unknown as Doc[], queueGroupsPipeline(s.sinkType, tenantId));
      expect(groups, `groups ${tenantId}`).toEqual(await store.events.queueGroups(s.sinkType, tenantId));
    }
    for (const tenantId of [s.tenantId, s.otherTenantId]) {
      for (const eventType of [undefined, 'orders.placed', 'orders.shipped', 'no.such']) {
        const [row] = aggregate([...sim.counters.values()] as unknown as Doc[], depthPipeline(tenantId, eventType));
        expect({ queued: row?.queued ?? 0, running: row?.running ?? 0 }).toEqual(await store.events.depth(tenantId, eventType));
      }
      const counts = stateCounts(aggregate(sim.docs as unknown as Doc[], countByStatePipeline(tenantId)) as never);
      expect(counts).toEqual(await store.events.countByState(tenantId));
    }
    const recount = (state: 'QUEUED' | 'RUNNING') => aggregate(sim.docs as unknown as Doc[], recountPipeline(state)) as unknown as RecountRow[];
    const recounted = mergeRecounts(recount('QUEUED'), recount('RUNNING'));
    const fresh = new Map<string, Doc>();
    for (const op of recountOps(recounted, [...sim.counters.keys(), 'stale-row'])) {
      if (!('updateOne' in op)) throw new Error('updateOne only');
      const id = (op.updateOne.filter as { _id: string })._id;
      fresh.set(id, applyUpdate(fresh.get(id) ?? { _id: id }, op.updateOne.update as Doc, true));
    }
    for (const [id, counter] of sim.counters) expect(fresh.get(id)).toMatchObject({ queued: counter.queued, running: counter.running });
    expect(fresh.get('stale-row')).toMatchObject({ queued: 0, running: 0 });

    const waited = (olderThan: Date, tenantId: string | null) =>
      aggregate(sim.docs as unknown as Doc[], queuedSinkTypesPipeline(olderThan, tenantId)).filter((row) => row.sinkType === s.sinkType);
    for (const tenantId of [null, s.tenantId]) {
      const olderThan = events[30]!.createdAt;
      const theirs = (await store.events.queuedSinkTypes(olderThan, tenantId)).filter((row) => row.sinkType === s.sinkType);
      expect(waited(olderThan, tenantId)).toEqual(theirs);
    }
  });

  it('finds expired leases and overdue attempts, and lists pages, like SQLite', async () => {
    const s = scenario();
    const sim = new SimulatedEvents();
    const events = backlog(s);
    await store.events.insert(events);
    sim.insert(events);
    const start = new Date(Date.UTC(1985, 0, 1));
    for (const [k, limit] of [3, 5, 4].entries()) {
      const request = s.claim({ sinkId: `sink-${k}`, limit, now: new Date(start.getTime() + k * 1000), leaseExpiresAt: new Date(start.getTime() + 10_000 - k * 3000) });
      expect(sim.claim(request)).toEqual(await store.events.claim(request));
    }
    const mine = (records: EventRecord[]) => records.map((e) => e.id).filter((id) => sim.docs.some((d) => d._id === id));
    for (const at of [5_000, 8_000, 60_000]) {
      const now = new Date(start.getTime() + at);
      const expired = find(sim.docs as unknown as Doc[], expiredLeaseFilter(now) as Doc, { sort: EXPIRED_LEASE_SORT }).map((d) => d._id);
      expect(expired).toEqual(mine(await store.events.expiredLeases(now, 1000)));
      const overdue = find(sim.docs as unknown as Doc[], overdueFilter(now) as Doc, { sort: OVERDUE_SORT }).map((d) => d._id);
      expect(overdue).toEqual(mine(await store.events.overdue(now, 1000)));
    }
    const queries = [{}, { state: 'QUEUED' as const }, { eventType: 'orders.shipped' }, { sinkId: 'sink-1' }, { createdFrom: events[10]!.createdAt.toISOString(), createdTo: events[20]!.createdAt.toISOString() }];
    for (const query of queries) {
      for (const tenantId of [s.tenantId, s.otherTenantId]) {
        const expected = (await store.events.list(tenantId, { ...query, limit: 1000 })).items.map((e) => e.id);
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 100; page++) {
          const { filter, sort, limit } = listQuery(tenantId, { ...query, limit: 7, ...(cursor ? { cursor } : {}) });
          const docs = find(sim.docs as unknown as Doc[], filter as Doc, { sort: sort as Record<string, 1 | -1>, limit }) as unknown as EventDoc[];
          const items = docs.slice(0, 7);
          seen.push(...items.map((d) => d._id));
          if (docs.length < limit) break;
          cursor = encodeCursor(items.at(-1)!.seq);
        }
        expect(seen, JSON.stringify(query)).toEqual(expected);
      }
    }
  });
});
