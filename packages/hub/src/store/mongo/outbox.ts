import type { Document } from 'mongodb';
import type { MongoConnection } from './connection.js';
import { isDuplicateKey } from './connection.js';
import { keyOf, type CounterChange, type CounterKey } from './counters.js';
import type { EventDoc } from './documents.js';
import { applyCounters, insertDocs } from './event-insert.js';
import { runningAttemptFilter } from './event-queries.js';

/**
 * # The completion outbox (standalone servers)
 *
 * A standalone `mongod` has no multi-document transactions, so a completion and its follow-on
 * events cannot commit together. Instead, a completion first writes an outbox entry keyed by
 * `eventId:attempt` holding everything it will do (the event's update, the follow-on documents
 * with their ids); then applies the update to the event, conditional on `(eventId, attempt,
 * RUNNING)` and stamping `completedBy` with the entry's random token; then inserts the follow-ons (skipping ids that
 * exist); then moves the counters (at most once, guarded by `countersApplied` on the entry); then
 * deletes the entry. Every step is idempotent, so whoever finds an entry (the same call, the
 * store's sweep, or another hub at start) can finish it: a crash between any two steps neither
 * loses nor duplicates a follow-on, and the event's `completedBy` says whether the completion
 * applied. A duplicate completion finds the entry (or the event no longer `RUNNING` with that
 * attempt) and returns false.
 */
export interface OutboxDoc {
  /** {@link outboxKey} of the completion. */
  _id: string;
  eventId: string;
  attempt: number;
  /** A random id of this entry, stamped on the event as `completedBy` when the completion applies. */
  token: string;
  /** The `$set` of the event's completion update, `completedBy` included. */
  set: Document;
  /** The follow-on documents, ids and `seq` fixed, so a replay inserts the same ones. */
  followOns: EventDoc[];
  createdAt: Date;
  /** True once an actor took the counter update (at most once). */
  countersApplied: boolean;
}

/** The outbox key of an attempt's completion. */
export function outboxKey(eventId: string, attempt: number): string {
  return `${eventId}:${attempt}`;
}

/** What recovering an entry does, given the event as it is now. */
export type RecoveryStep = 'apply' | 'finish' | 'discard';

/**
 * The recovery of an outbox entry: `finish` (insert follow-ons, counters, delete) when the event
 * carries the entry's token in `completedBy`; `apply` first when the event is still `RUNNING` with
 * the entry's attempt (the crash came before the event's update); else `discard` (the attempt ended
 * another way, or the event is unknown).
 */
export function recoveryStep(entry: Pick<OutboxDoc, 'token' | 'attempt'>, event: Pick<EventDoc, 'state' | 'attempt' | 'completedBy'> | null): RecoveryStep {
  if (event === null) return 'discard';
  if (event.completedBy === entry.token) return 'finish';
  if (event.state === 'RUNNING' && event.attempt === entry.attempt) return 'apply';
  return 'discard';
}

const KEY_FIELDS = { sinkType: 1, tenantId: 1, eventType: 1, priority: 1 } as const;

/**
 * Inserts the entry's follow-ons that do not exist yet, moves the counters once and deletes the
 * entry. `parent` is the completed event's counter key.
 */
export async function finishEntry(connection: MongoConnection, entry: OutboxDoc, parent: CounterKey, outcome: string): Promise<void> {
  const events = connection.events;
  const outbox = connection.collection<OutboxDoc>('outbox');
  const ids = entry.followOns.map((doc) => doc._id);
  const present = async () => new Set((await events.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id));
  if (ids.length > 0) {
    const existing = await present();
    for (const doc of entry.followOns) {
      if (existing.has(doc._id)) continue;
      try {
        await insertDocs(connection, [doc], undefined);
      } catch (error) {
        // Another actor finishing the same entry inserted it first.
        if (!isDuplicateKey(error, '_id_')) throw error;
      }
    }
  }
  const took = await outbox.findOneAndUpdate({ _id: entry._id, token: entry.token, countersApplied: false }, { $set: { countersApplied: true } });
  if (took !== null) {
    const born = ids.length > 0 ? await present() : new Set<string>();
    const changes: CounterChange[] = [{ key: parent, from: 'RUNNING', to: outcome as EventDoc['state'] }];
    for (const doc of entry.followOns) if (born.has(doc._id)) changes.push({ key: keyOf(doc), from: null, to: doc.state });
    await applyCounters(connection, changes, undefined);
  }
  await outbox.deleteOne({ _id: entry._id, token: entry.token });
}

/** Recovers one outbox entry: see {@link recoveryStep}. */
export async function recoverEntry(connection: MongoConnection, entry: OutboxDoc): Promise<RecoveryStep> {
  const events = connection.events;
  const event = await events.findOne({ _id: entry.eventId });
  const step = recoveryStep(entry, event);
  const outcome = String(entry.set.state);
  if (step === 'discard') {
    await connection.collection<OutboxDoc>('outbox').deleteOne({ _id: entry._id, token: entry.token });
  } else if (step === 'finish') {
    await finishEntry(connection, entry, keyOf(event!), outcome);
  } else {
    const before = await events.findOneAndUpdate(runningAttemptFilter(entry.eventId, entry.attempt), { $set: entry.set }, { projection: KEY_FIELDS });
    if (before !== null) await finishEntry(connection, entry, keyOf(before), outcome);
    else return recoverEntry(connection, entry);
  }
  return step;
}

/** Recovers the outbox entries written at or before `olderThan`, oldest first, up to `limit`; returns how many. */
export async function recoverOutbox(connection: MongoConnection, olderThan: Date, limit = 500): Promise<number> {
  const entries = await connection
    .collection<OutboxDoc>('outbox')
    .find({ createdAt: { $lte: olderThan } }, { sort: { createdAt: 1 }, limit })
    .toArray();
  for (const entry of entries) await recoverEntry(connection, entry);
  if (entries.length > 0) connection.logger.info('mongo store: recovered completion outbox entries', { count: entries.length });
  return entries.length;
}
