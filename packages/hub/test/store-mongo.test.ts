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
import { CLAIM_SORT, claimFilter } from '../src/store/mongo/claim-query.js';
import { mongoInternals } from '../src/store/mongo/index.js';
import { completionUpdate, runningAttemptFilter } from '../src/store/mongo/event-queries.js';
import { newEventDoc } from '../src/store/mongo/documents.js';
import { outboxKey, type OutboxDoc } from '../src/store/mongo/outbox.js';
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

  it('claims on the claim index of the request’s shape, in index order (no sort stage)', async () => {
    const store = await open();
    const s = scenario();
    await store.events.insert(Array.from({ length: 50 }, (_, i) => s.event({ priority: i % 4 })));
    const request = s.claim({ tenantId: s.tenantId, eventType: 'orders.placed', limit: 5 });
    const plan = JSON.stringify(await mongoInternals(store).events.find(claimFilter(request), { sort: CLAIM_SORT, limit: 5 }).explain('queryPlanner'));
    expect(plan).toContain('events_claim_group');
    expect(plan).not.toContain('"stage":"SORT"');
    expect(plan).not.toContain('COLLSCAN');
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

  describe('completion outbox (standalone path)', () => {
    const options = { transactions: false, collectionPrefix: 'nx_crash_' } as const;

    /** A RUNNING event with an outbox entry for its completion, as a crash would leave them. */
    async function crashedCompletion(store: MongoHubStore, applied: boolean) {
      const s = scenario();
      const parent = s.event();
      await store.events.insert([parent]);
      await store.events.claim(s.claim());
      const followOn = s.event({ parentEventId: parent.id, rootEventId: parent.id, chainDepth: 1 });
      const completion = s.completion(parent.id, 1, { followOns: [followOn] });
      const connection = mongoInternals(store);
      const token = randomUUID();
      const update = completionUpdate(completion, token);
      await connection.collection<OutboxDoc>('outbox').insertOne({
        _id: outboxKey(parent.id, 1), eventId: parent.id, attempt: 1, token, set: update.$set as OutboxDoc['set'],
        followOns: [newEventDoc(followOn)], createdAt: new Date(), countersApplied: false,
      });
      if (applied) await connection.events.updateOne(runningAttemptFilter(parent.id, 1), update);
      return { s, parent, followOn, completion };
    }

    for (const applied of [false, true]) {
      it(`finishes a completion that crashed ${applied ? 'after' : 'before'} the event's update, once`, async () => {
        const crashed = await open(options);
        const { s, parent, followOn, completion } = await crashedCompletion(crashed, applied);
        // The next start finishes the entry: the event completed, the follow-on created once.
        const restarted = await open(options);
        expect(await restarted.events.get(parent.id, s.tenantId)).toMatchObject({ state: 'SUCCESS', attempt: 1 });
        expect((await restarted.events.list(s.tenantId, { parentEventId: parent.id })).items.map((e) => e.id)).toEqual([followOn.id]);
        expect(await mongoInternals(restarted).collection('outbox').countDocuments({ eventId: parent.id })).toBe(0);
        // The sink's resent report is a duplicate: nothing more happens.
        expect(await restarted.events.complete([{ ...completion, followOns: [s.event({ parentEventId: parent.id })] }])).toEqual([false]);
        expect((await restarted.events.list(s.tenantId, { parentEventId: parent.id })).items).toHaveLength(1);
        expect(await restarted.events.depth(s.tenantId)).toEqual({ queued: 1, running: 0 });
      });
    }
  });

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
