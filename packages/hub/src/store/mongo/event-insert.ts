import type { ClientSession, Filter } from 'mongodb';
import type { InsertResult } from '../port.js';
import { isDuplicateKey, type MongoConnection } from './connection.js';
import { counterOps, keyOf, type CounterChange } from './counters.js';
import type { EventDoc } from './documents.js';

/** The name of the unique index on `(tenantId, idempotencyKey)`. */
export const IDEMPOTENCY_INDEX = 'events_idempotency';

/** The lookup of the event holding an idempotency key; it states the index's partial filter literally. */
export function idempotencyFilter(tenantId: string, key: string): Filter<EventDoc> {
  return { tenantId, idempotencyKey: { $type: 'string', $eq: key } };
}

/** A key taken from an event whose window had passed, so a failed call can give it back. */
export interface TakenKey {
  id: string;
  key: string;
  until: Date | null;
}

/** What an insert did so far; filled in as it goes, so a standalone fallback can undo it. */
export interface InsertProgress {
  results: InsertResult[];
  /** The documents inserted by this call, in order. */
  inserted: EventDoc[];
  taken: TakenKey[];
}

/** An empty {@link InsertProgress}. */
export function newProgress(): InsertProgress {
  return { results: [], inserted: [], taken: [] };
}

/**
 * How many documents an ordered `insertMany` inserted before it failed (they are the first ones).
 * Zero when the error does not say.
 */
export function insertedBefore(error: unknown): number {
  const count = (error as { insertedCount?: unknown; result?: { insertedCount?: unknown } } | null)?.insertedCount ??
    (error as { result?: { insertedCount?: unknown } } | null)?.result?.insertedCount;
  return typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : 0;
}

/**
 * Splits documents into the runs an insert writes: consecutive documents without an idempotency
 * key go together in one `insertMany`; a keyed document is a run of its own (it needs a lookup).
 */
export function insertRuns(docs: readonly EventDoc[]): EventDoc[][] {
  const runs: EventDoc[][] = [];
  for (const doc of docs) {
    const last = runs.at(-1);
    if (doc.idempotencyKey === undefined && last !== undefined && last[0]!.idempotencyKey === undefined) last.push(doc);
    else runs.push([doc]);
  }
  return runs;
}

/**
 * Inserts event documents in order, honouring idempotency keys: a key held by an event whose
 * window is still ahead of the new event's `createdAt` (or that has no window) returns that
 * event's id; a key whose window has passed is taken from the old event first. Documents without
 * a key are written in batches (one ordered `insertMany` per run, see {@link insertRuns}). With a
 * session the caller's transaction makes it one unit (and a racing insert of the same key aborts
 * it, to be retried); without one, a duplicate-key race on the key resolves to the winner, and
 * `progress` tells the caller's undo what was written before a failure.
 */
export async function insertDocs(
  connection: MongoConnection,
  docs: readonly EventDoc[],
  session: ClientSession | undefined,
  progress: InsertProgress = newProgress(),
): Promise<InsertProgress> {
  const events = connection.events;
  const inserted = (run: readonly EventDoc[]) => {
    for (const doc of run) {
      progress.results.push({ id: doc._id, created: true });
      progress.inserted.push(doc);
    }
  };
  for (const run of insertRuns(docs)) {
    const doc = run[0]!;
    const key = doc.idempotencyKey;
    if (key === undefined) {
      try {
        await events.insertMany(run, { session, ordered: true });
      } catch (error) {
        inserted(run.slice(0, insertedBefore(error)));
        throw error;
      }
      inserted(run);
      continue;
    }
    const existing = await events.findOne(idempotencyFilter(doc.tenantId, key), { session, projection: { _id: 1, idempotencyUntil: 1 } });
    if (existing !== null) {
      const until = existing.idempotencyUntil ?? null;
      if (until === null || until.getTime() > doc.createdAt.getTime()) {
        progress.results.push({ id: existing._id, created: false });
        continue;
      }
      await events.updateOne({ _id: existing._id, idempotencyKey: key }, { $unset: { idempotencyKey: '', idempotencyUntil: '' } }, { session });
      progress.taken.push({ id: existing._id, key, until });
    }
    try {
      await events.insertOne(doc, { session });
    } catch (error) {
      if (session !== undefined || !isDuplicateKey(error, IDEMPOTENCY_INDEX)) throw error;
      const winner = await events.findOne(idempotencyFilter(doc.tenantId, key), { projection: { _id: 1 } });
      if (winner === null) throw error;
      progress.results.push({ id: winner._id, created: false });
      continue;
    }
    inserted(run);
  }
  return progress;
}

/** The counter changes of inserted documents: each enters the bucket of its first state. */
export function insertChanges(docs: readonly EventDoc[]): CounterChange[] {
  return docs.map((doc) => ({ key: keyOf(doc), from: null, to: doc.state }));
}

/** Applies counter changes in one unordered bulk write (in the caller's transaction, when given). */
export async function applyCounters(connection: MongoConnection, changes: readonly CounterChange[], session: ClientSession | undefined): Promise<void> {
  const ops = counterOps(changes);
  if (ops.length > 0) await connection.counters.bulkWrite(ops, { session, ordered: false });
}

/**
 * Undoes what a failed standalone insert did: deletes the documents it inserted that are still
 * unclaimed, gives taken idempotency keys back, and counts the documents a claimer already took.
 */
export async function undoInsert(connection: MongoConnection, progress: InsertProgress): Promise<void> {
  const events = connection.events;
  const ids = progress.inserted.map((doc) => doc._id);
  if (ids.length > 0) await events.deleteMany({ _id: { $in: ids }, attempt: 0 });
  for (const taken of progress.taken) {
    await events.updateOne(
      { _id: taken.id, idempotencyKey: { $exists: false } },
      { $set: { idempotencyKey: taken.key, idempotencyUntil: taken.until } },
    );
  }
  if (ids.length === 0) return;
  const kept = new Set((await events.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id));
  await applyCounters(connection, insertChanges(progress.inserted.filter((doc) => kept.has(doc._id))), undefined);
}
