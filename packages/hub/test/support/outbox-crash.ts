/**
 * The completion outbox (the MongoDB store's standalone path) after a crash at each step of a
 * completion: the next start must finish it exactly once. Used on a real server and on the
 * in-memory stand-in. The store that finds the entry starts without recounting its counters, so
 * they are checked as the outbox left them.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MongoHubStore, MongoStoreOptions } from '../../src/mongo.js';
import { scenario } from '../../src/store/contract/fixtures.js';
import { counterOps, keyOf } from '../../src/store/mongo/counters.js';
import { newEventDoc } from '../../src/store/mongo/documents.js';
import { completionUpdate, runningAttemptFilter } from '../../src/store/mongo/event-queries.js';
import { mongoInternals } from '../../src/store/mongo/index.js';
import { outboxKey, type OutboxDoc } from '../../src/store/mongo/outbox.js';

/** Where a completion stopped: after writing its outbox entry, the event's update, the follow-ons, or the counters. */
const CRASH_POINTS = ['outbox', 'event', 'followOns', 'counters'] as const;

/** Registers one test per crash point; `open` opens a store on the shared database. */
export function describeOutboxCrashRecovery(open: (options: MongoStoreOptions) => Promise<MongoHubStore>): void {
  describe('completion outbox after a crash', () => {
    const options = { transactions: false, collectionPrefix: 'nx_crash_' } as const;

    for (const point of CRASH_POINTS) {
      it(`finishes a completion that stopped after its ${point} step, exactly once`, async () => {
        const crashed = await open(options);
        const s = scenario();
        const parent = s.event();
        await crashed.events.insert([parent]);
        await crashed.events.claim(s.claim());
        const followOn = s.event({ parentEventId: parent.id, rootEventId: parent.id, chainDepth: 1 });
        const completion = s.completion(parent.id, 1, { followOns: [followOn] });
        const connection = mongoInternals(crashed);
        const token = randomUUID();
        const update = completionUpdate(completion, token);
        const followOnDoc = newEventDoc(followOn);
        const step = CRASH_POINTS.indexOf(point);
        await connection.collection<OutboxDoc>('outbox').insertOne({
          _id: outboxKey(parent.id, 1), eventId: parent.id, attempt: 1, token, set: update.$set as OutboxDoc['set'],
          followOns: [followOnDoc], createdAt: new Date(), countersApplied: step >= 3,
        });
        if (step >= 1) await connection.events.updateOne(runningAttemptFilter(parent.id, 1), update);
        if (step >= 2) await connection.events.insertOne(followOnDoc);
        if (step >= 3) {
          const parentDoc = (await connection.events.findOne({ _id: parent.id }))!;
          await connection.counters.bulkWrite(counterOps([
            { key: keyOf(parentDoc), from: 'RUNNING', to: 'SUCCESS' },
            { key: keyOf(followOnDoc), from: null, to: 'QUEUED' },
          ]));
        }
        await crashed.close();

        // The next start finishes the entry: the event completed, the follow-on created once, counted once.
        const restarted = await open({ ...options, recountOnStart: false });
        expect(await restarted.events.get(parent.id, s.tenantId)).toMatchObject({ state: 'SUCCESS', attempt: 1 });
        expect((await restarted.events.list(s.tenantId, { parentEventId: parent.id })).items.map((e) => e.id)).toEqual([followOn.id]);
        expect(await mongoInternals(restarted).collection('outbox').countDocuments({ eventId: parent.id })).toBe(0);
        expect(await restarted.events.depth(s.tenantId)).toEqual({ queued: 1, running: 0 });
        // The sink's resent report is a duplicate: nothing more happens.
        expect(await restarted.events.complete([{ ...completion, followOns: [s.event({ parentEventId: parent.id })] }])).toEqual([false]);
        expect((await restarted.events.list(s.tenantId, { parentEventId: parent.id })).items).toHaveLength(1);
        expect(await restarted.events.depth(s.tenantId)).toEqual({ queued: 1, running: 0 });
      });
    }
  });
}
