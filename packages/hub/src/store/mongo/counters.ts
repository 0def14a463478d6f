import type { AnyBulkWriteOperation, Document } from 'mongodb';
import type { EventState } from '@nexomatic/core';
import type { EventDoc } from './documents.js';

/**
 * One row of the `queue_counts` collection: the `QUEUED` and `RUNNING` events of one Sink Type,
 * tenant, Event Type and priority. A queue group is the sum of its rows; its top priority is the
 * highest row with queued events. Rows that drop to zero stay (one per distinct priority seen).
 */
export interface CounterDoc {
  /** {@link counterId} of the four key fields. */
  _id: string;
  sinkType: string;
  tenantId: string;
  eventType: string;
  priority: number;
  queued: number;
  running: number;
}

/** The key fields of an event that pick its counter row; they never change after insert. */
export type CounterKey = Pick<EventDoc, 'sinkType' | 'tenantId' | 'eventType' | 'priority'>;

/** One state change of one event, as the counters see it. `from` is null for an insert. */
export interface CounterChange {
  key: CounterKey;
  from: EventState | null;
  to: EventState;
}

/** The `_id` of a counter row: the key fields as a JSON array (unambiguous for any strings). */
export function counterId(key: CounterKey): string {
  return JSON.stringify([key.sinkType, key.tenantId, key.eventType, key.priority]);
}

const bucket = (state: EventState | null, of: 'QUEUED' | 'RUNNING'): number => (state === of ? 1 : 0);

/**
 * The bulk writes that apply state changes to the counters: one upserting `$inc` per row whose
 * totals change (changes of one row are summed first; rows that net to zero are left alone).
 */
export function counterOps(changes: readonly CounterChange[]): AnyBulkWriteOperation<CounterDoc>[] {
  const rows = new Map<string, { key: CounterKey; queued: number; running: number }>();
  for (const { key, from, to } of changes) {
    const id = counterId(key);
    const row = rows.get(id) ?? { key, queued: 0, running: 0 };
    row.queued += bucket(to, 'QUEUED') - bucket(from, 'QUEUED');
    row.running += bucket(to, 'RUNNING') - bucket(from, 'RUNNING');
    rows.set(id, row);
  }
  const ops: AnyBulkWriteOperation<CounterDoc>[] = [];
  for (const [id, { key, queued, running }] of rows) {
    if (queued === 0 && running === 0) continue;
    ops.push({
      updateOne: {
        filter: { _id: id },
        update: {
          $inc: { queued, running },
          $setOnInsert: { sinkType: key.sinkType, tenantId: key.tenantId, eventType: key.eventType, priority: key.priority },
        },
        upsert: true,
      },
    });
  }
  return ops;
}

/** The counter key of an event document. */
export function keyOf(doc: CounterKey): CounterKey {
  return { sinkType: doc.sinkType, tenantId: doc.tenantId, eventType: doc.eventType, priority: doc.priority };
}

/**
 * The queue groups of a Sink Type (of one tenant, when given) with queued events, from the counter
 * rows (index `queue_counts_group`), in `(tenantId, eventType)` order, shaped as `QueueGroup`s.
 */
export function queueGroupsPipeline(sinkType: string, tenantId: string | null): Document[] {
  return [
    { $match: { sinkType, ...(tenantId === null ? {} : { tenantId }) } },
    {
      $group: {
        _id: { tenantId: '$tenantId', eventType: '$eventType' },
        queued: { $sum: '$queued' },
        running: { $sum: '$running' },
        topPriority: { $max: { $cond: [{ $gt: ['$queued', 0] }, '$priority', null] } },
      },
    },
    { $match: { queued: { $gt: 0 } } },
    { $sort: { '_id.tenantId': 1, '_id.eventType': 1 } },
    {
      $project: {
        _id: 0,
        tenantId: '$_id.tenantId',
        eventType: '$_id.eventType',
        queued: 1,
        running: 1,
        topPriority: { $ifNull: ['$topPriority', 0] },
      },
    },
  ];
}

/** The queued and running totals of a tenant (or of one of its Event Types), across Sink Types (index `queue_counts_tenant`). */
export function depthPipeline(tenantId: string, eventType: string | undefined): Document[] {
  return [
    { $match: { tenantId, ...(eventType === undefined ? {} : { eventType }) } },
    { $group: { _id: null, queued: { $sum: '$queued' }, running: { $sum: '$running' } } },
  ];
}

/** The partial index each state's recount walks, so a recount costs the queued and running events only. */
export const RECOUNT_HINTS = { QUEUED: 'events_queued_age', RUNNING: 'events_held' } as const;

/**
 * Counts the events of one state per counter row (a standalone server cannot keep the counters in
 * the same unit as the events, so a crash between the two writes is repaired by a recount at
 * start). Run with the hint of {@link RECOUNT_HINTS}.
 */
export function recountPipeline(state: keyof typeof RECOUNT_HINTS): Document[] {
  return [
    { $match: { state } },
    {
      $group: {
        _id: { sinkType: '$sinkType', tenantId: '$tenantId', eventType: '$eventType', priority: '$priority' },
        count: { $sum: 1 },
      },
    },
  ];
}

/** A row of {@link recountPipeline}. */
export interface RecountRow {
  _id: CounterKey;
  count: number;
}

/** The queued and running recounts merged per counter row. */
export function mergeRecounts(queued: readonly RecountRow[], running: readonly RecountRow[]): Array<{ _id: CounterKey; queued: number; running: number }> {
  const rows = new Map<string, { _id: CounterKey; queued: number; running: number }>();
  const add = (list: readonly RecountRow[], field: 'queued' | 'running') => {
    for (const { _id, count } of list) {
      const id = counterId(_id);
      const row = rows.get(id) ?? { _id: keyOf(_id), queued: 0, running: 0 };
      row[field] += count;
      rows.set(id, row);
    }
  };
  add(queued, 'queued');
  add(running, 'running');
  return [...rows.values()];
}

/**
 * The writes that make the counters equal to a recount: every counted row set to its totals, every
 * other row set to zero.
 */
export function recountOps(
  counted: ReadonlyArray<{ _id: CounterKey; queued: number; running: number }>,
  existingIds: readonly string[],
): AnyBulkWriteOperation<CounterDoc>[] {
  const seen = new Set<string>();
  const ops: AnyBulkWriteOperation<CounterDoc>[] = counted.map(({ _id: key, queued, running }) => {
    const id = counterId(key);
    seen.add(id);
    return {
      updateOne: {
        filter: { _id: id },
        update: { $set: { queued, running, ...keyOf(key) } },
        upsert: true,
      },
    };
  });
  for (const id of existingIds) {
    if (!seen.has(id)) ops.push({ updateOne: { filter: { _id: id }, update: { $set: { queued: 0, running: 0 } } } });
  }
  return ops;
}
