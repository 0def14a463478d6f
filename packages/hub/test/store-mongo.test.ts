/**
 * The MongoDB store against a real server: the whole store contract, index use, the completion
 * outbox after simulated crashes, change streams, the scheduler backend and two hubs on one
 * database. Needs `NEXOMATIC_TEST_MONGODB_URI` (skipped, with the reason printed, without it).
 * `NEXOMATIC_TEST_MONGODB_REPLSET=1` (a replica set) also runs the contract on the standalone path.
 * The engine's own end-to-end and crash tests run on MongoDB with `NEXOMATIC_TEST_STORE=mongodb`
 * (see `support/test-store.ts` and `.github/workflows/mongodb.yml`).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type Db } from 'mongodb';
import { mongoStore, type MongoHubStore, type MongoStoreOptions } from '@nexomatic/hub/mongo';
import { describeHubStoreContract } from '@nexomatic/hub/testing';
import { scenario } from '../src/store/contract/fixtures.js';
import { CLAIM_SHAPES, CLAIM_SORT, claimFilter, claimIndexName, claimShape } from '../src/store/mongo/claim-query.js';
import { mongoInternals } from '../src/store/mongo/index.js';
import { describeOutboxCrashRecovery } from './support/outbox-crash.js';
import { MONGODB_URI } from './support/test-store.js';
import { expectTwoHubsRunEachEventOnce } from './support/two-hubs.js';
import { waitFor } from './support/wait.js';

const REPLSET = process.env.NEXOMATIC_TEST_MONGODB_REPLSET === '1';
if (!MONGODB_URI) {
  console.warn('MongoDB store tests skipped: NEXOMATIC_TEST_MONGODB_URI is not set (e.g. mongodb://127.0.0.1:27017/?directConnection=true)');
}

describe.skipIf(!MONGODB_URI)('mongo store (real server)', () => {
  let client: MongoClient;
  let db: Db;
  const dbName = `nx_test_${randomUUID().slice(0, 8)}`;
  const stores: MongoHubStore[] = [];
  const open = async (options: MongoStoreOptions = {}) => {
    const store = await mongoStore({ db, client }, options);
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    client = await new MongoClient(MONGODB_URI!).connect();
    db = client.db(dbName);
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await db?.dropDatabase();
    await client?.close();
  });

  describeHubStoreContract('mongodb', {
    create: () => mongoStore({ db, client }),
    // Another client: another connection pool, as another hub process would have.
    createPeer: () => mongoStore({ url: MONGODB_URI!, dbName }),
    reopen: () => mongoStore({ db, client }),
  });

  describe.skipIf(!REPLSET)('standalone path on a replica set', () => {
    describeHubStoreContract('mongodb, transactions off (completion outbox)', {
      create: () => mongoStore({ db, client }, { transactions: false, collectionPrefix: 'nx_outbox_' }),
      createPeer: () => mongoStore({ url: MONGODB_URI!, dbName }, { transactions: false, collectionPrefix: 'nx_outbox_' }),
      reopen: () => mongoStore({ db, client }, { transactions: false, collectionPrefix: 'nx_outbox_' }),
    });
  });

  it('claims on the claim index of each shape, in index order (no sort stage, no collection scan)', async () => {
    const store = await open();
    const s = scenario();
    await store.events.insert(Array.from({ length: 50 }, (_, i) => s.event({ priority: i % 4, tenantId: i % 2 ? s.tenantId : s.otherTenantId })));
    for (const shape of CLAIM_SHAPES) {
      const request = s.claim({ tenantId: shape.byTenant ? s.tenantId : null, ...(shape.byType ? { eventType: 'orders.placed' } : {}), modules: ['orders.process'], limit: 5 });
      const hint = claimIndexName(claimShape(request));
      const plan = JSON.stringify(await mongoInternals(store).events.find(claimFilter(request), { sort: CLAIM_SORT, limit: 5, hint }).explain('queryPlanner'));
      expect(plan, hint).toContain(hint);
      expect(plan, hint).not.toContain('"stage":"SORT"');
      expect(plan, hint).not.toContain('COLLSCAN');
    }
  });

  it('never hands one attempt to two of four stores on four clients', async () => {
    const first = await open();
    const peers = await Promise.all([1, 2, 3].map(async () => {
      const peer = await mongoStore({ url: MONGODB_URI!, dbName });
      stores.push(peer);
      return peer;
    }));
    const s = scenario();
    await first.events.insert(Array.from({ length: 400 }, (_, i) => s.event({ priority: i % 3 })));
    const claimed: string[] = [];
    for (let round = 0; round < 200; round++) {
      const batch = (await Promise.all([first, ...peers].flatMap((store, i) => [1, 2].map((k) => store.events.claim(s.claim({ sinkId: `sink-${i}-${k}`, limit: 7 })))))).flat();
      if (batch.length === 0) break;
      claimed.push(...batch.map((event) => `${event.id}:${event.attempt}`));
    }
    expect(claimed).toHaveLength(400);
    expect(new Set(claimed).size).toBe(400);
    expect(await first.events.depth(s.tenantId)).toEqual({ queued: 0, running: 400 });
  });

  describeOutboxCrashRecovery(open);

  it('wakes a watcher when another store queues an event (replica sets), and is silent on a standalone server', async (ctx) => {
    const watched = await open();
    if (watched.topology === 'standalone') ctx.skip();
    const other = await mongoStore({ url: MONGODB_URI!, dbName });
    stores.push(other);
    let woken = 0;
    const stop = watched.watch(() => (woken += 1));
    try {
      // The stream opens asynchronously: insert until one is seen.
      const s = scenario();
      await waitFor('a change-stream wake-up', async () => {
        await other.events.insert([s.event()]);
        return woken > 0;
      });
    } finally {
      stop();
    }
  });

  it('gives the scheduler an Agenda backend on the same database, leaving the client open', async () => {
    const store = await open();
    const backend = store.schedulerBackend();
    expect(backend.name).toBe('MongoDB');
    await backend.connect();
    await backend.disconnect();
    expect(await store.events.countByState(randomUUID())).toMatchObject({ QUEUED: 0 });
  });

  it('runs every event exactly once with two hubs on one database, a sink on each', { timeout: 120_000 }, async () => {
    const hubDb = `nx_hubs_${randomUUID().slice(0, 8)}`;
    try {
      await expectTwoHubsRunEachEventOnce(async () => {
        const store = await mongoStore({ url: MONGODB_URI!, dbName: hubDb });
        return { store, dispose: () => store.close() };
      });
    } finally {
      await client.db(hubDb).dropDatabase();
    }
  });
});
