import { randomUUID } from 'node:crypto';
import type { ClientSession } from 'mongodb';
import { NexomaticError } from '@nexomatic/core';
import type { Completion } from '../port.js';
import { isDuplicateKey, type MongoConnection } from './connection.js';
import { keyOf, type CounterChange } from './counters.js';
import { newEventDoc, type EventDoc } from './documents.js';
import { IDEMPOTENCY_INDEX, applyCounters, insertChanges, insertDocs } from './event-insert.js';
import { completionUpdate, runningAttemptFilter } from './event-queries.js';
import { finishEntry, outboxKey, recoverEntry, type OutboxDoc } from './outbox.js';

/** How often a call is retried whole when a racing insert took an idempotency key it meant to use. */
export const KEY_RACE_RETRIES = 5;

const KEY_FIELDS = { sinkType: 1, tenantId: 1, eventType: 1, priority: 1 } as const;

interface Prepared {
  completion: Completion;
  followOns: EventDoc[];
}

/** Runs `fn` again when a transaction lost an idempotency-key race (the retry then sees the winner). */
export async function retryKeyRaces<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      if (attempt >= KEY_RACE_RETRIES || !isDuplicateKey(cause, IDEMPOTENCY_INDEX)) throw error;
    }
  }
}

/**
 * Applies completions: in one transaction for the whole call where the deployment has them (each
 * completion conditional on its `RUNNING` attempt, its follow-ons and the counters in the same
 * commit), else through the completion outbox (see `outbox.ts`). `true` for each that applied.
 */
export function completeEvents(connection: MongoConnection, completions: readonly Completion[]): Promise<boolean[]> {
  let prepared: Prepared[];
  try {
    prepared = completions.map((completion) => ({ completion, followOns: completion.followOns.map((event) => newEventDoc(event)) }));
  } catch (error) {
    return Promise.reject(error);
  }
  if (connection.transactions) return retryKeyRaces(() => connection.unit((session) => inTransaction(connection, prepared, session)));
  return connection.run(() => withOutbox(connection, prepared));
}

async function inTransaction(connection: MongoConnection, prepared: readonly Prepared[], session: ClientSession | undefined): Promise<boolean[]> {
  const results: boolean[] = [];
  const changes: CounterChange[] = [];
  for (const { completion, followOns } of prepared) {
    const before = await connection.events.findOneAndUpdate(
      runningAttemptFilter(completion.eventId, completion.attempt),
      completionUpdate(completion),
      { session, projection: KEY_FIELDS },
    );
    if (before === null) {
      results.push(false);
      continue;
    }
    changes.push({ key: keyOf(before), from: 'RUNNING', to: completion.outcome });
    const progress = await insertDocs(connection, followOns, session);
    changes.push(...insertChanges(progress.inserted));
    results.push(true);
  }
  await applyCounters(connection, changes, session);
  return results;
}

async function withOutbox(connection: MongoConnection, prepared: readonly Prepared[]): Promise<boolean[]> {
  // A follow-on whose id exists can never be inserted: refuse the call before anything applies.
  const ids = prepared.flatMap((p) => p.followOns.map((doc) => doc._id));
  if (ids.length > 0) {
    const clash = await connection.events.findOne({ _id: { $in: ids } }, { projection: { _id: 1 } });
    if (clash !== null) throw new NexomaticError('CONFLICT', `a follow-on event with id ${clash._id} exists`);
  }
  const results: boolean[] = [];
  for (const p of prepared) results.push(await completeOne(connection, p));
  return results;
}

async function completeOne(connection: MongoConnection, { completion, followOns }: Prepared): Promise<boolean> {
  const outbox = connection.collection<OutboxDoc>('outbox');
  const key = outboxKey(completion.eventId, completion.attempt);
  const token = randomUUID();
  const update = completionUpdate(completion, token);
  const entry: OutboxDoc = {
    _id: key,
    eventId: completion.eventId,
    attempt: completion.attempt,
    token,
    set: update.$set as OutboxDoc['set'],
    followOns,
    createdAt: new Date(),
    countersApplied: false,
  };
  try {
    await outbox.insertOne(entry);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // Another completion of this attempt is under way or crashed: finish it; this one is a duplicate.
    const existing = await outbox.findOne({ _id: key });
    if (existing !== null) await recoverEntry(connection, existing);
    return false;
  }
  const before = await connection.events.findOneAndUpdate(runningAttemptFilter(completion.eventId, completion.attempt), update, { projection: KEY_FIELDS });
  if (before === null) {
    const now = await connection.events.findOne({ _id: completion.eventId });
    if (now?.completedBy === token) {
      // The sweep applied this very entry meanwhile: finish it here.
      await finishEntry(connection, entry, keyOf(now), completion.outcome);
      return true;
    }
    await outbox.deleteOne({ _id: key, token });
    return false;
  }
  await finishEntry(connection, entry, keyOf(before), completion.outcome);
  return true;
}
