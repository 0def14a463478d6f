import { z } from 'zod';
import { LogLevel, NexomaticError, type LogRecord } from '@nexomatic/core';
import type { LogChunk, LogPosition, LogQuery } from '../store/port.js';

/** Most records one log query returns. */
export const MAX_LOG_PAGE = 10_000;

/** A log query as the API takes it (`logs.query`); times are ISO strings, paging by an opaque cursor. */
export const LogQueryInput = z.object({
  /** Only this event's records, in `(attempt, seq)` order; without it, the tenant's records in time order. */
  eventId: z.string().min(1).max(100).optional(),
  /** Only this attempt (with `eventId`). */
  attempt: z.number().int().min(1).optional(),
  /** Only records at this level or above. */
  minLevel: LogLevel.optional(),
  /** Only records at or after this time. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Only records before this time. */
  to: z.iso.datetime({ offset: true }).optional(),
  /** Only records whose message contains this text (ASCII case ignored, no wildcards). */
  text: z.string().min(1).max(1000).optional(),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(1000).optional(),
  /** Most records in the page. @default 1000 */
  limit: z.number().int().min(1).max(MAX_LOG_PAGE).default(1000),
});
/** A log query as the API takes it. */
export type LogQueryInput = z.input<typeof LogQueryInput>;

/** A page of log records and the cursor of the next one (null at the end). */
export interface LogPage {
  items: LogRecord[];
  nextCursor: string | null;
}

const Position = z.object({ t: z.iso.datetime(), e: z.string(), a: z.number().int().min(1), s: z.number().int().min(0) });

/** The opaque cursor after `record`. */
export function encodeCursor(record: LogPosition): string {
  return Buffer.from(JSON.stringify({ t: record.time, e: record.eventId, a: record.attempt, s: record.seq })).toString('base64url');
}

/** The position a cursor stands for; a malformed one is a `VALIDATION` error naming `cursor`. */
export function decodeCursor(cursor: string): LogPosition {
  try {
    const p = Position.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { time: p.t, eventId: p.e, attempt: p.a, seq: p.s };
  } catch {
    throw new NexomaticError('VALIDATION', 'invalid log query: cursor: not a cursor this hub issued');
  }
}

/** The store query of an API query. */
export function toLogQuery(input: z.output<typeof LogQueryInput>): LogQuery {
  if (input.attempt !== undefined && input.eventId === undefined) {
    throw new NexomaticError('VALIDATION', 'invalid log query: attempt: needs eventId');
  }
  return {
    ...(input.eventId !== undefined ? { eventId: input.eventId } : {}),
    ...(input.attempt !== undefined ? { attempt: input.attempt } : {}),
    ...(input.minLevel !== undefined ? { minLevel: input.minLevel } : {}),
    ...(input.from !== undefined ? { from: new Date(input.from) } : {}),
    ...(input.to !== undefined ? { to: new Date(input.to) } : {}),
    ...(input.text !== undefined ? { text: input.text } : {}),
    ...(input.cursor !== undefined ? { after: decodeCursor(input.cursor) } : {}),
    limit: input.limit,
  };
}

const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/** Compares two records (or positions) in a query's order: `(attempt, seq)` for one event, else `(time, eventId, attempt, seq)`. */
export function comparator(query: Pick<LogQuery, 'eventId'>): (a: LogPosition, b: LogPosition) => number {
  if (query.eventId !== undefined) return (a, b) => cmp(a.attempt, b.attempt) || cmp(a.seq, b.seq);
  return (a, b) => cmp(Date.parse(a.time), Date.parse(b.time)) || cmp(a.eventId, b.eventId) || cmp(a.attempt, b.attempt) || cmp(a.seq, b.seq);
}

/** A position no record of `chunk` comes before, in the query's order. */
export function chunkLowerBound(chunk: LogChunk): LogPosition {
  return { time: chunk.firstTime.toISOString(), eventId: chunk.eventId, attempt: chunk.attempt, seq: chunk.minSeq };
}

/** `text` with ASCII letters lowered, as SQL's LIKE compares. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Whether a record matches every filter of a query, `after` included. */
export function matcher(query: LogQuery): (record: LogRecord) => boolean {
  const order = comparator(query);
  const levels = query.minLevel ? LogLevel.options.slice(LogLevel.options.indexOf(query.minLevel)) : null;
  const text = query.text ? asciiLower(query.text) : null;
  return (record) => {
    if (query.eventId !== undefined && record.eventId !== query.eventId) return false;
    if (query.attempt !== undefined && record.attempt !== query.attempt) return false;
    if (levels && !levels.includes(record.level)) return false;
    const ms = Date.parse(record.time);
    if (query.from && ms < query.from.getTime()) return false;
    if (query.to && ms >= query.to.getTime()) return false;
    if (text !== null && !asciiLower(record.message).includes(text)) return false;
    return !(query.after && order(record, query.after) <= 0);
  };
}
