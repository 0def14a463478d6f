import { randomUUID } from 'node:crypto';
import { NexomaticError, type EventRecord } from '@nexomatic/core';
import type { ClaimRequest } from '../port.js';
import { CLAIM_SORT, claimFilter, claimIndexName, claimShape, claimUpdate } from './claim-query.js';
import type { MongoConnection } from './connection.js';
import { eventFromDoc, validDate, type EventDoc } from './documents.js';
import { keyOf } from './counters.js';
import { applyCounters } from './event-insert.js';

/** How many find-then-update rounds a claim runs when racing claimers took its candidates. */
export const CLAIM_ROUNDS = 4;

/** Claim order on documents: priority descending, then `seq` ascending. */
export function claimOrder(a: Pick<EventDoc, 'priority' | 'seq'>, b: Pick<EventDoc, 'priority' | 'seq'>): number {
  return b.priority - a.priority || a.seq.toHexString().localeCompare(b.seq.toHexString());
}

/**
 * A batched claim: find up to `limit` candidate ids on the claim index, in claim order; move them
 * to `RUNNING` with one `updateMany` whose filter repeats the whole claim predicate (so a document
 * another claimer took meanwhile no longer matches: every document's update is atomic and
 * re-checks `state: 'QUEUED'`); read back the documents carrying this claim's random id. An
 * attempt is therefore handed to exactly one claim, across processes. Candidates lost to a race
 * are replaced in up to {@link CLAIM_ROUNDS} rounds. The counters move in the same unit.
 */
export function claimEvents(connection: MongoConnection, request: ClaimRequest): Promise<EventRecord[]> {
  if (!Number.isInteger(request.limit) || request.limit < 0) {
    return Promise.reject(new NexomaticError('VALIDATION', 'limit: must be a non-negative integer', { details: { fields: ['limit'] } }));
  }
  if (request.limit === 0) return Promise.resolve([]);
  try {
    validDate(request.now, 'now');
    validDate(request.leaseExpiresAt, 'leaseExpiresAt');
  } catch (error) {
    return Promise.reject(error);
  }
  const filter = claimFilter(request);
  const hint = claimIndexName(claimShape(request));
  const claimId = randomUUID();
  const update = claimUpdate(request, claimId);
  const events = connection.events;
  return connection.unit(async (session) => {
    const claimed: EventDoc[] = [];
    for (let round = 0; round < CLAIM_ROUNDS && claimed.length < request.limit; round++) {
      const wanted = request.limit - claimed.length;
      const candidates = await events.find(filter, { sort: CLAIM_SORT, limit: wanted, projection: { _id: 1 }, hint, session }).toArray();
      if (candidates.length === 0) break;
      const ids = candidates.map((candidate) => candidate._id);
      await events.updateMany({ ...filter, _id: { $in: ids } }, update, { session });
      const won = await events.find({ _id: { $in: ids }, claimId }, { session }).toArray();
      claimed.push(...won);
      // Fewer candidates than wanted and none lost: the queue has no more.
      if (candidates.length < wanted && won.length === candidates.length) break;
    }
    await applyCounters(connection, claimed.map((doc) => ({ key: keyOf(doc), from: 'QUEUED' as const, to: 'RUNNING' as const })), session);
    return claimed.sort(claimOrder).map(eventFromDoc);
  });
}
