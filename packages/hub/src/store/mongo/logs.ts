import type { MongoBulkWriteError } from 'mongodb';
import type { LogAttempt, LogStore } from '../port.js';
import type { MongoConnection } from './connection.js';
import { archivablePipeline, chunkDoc, chunkFromDoc, chunksQuery, dropArchived, logDoc, logFromDoc, logQuery, type LogChunkDoc, type LogDoc } from './log-queries.js';

/** Whether an unordered bulk insert failed only on duplicate keys (records appended before). */
export function onlyDuplicates(error: unknown): boolean {
  const bulk = error as Partial<Pick<MongoBulkWriteError, 'writeErrors' | 'writeConcernError' | 'code'>> | null;
  if (bulk === null || typeof bulk !== 'object' || bulk.writeErrors === undefined) return false;
  const errors = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors];
  return errors.length > 0 && errors.every((e) => e.code === 11000) && !bulk.writeConcernError;
}

/**
 * The logs aggregate over MongoDB: idempotent appends on `(eventId, attempt, seq)` (the key is the
 * document's `_id`; keys inside an archived chunk are dropped), queries on `logs_event` or
 * `logs_tenant_time`, and the archive index in `log_chunks`.
 */
export function mongoLogs(connection: MongoConnection): LogStore {
  const logs = connection.collection<LogDoc>('logs');
  const chunks = connection.collection<LogChunkDoc>('logChunks');
  return {
    /** The first record written for a key wins; repeats and archived keys are ignored. */
    append: (tenantId, records) =>
      connection.run(async () => {
        if (records.length === 0) return;
        const docs = records.map((record) => logDoc(tenantId, record));
        const attempts = [...new Map(records.map((r) => [JSON.stringify([r.eventId, r.attempt]), { eventId: r.eventId, attempt: r.attempt }])).values()];
        const archived = await chunks
          .find({ $or: attempts.map((a) => ({ eventId: a.eventId, attempt: a.attempt })) }, { projection: { eventId: 1, attempt: 1, minSeq: 1, maxSeq: 1 } })
          .toArray();
        const keep = new Set(dropArchived(records, archived).map((record) => JSON.stringify([record.eventId, record.attempt, record.seq])));
        const fresh = docs.filter((doc) => keep.has(doc._id));
        if (fresh.length === 0) return;
        try {
          await logs.insertMany(fresh, { ordered: false });
        } catch (error) {
          if (!onlyDuplicates(error)) throw error;
        }
      }),

    query: (tenantId, query) =>
      connection.run(async () => {
        const { filter, sort, limit } = logQuery(tenantId, query);
        return (await logs.find(filter, { sort, limit }).toArray()).map(logFromDoc);
      }),

    archivable: (before, limit) => connection.run(() => logs.aggregate<LogAttempt>(archivablePipeline(before, limit)).toArray()),

    /** The chunk is recorded first, then the records deleted; in one transaction where available. */
    archive: (chunk, seqs) =>
      connection.unit(async (session) => {
        const { _id, ...fields } = chunkDoc(chunk);
        await chunks.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true, session });
        if (seqs.length > 0) await logs.deleteMany({ eventId: chunk.eventId, attempt: chunk.attempt, seq: { $in: [...seqs] } }, { session });
      }),

    chunks: (tenantId, query) =>
      connection.run(async () => {
        const { filter, sort } = chunksQuery(tenantId, query);
        return (await chunks.find(filter, { sort }).toArray()).map(chunkFromDoc);
      }),
  };
}
