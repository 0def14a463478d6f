/**
 * The MongoDB store run through the whole store contract on an in-memory stand-in for `mongod`
 * (support/fake-mongo.ts), both ways: the standalone path (completion outbox, undo of a failed
 * insert, counters written beside the events) and the replica-set path (transactions, change
 * streams), so its logic is checked where no server exists. The real-server suite is
 * store-mongo.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { mongoStore } from '@nexomatic/hub/mongo';
import { describeHubStoreContract } from '@nexomatic/hub/testing';
import type { Db, MongoClient } from 'mongodb';
import { scenario } from '../src/store/contract/fixtures.js';
import { fakeMongo } from './support/fake-mongo.js';
import { describeOutboxCrashRecovery } from './support/outbox-crash.js';
import { mongoStoreOnFake } from './support/test-store.js';
import { expectTwoHubsRunEachEventOnce } from './support/two-hubs.js';
import { waitFor } from './support/wait.js';

const server = fakeMongo();
const target = { db: server.db as unknown as Db, client: server.client as unknown as MongoClient };

describeHubStoreContract('mongodb standalone path (in-memory stand-in)', {
  create: () => mongoStore(target),
  createPeer: () => mongoStore(target),
  reopen: () => mongoStore(target),
});

describe('mongo store on the stand-in', () => {
  it('detects a standalone server and runs without transactions or change streams', async () => {
    const store = await mongoStore(target);
    expect(store.topology).toBe('standalone');
    expect(store.transactions).toBe(false);
    const calls: number[] = [];
    const stop = store.watch(() => calls.push(1));
    stop();
    const s = scenario();
    await store.events.insert([s.event()]);
    expect(calls).toEqual([]);
    await store.close();
    await expect(store.events.get('x', null)).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

const replicaSet = fakeMongo({ replicaSet: true });
const rsTarget = { db: replicaSet.db as unknown as Db, client: replicaSet.client as unknown as MongoClient };

describeHubStoreContract('mongodb transactions path (in-memory stand-in)', {
  create: () => mongoStore(rsTarget),
  createPeer: () => mongoStore(rsTarget),
  reopen: () => mongoStore(rsTarget),
});

describe('mongo store on the replica-set stand-in', () => {
  it('commits in transactions, undoes a failed one, and wakes watchers on queued events', async () => {
    const store = await mongoStore(rsTarget);
    const other = await mongoStore(rsTarget);
    expect(store.topology).toBe('replicaSet');
    expect(store.transactions).toBe(true);
    let woken = 0;
    const stop = store.watch(() => (woken += 1));
    const s = scenario();
    const [event, existing] = [s.event(), s.event()];
    await other.events.insert([event, existing]);
    await waitFor('a wake-up', () => woken >= 1);
    const [claimed] = await store.events.claim(s.claim({ limit: 1 }));
    const aborted = replicaSet.client.stats.aborted;
    const clash = { ...s.event(), id: existing.id };
    await expect(store.events.complete([s.completion(claimed!.id, 1, { followOns: [clash] })])).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(replicaSet.client.stats.aborted).toBe(aborted + 1);
    expect(await store.events.get(claimed!.id, s.tenantId)).toMatchObject({ state: 'RUNNING' });
    const before = woken;
    expect(await store.events.release([{ eventId: claimed!.id, attempt: 1, notBefore: null }])).toEqual([true]);
    await waitFor('a wake-up for the release', () => woken > before);
    stop();
    await store.close();
    await other.close();
  });
});

describe('two hubs on one replica-set stand-in', () => {
  it('runs every event exactly once, a sink on each hub', { timeout: 120_000 }, async () => {
    const shared = fakeMongo({ replicaSet: true });
    await expectTwoHubsRunEachEventOnce(() => mongoStoreOnFake(shared));
  });
});

describe('mongo store on a standalone stand-in', () => {
  describeOutboxCrashRecovery((options) => mongoStore(target, options));
});
