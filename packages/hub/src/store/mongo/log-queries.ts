import type { Document, Filter, Sort } from 'mongodb';
import type { JsonObject, LogLevel, LogRecord } from '@nexomatic/core';
import type { LogChunk, LogQuery } from '../port.js';
import { isoToDate, validDate } from './documents.js';

/** A live log record as stored; `_id` is its key, so a repeated append is a duplicate key. */
export interface LogDoc {
  _id: string;
  tenantId: string;
  eventId: string;
  attempt: number;
  seq: number;
  time: Date;
  stream: LogRecord['stream'];
  level: LogLevel;
  /** The level's rank, for "at this level or above". */
  levelRank: number;
  message: string;
  /** JSON text, or null. */
  fields: string | null;
}

/** An archived chunk as stored, keyed by its blob name. */
export interface LogChunkDoc extends Omit<LogChunk, 'name'> {
  _id: string;
}

/** The levels in rank order. */
export const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warning', 'error'];

/** The rank of a level (`debug` 0 .. `error` 3). */
export const levelRank = (level: LogLevel): number => LEVELS.indexOf(level);

/** The `_id` of a log record: its `(eventId, attempt, seq)` key as a JSON array. */
export function logId(record: Pick<LogRecord, 'eventId' | 'attempt' | 'seq'>): string {
  return JSON.stringify([record.eventId, record.attempt, record.seq]);
}

/** The document of a log record of a tenant. */
export function logDoc(tenantId: string, record: LogRecord): LogDoc {
  return {
    _id: logId(record),
    tenantId,
    eventId: record.eventId,
    attempt: record.attempt,
    seq: record.seq,
    time: isoToDate(record.time, 'time'),
    stream: record.stream,
    level: record.level,
    levelRank: levelRank(record.level),
    message: record.message,
    fields: record.fields === undefined ? null : JSON.stringify(record.fields),
  };
}

/** The log record of a document. */
export function logFromDoc(doc: LogDoc): LogRecord {
  const record: LogRecord = {
    eventId: doc.eventId,
    attempt: doc.attempt,
    seq: doc.seq,
    time: doc.time.toISOString(),
    stream: doc.stream,
    level: doc.level,
    message: doc.message,
  };
  if (doc.fields !== null) record.fields = JSON.parse(doc.fields) as JsonObject;
  return record;
}

/** The records whose key does not lie in one of the attempt's archived chunks. */
export function dropArchived(records: readonly LogRecord[], chunks: ReadonlyArray<Pick<LogChunk, 'eventId' | 'attempt' | 'minSeq' | 'maxSeq'>>): LogRecord[] {
  return records.filter(
    (record) => !chunks.some((c) => c.eventId === record.eventId && c.attempt === record.attempt && record.seq >= c.minSeq && record.seq <= c.maxSeq),
  );
}

/**
 * A pattern matching `text` as a substring, ASCII letters in either case, nothing else special:
 * every other character is escaped, so `.` or `*` match only themselves.
 */
export function caseInsensitivePattern(text: string): string {
  return [...text]
    .map((ch) => {
      if (/[a-z]/i.test(ch)) return `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
      return ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
    })
    .join('');
}

/** The filter, order and limit of a log query: by event in `(attempt, seq)` order, else by tenant in `(time, eventId, attempt, seq)` order. */
export function logQuery(tenantId: string, query: LogQuery): { filter: Filter<LogDoc>; sort: Sort; limit: number } {
  const filter: Filter<LogDoc> = { tenantId };
  const and: Filter<LogDoc>[] = [];
  if (query.eventId !== undefined) filter.eventId = query.eventId;
  if (query.attempt !== undefined) filter.attempt = query.attempt;
  if (query.minLevel !== undefined) filter.levelRank = { $gte: levelRank(query.minLevel) };
  if (query.from !== undefined || query.to !== undefined) {
    filter.time = {
      ...(query.from === undefined ? {} : { $gte: validDate(query.from, 'from') }),
      ...(query.to === undefined ? {} : { $lt: validDate(query.to, 'to') }),
    };
  }
  if (query.text !== undefined && query.text !== '') filter.message = { $regex: caseInsensitivePattern(query.text) };
  const after = query.after;
  if (after !== undefined) {
    if (query.eventId !== undefined) {
      and.push({ $or: [{ attempt: { $gt: after.attempt } }, { attempt: after.attempt, seq: { $gt: after.seq } }] });
    } else {
      const t = isoToDate(after.time, 'after.time');
      and.push({
        $or: [
          { time: { $gt: t } },
          { time: t, eventId: { $gt: after.eventId } },
          { time: t, eventId: after.eventId, attempt: { $gt: after.attempt } },
          { time: t, eventId: after.eventId, attempt: after.attempt, seq: { $gt: after.seq } },
        ],
      });
    }
  }
  if (and.length > 0) filter.$and = and;
  const sort: Sort = query.eventId !== undefined ? { attempt: 1, seq: 1 } : { time: 1, eventId: 1, attempt: 1, seq: 1 };
  return { filter, sort, limit: query.limit };
}

/** Attempts with live records before `before`, oldest record first, across tenants. */
export function archivablePipeline(before: Date, limit: number): Document[] {
  return [
    { $match: { time: { $lt: validDate(before, 'before') } } },
    { $group: { _id: { tenantId: '$tenantId', eventId: '$eventId', attempt: '$attempt' }, first: { $min: '$time' } } },
    { $sort: { first: 1, '_id.eventId': 1, '_id.attempt': 1 } },
    { $limit: limit },
    { $project: { _id: 0, tenantId: '$_id.tenantId', eventId: '$_id.eventId', attempt: '$_id.attempt' } },
  ];
}

/** The filter and order of the archived chunks a log query may need. */
export function chunksQuery(tenantId: string, query: LogQuery): { filter: Filter<LogChunkDoc>; sort: Sort } {
  const filter: Filter<LogChunkDoc> = { tenantId };
  if (query.eventId !== undefined) filter.eventId = query.eventId;
  if (query.attempt !== undefined) filter.attempt = query.attempt;
  if (query.to !== undefined) filter.firstTime = { $lt: validDate(query.to, 'to') };
  if (query.from !== undefined) filter.lastTime = { $gte: validDate(query.from, 'from') };
  if (query.minLevel !== undefined) filter.levels = { $in: LEVELS.slice(levelRank(query.minLevel)) };
  const sort: Sort = query.eventId !== undefined ? { attempt: 1, minSeq: 1 } : { firstTime: 1, eventId: 1, attempt: 1, minSeq: 1 };
  return { filter, sort };
}

/** The document of an archived chunk. */
export function chunkDoc(chunk: LogChunk): LogChunkDoc {
  const { name, ...rest } = chunk;
  return { _id: name, ...rest, levels: [...chunk.levels] };
}

/** The chunk of a document. */
export function chunkFromDoc(doc: LogChunkDoc): LogChunk {
  const { _id, ...rest } = doc;
  return { name: _id, ...rest };
}
