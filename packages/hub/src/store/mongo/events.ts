import type { EventState } from '@nexomatic/core';
import type { EventStore, InsertResult, QueueGroup } from '../port.js';
import { claimEvents } from './claim.js';
import { completeEvents, retryKeyRaces } from './completion.js';
import type { MongoConnection } from './connection.js';
import { depthPipeline, keyOf, queueGroupsPipeline, type CounterChange } from './counters.js';
import { eventFromDoc, newEventDoc, validDate, type EventDoc } from './documents.js';
import { applyCounters, insertChanges, insertDocs, newProgress, undoInsert } from './event-insert.js';
import {
  EXPIRED_LEASE_SORT,
  OVERDUE_SORT,
  cancelFilter,
  cancelUpdate,
  countByStatePipeline,
  encodeCursor,
  expiredLeaseFilter,
  heldFilter,
  listQuery,
  overdueFilter,
  queuedSinkTypesPipeline,
  releaseUpdate,
  runningAttemptFilter,
  stateCounts,
} from './event-queries.js';

const KEY_FIELDS = { sinkType: 1, tenantId: 1, eventType: 1, priority: 1 } as const;

/**
 * The events aggregate over MongoDB. Each state-changing call is one unit: a transaction on a
 * replica set or sharded cluster; on a standalone server, single-document writes with the
 * fallbacks described on each (an insert undoes itself when it fails half-way, a completion goes
 * through the outbox). Queue counters move with every state change.
 */
export function mongoEvents(connection: MongoConnection): EventStore {
  const events = connection.events;

  const insert = async (input: Parameters<EventStore['insert']>[0]): Promise<InsertResult[]> => {
    const docs = input.map((event) => newEventDoc(event));
    if (connection.transactions) {
      return retryKeyRaces(() =>
        connection.unit(async (session) => {
          const progress = await insertDocs(connection, docs, session);
          await applyCounters(connection, insertChanges(progress.inserted), session);
          return progress.results;
        }),
      );
    }
    return connection.run(async () => {
      const progress = newProgress();
      try {
        await insertDocs(connection, docs, undefined, progress);
      } catch (error) {
        await undoInsert(connection, progress).catch((undo: unknown) =>
          connection.logger.error('mongo store: undoing a failed insert failed; the next start recounts the queues', { error: String(undo) }),
        );
        throw error;
      }
      await applyCounters(connection, insertChanges(progress.inserted), undefined);
      return progress.results;
    });
  };

  return {
    insert: (input) => insert(input),

    get: (id, tenantId) =>
      connection.run(async () => {
        const doc = await events.findOne(tenantId === null ? { _id: id } : { _id: id, tenantId });
        return doc === null ? null : eventFromDoc(doc);
      }),

    list: (tenantId, input) =>
      connection.run(async () => {
        const { filter, sort, limit } = listQuery(tenantId, input);
        const docs = await events.find(filter, { sort, limit }).toArray();
        const more = docs.length === limit;
        const page = more ? docs.slice(0, limit - 1) : docs;
        const last = page.at(-1);
        return { items: page.map(eventFromDoc), nextCursor: more && last !== undefined ? encodeCursor(last.seq) : null };
      }),

    countByState: (tenantId) =>
      connection.run(async () => stateCounts(await events.aggregate<{ _id: EventState; count: number }>(countByStatePipeline(tenantId)).toArray())),

    claim: (request) => claimEvents(connection, request),

    held: (sinkId) => connection.run(async () => (await events.find(heldFilter(sinkId), { sort: { seq: 1 } }).toArray()).map(eventFromDoc)),

    complete: (completions) => completeEvents(connection, completions),

    release: (releases) => {
      const now = new Date();
      let updates: Array<ReturnType<typeof releaseUpdate>>;
      try {
        updates = releases.map((release) => releaseUpdate(release, now));
      } catch (error) {
        return Promise.reject(error);
      }
      return connection.unit(async (session) => {
        const results: boolean[] = [];
        const changes: CounterChange[] = [];
        for (const [i, release] of releases.entries()) {
          const before = await events.findOneAndUpdate(runningAttemptFilter(release.eventId, release.attempt), updates[i]!, { session, projection: KEY_FIELDS });
          results.push(before !== null);
          if (before !== null) changes.push({ key: keyOf(before), from: 'RUNNING', to: 'QUEUED' });
        }
        await applyCounters(connection, changes, session);
        return results;
      });
    },

    extendLeases: (sinkId, leaseExpiresAt) =>
      connection.run(async () => {
        const result = await events.updateMany(heldFilter(sinkId), { $set: { leaseExpiresAt: validDate(leaseExpiresAt, 'leaseExpiresAt') } });
        return result.matchedCount;
      }),

    expiredLeases: (now, limit) =>
      connection.run(async () => (await events.find(expiredLeaseFilter(now), { sort: EXPIRED_LEASE_SORT, limit }).toArray()).map(eventFromDoc)),

    queueGroups: (sinkType, tenantId) =>
      connection.run(() => connection.counters.aggregate<QueueGroup>(queueGroupsPipeline(sinkType, tenantId)).toArray()),

    depth: (tenantId, eventType) =>
      connection.run(async () => {
        const [row] = await connection.counters.aggregate<{ queued: number; running: number }>(depthPipeline(tenantId, eventType)).toArray();
        return { queued: row?.queued ?? 0, running: row?.running ?? 0 };
      }),

    overdue: (now, limit) =>
      connection.run(async () => (await events.find(overdueFilter(now), { sort: OVERDUE_SORT, limit }).toArray()).map(eventFromDoc)),

    cancel: (tenantId, id, at) => {
      let update: ReturnType<typeof cancelUpdate>;
      try {
        update = cancelUpdate(at);
      } catch (error) {
        return Promise.reject(error);
      }
      return connection.unit(async (session) => {
        const after = await events.findOneAndUpdate(cancelFilter(tenantId, id), update, { session, returnDocument: 'after' });
        if (after !== null) {
          await applyCounters(connection, [{ key: keyOf(after), from: 'QUEUED', to: 'ERROR' }], session);
          return { event: eventFromDoc(after), cancelled: true };
        }
        const doc: EventDoc | null = await events.findOne({ _id: id, tenantId }, { session });
        return doc === null ? null : { event: eventFromDoc(doc), cancelled: false };
      });
    },

    queuedSinkTypes: (olderThan, tenantId = null) =>
      connection.run(() => events.aggregate<{ sinkType: string; count: number }>(queuedSinkTypesPipeline(olderThan, tenantId)).toArray()),
  };
}
