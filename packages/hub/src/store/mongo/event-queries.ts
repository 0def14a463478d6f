import { ObjectId, type Document, type Filter, type Sort, type UpdateFilter } from 'mongodb';
import { EventQuery, NexomaticError, parse, type EventState } from '@nexomatic/core';
import type { Completion, Release } from '../port.js';
import { EPOCH, isoToDate, validDate, validDateOrNull, type EventDoc } from './documents.js';

/** The attempt a completion or release names, still `RUNNING`: the condition of both. */
export function runningAttemptFilter(eventId: string, attempt: number): Filter<EventDoc> {
  return { _id: eventId, attempt, state: 'RUNNING' };
}

/**
 * The update of an applied completion: the outcome, result, error and warnings, finished at
 * `finishedAt`, lease and deadline cleared. `completedBy` names the outbox entry that applied it
 * (standalone servers; see `outbox.ts`).
 */
export function completionUpdate(completion: Completion, completedBy?: string): UpdateFilter<EventDoc> {
  const finishedAt = validDate(completion.finishedAt, 'finishedAt');
  return {
    $set: {
      state: completion.outcome,
      result: completion.result === null ? null : JSON.stringify(completion.result),
      error: completion.error === null ? null : JSON.stringify(completion.error),
      warnings: [...completion.warnings],
      finishedAt,
      updatedAt: finishedAt,
      leaseExpiresAt: null,
      deadlineAt: null,
      ...(completedBy === undefined ? {} : { completedBy }),
    },
  };
}

/** The update of an applied release: back to `QUEUED`, claimable from `notBefore`. */
export function releaseUpdate(release: Release, now: Date): UpdateFilter<EventDoc> {
  const notBefore = validDateOrNull(release.notBefore, 'notBefore');
  const unclaim = release.unclaim === true;
  return {
    $set: {
      state: 'QUEUED',
      sinkId: null,
      leaseExpiresAt: null,
      deadlineAt: null,
      notBefore,
      claimableAt: notBefore ?? EPOCH,
      updatedAt: now,
      // The release names the attempt, so whether it is the first is known here.
      ...(unclaim && release.attempt === 1 ? { startedAt: null } : {}),
    },
    ...(unclaim ? { $inc: { attempt: -1 } } : {}),
  };
}

/** The error a cancelled event ends with. */
export const CANCELLED_ERROR = { code: 'CANCELLED', message: 'cancelled while QUEUED' } as const;

/** The condition of a cancel: the tenant's event, still `QUEUED`. */
export function cancelFilter(tenantId: string, id: string): Filter<EventDoc> {
  return { _id: id, tenantId, state: 'QUEUED' };
}

/** The update of an applied cancel: `ERROR` with code `CANCELLED`, finished at `at`. */
export function cancelUpdate(at: Date): UpdateFilter<EventDoc> {
  const when = validDate(at, 'at');
  return { $set: { state: 'ERROR', error: JSON.stringify(CANCELLED_ERROR), finishedAt: when, updatedAt: when } };
}

/** The `RUNNING` events a sink holds (index `events_held`). */
export function heldFilter(sinkId: string): Filter<EventDoc> {
  return { state: 'RUNNING', sinkId };
}

/** `RUNNING` events whose lease ended before `now` (index `events_lease`), oldest lease first. */
export function expiredLeaseFilter(now: Date): Filter<EventDoc> {
  return { state: 'RUNNING', leaseExpiresAt: { $lt: validDate(now, 'now') } };
}

/** The order of {@link expiredLeaseFilter}. */
export const EXPIRED_LEASE_SORT = { leaseExpiresAt: 1, seq: 1 } as const satisfies Sort;

/** `RUNNING` events past their attempt deadline (index `events_deadline`), oldest deadline first. */
export function overdueFilter(now: Date): Filter<EventDoc> {
  return { state: 'RUNNING', deadlineAt: { $lt: validDate(now, 'now') } };
}

/** The order of {@link overdueFilter}. */
export const OVERDUE_SORT = { deadlineAt: 1, seq: 1 } as const satisfies Sort;

/** The opaque cursor of a list page: the `seq` of its last event, base64url-encoded. */
export function encodeCursor(seq: ObjectId, prefix = 'seq'): string {
  return Buffer.from(`${prefix}:${seq.toHexString()}`).toString('base64url');
}

/** The `seq` a cursor stands for; a `VALIDATION` error naming `cursor` when it is not one of ours. */
export function decodeCursor(cursor: string, prefix = 'seq', what = 'event query'): ObjectId {
  const match = new RegExp(`^${prefix}:([0-9a-f]{24})$`).exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match === null) {
    throw new NexomaticError('VALIDATION', `invalid ${what}: cursor: not a cursor from this store`, { details: { fields: ['cursor'] } });
  }
  return ObjectId.createFromHexString(match[1]!);
}

/** The filter, order and page size of an event list; the filters pick the matching list index. */
export function listQuery(tenantId: string, input: EventQuery): { filter: Filter<EventDoc>; sort: Sort; limit: number } {
  const query = parse(EventQuery, input, 'event query');
  const filter: Filter<EventDoc> = { tenantId };
  if (query.state !== undefined) filter.state = query.state;
  if (query.eventType !== undefined) filter.eventType = query.eventType;
  if (query.sinkId !== undefined) filter.sinkId = query.sinkId;
  if (query.sourceType !== undefined) filter.sourceType = query.sourceType;
  if (query.rootEventId !== undefined) filter.rootEventId = query.rootEventId;
  if (query.parentEventId !== undefined) filter.parentEventId = query.parentEventId;
  if (query.createdFrom !== undefined || query.createdTo !== undefined) {
    filter.createdAt = {
      ...(query.createdFrom === undefined ? {} : { $gte: isoToDate(query.createdFrom, 'createdFrom') }),
      ...(query.createdTo === undefined ? {} : { $lt: isoToDate(query.createdTo, 'createdTo') }),
    };
  }
  if (query.cursor !== undefined) filter.seq = { $lt: decodeCursor(query.cursor) };
  // One more than the page tells whether a next page exists.
  return { filter, sort: { seq: -1 }, limit: query.limit + 1 };
}

/** Counts a tenant's events per state (index `events_tenant_state`). */
export function countByStatePipeline(tenantId: string): Document[] {
  return [{ $match: { tenantId } }, { $group: { _id: '$state', count: { $sum: 1 } } }];
}

/** Every state at zero, then the counts of {@link countByStatePipeline}. */
export function stateCounts(rows: ReadonlyArray<{ _id: EventState; count: number }>): Record<EventState, number> {
  const counts: Record<EventState, number> = { QUEUED: 0, RUNNING: 0, SUCCESS: 0, WARNING: 0, ERROR: 0 };
  for (const row of rows) counts[row._id] = row.count;
  return counts;
}

/** The queued events per Sink Type created before `olderThan` (index `events_queued_age`). */
export function queuedSinkTypesPipeline(olderThan: Date, tenantId: string | null): Document[] {
  return [
    { $match: { state: 'QUEUED', createdAt: { $lt: validDate(olderThan, 'olderThan') }, ...(tenantId === null ? {} : { tenantId }) } },
    { $group: { _id: '$sinkType', count: { $sum: 1 } } },
    { $sort: { _id: 1 } },
    { $project: { _id: 0, sinkType: '$_id', count: 1 } },
  ];
}
