import { LogLevel, type JsonObject, type LogRecord } from '@nexomatic/core';
import type { LogAttempt, LogChunk, LogQuery, LogStore } from '../port.js';
import type { Connection } from './connection.js';
import { isoToMs, toIso } from './rows.js';

interface LogRow {
  event_id: string;
  attempt: number;
  seq: number;
  time: number;
  stream: LogRecord['stream'];
  level: LogRecord['level'];
  message: string;
  fields: string | null;
}

interface ChunkRow {
  name: string;
  tenant_id: string;
  event_id: string;
  attempt: number;
  min_seq: number;
  max_seq: number;
  count: number;
  first_time: number;
  last_time: number;
  levels: string;
  bytes: number;
  archived_at: number;
}

/** Inserts a record unless its key exists, live or in an archived chunk's seq range. */
const APPEND = `INSERT OR IGNORE INTO logs (tenant_id, event_id, attempt, seq, time, stream, level, message, fields)
  SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
  WHERE NOT EXISTS (SELECT 1 FROM log_chunks WHERE event_id = ? AND attempt = ? AND min_seq <= ? AND max_seq >= ?)`;

const CHUNK_INSERT = `INSERT OR IGNORE INTO log_chunks
  (name, tenant_id, event_id, attempt, min_seq, max_seq, count, first_time, last_time, levels, bytes, archived_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const DELETE_ONE = 'DELETE FROM logs WHERE event_id = ? AND attempt = ? AND seq = ?';

/** How many of the oldest records `archivable` looks at to find distinct attempts. */
const ARCHIVABLE_WINDOW = 5000;

function logFromRow(row: LogRow): LogRecord {
  const record: LogRecord = {
    eventId: row.event_id,
    attempt: row.attempt,
    seq: row.seq,
    time: toIso(row.time),
    stream: row.stream,
    level: row.level,
    message: row.message,
  };
  if (row.fields !== null) record.fields = JSON.parse(row.fields) as JsonObject;
  return record;
}

function chunkFromRow(row: ChunkRow): LogChunk {
  return {
    name: row.name,
    tenantId: row.tenant_id,
    eventId: row.event_id,
    attempt: row.attempt,
    minSeq: row.min_seq,
    maxSeq: row.max_seq,
    count: row.count,
    firstTime: new Date(row.first_time),
    lastTime: new Date(row.last_time),
    levels: JSON.parse(row.levels) as LogChunk['levels'],
    bytes: row.bytes,
    archivedAt: new Date(row.archived_at),
  };
}

/** The levels at or above `min`. */
export function levelsFrom(min: LogLevel): LogLevel[] {
  return LogLevel.options.slice(LogLevel.options.indexOf(min));
}

/** `text` as a LIKE pattern that matches it anywhere, with `\` escaping LIKE's wildcards. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A WHERE clause of a tenant's rows, built one condition at a time. */
class Where {
  private readonly clauses = ['tenant_id = ?'];
  readonly params: unknown[];

  constructor(tenantId: string) {
    this.params = [tenantId];
  }

  /** Adds `clause` with its values when `when` holds. */
  add(when: boolean, clause: string, ...values: unknown[]): this {
    if (when) {
      this.clauses.push(clause);
      this.params.push(...values);
    }
    return this;
  }

  get sql(): string {
    return this.clauses.join(' AND ');
  }
}

/** The WHERE clause and parameters of a live-record query. */
function whereOf(tenantId: string, query: LogQuery): { where: string; params: unknown[] } {
  const { eventId, attempt, minLevel, from, to, text, after } = query;
  const levels = minLevel !== undefined && minLevel !== 'debug' ? levelsFrom(minLevel) : [];
  const where = new Where(tenantId)
    .add(eventId !== undefined, 'event_id = ?', eventId)
    .add(attempt !== undefined, 'attempt = ?', attempt)
    .add(levels.length > 0, `level IN (${levels.map(() => '?').join(', ')})`, ...levels)
    .add(from !== undefined, 'time >= ?', from?.getTime())
    .add(to !== undefined, 'time < ?', to?.getTime())
    .add(text !== undefined && text !== '', "message LIKE ? ESCAPE '\\'", text === undefined ? '' : likePattern(text));
  if (after !== undefined) {
    if (eventId !== undefined) where.add(true, '(attempt, seq) > (?, ?)', after.attempt, after.seq);
    else where.add(true, '(time, event_id, attempt, seq) > (?, ?, ?, ?)', isoToMs(after.time, 'after.time'), after.eventId, after.attempt, after.seq);
  }
  return { where: where.sql, params: where.params };
}

/**
 * The logs aggregate over SQLite: group-committed, idempotent appends on `(eventId, attempt, seq)`,
 * filtered queries on indexes of migration 7, and the archive index (`log_chunks`).
 */
export function sqliteLogs(connection: Connection): LogStore {
  return {
    /** The first record written for an `(eventId, attempt, seq)` wins; repeats and archived keys are ignored. */
    append: (tenantId, records) =>
      connection.batch(() => {
        const statement = connection.statement(APPEND);
        for (const record of records) {
          statement.run(
            tenantId,
            record.eventId,
            record.attempt,
            record.seq,
            isoToMs(record.time, 'time'),
            record.stream,
            record.level,
            record.message,
            record.fields === undefined ? null : JSON.stringify(record.fields),
            record.eventId,
            record.attempt,
            record.seq,
            record.seq,
          );
        }
      }),

    query: (tenantId, query) =>
      connection.read(() => {
        const { where, params } = whereOf(tenantId, query);
        const order = query.eventId !== undefined ? 'attempt, seq' : 'time, event_id, attempt, seq';
        const sql = `SELECT event_id, attempt, seq, time, stream, level, message, fields FROM logs
          WHERE ${where} ORDER BY ${order} LIMIT ?`;
        return connection.statement<LogRow>(sql).all(...params, query.limit).map(logFromRow);
      }),

    archivable: (before, limit) =>
      connection.read(() => {
        const rows = connection
          .statement<{ tenant_id: string; event_id: string; attempt: number }>(
            `SELECT tenant_id, event_id, attempt FROM logs WHERE time < ? ORDER BY time LIMIT ?`,
          )
          .all(before.getTime(), Math.max(limit, ARCHIVABLE_WINDOW));
        const seen = new Map<string, LogAttempt>();
        for (const row of rows) {
          const key = `${row.event_id}\u0000${row.attempt}`;
          if (!seen.has(key)) seen.set(key, { tenantId: row.tenant_id, eventId: row.event_id, attempt: row.attempt });
          if (seen.size >= limit) break;
        }
        return [...seen.values()];
      }),

    archive: (chunk, seqs) =>
      connection.batch(() => {
        connection
          .statement(CHUNK_INSERT)
          .run(
            chunk.name,
            chunk.tenantId,
            chunk.eventId,
            chunk.attempt,
            chunk.minSeq,
            chunk.maxSeq,
            chunk.count,
            chunk.firstTime.getTime(),
            chunk.lastTime.getTime(),
            JSON.stringify(chunk.levels),
            chunk.bytes,
            chunk.archivedAt.getTime(),
          );
        const remove = connection.statement(DELETE_ONE);
        for (const seq of seqs) remove.run(chunk.eventId, chunk.attempt, seq);
      }),

    chunks: (tenantId, query) =>
      connection.read(() => {
        const { eventId, attempt, from, to, after } = query;
        const where = new Where(tenantId)
          .add(eventId !== undefined, 'event_id = ?', eventId)
          .add(attempt !== undefined, 'attempt = ?', attempt)
          .add(from !== undefined, 'last_time >= ?', from?.getTime())
          .add(to !== undefined, 'first_time < ?', to?.getTime())
          .add(after !== undefined && eventId === undefined, 'last_time >= ?', after === undefined ? 0 : isoToMs(after.time, 'after.time'));
        const order = query.eventId !== undefined ? 'attempt, min_seq' : 'first_time, event_id, attempt, min_seq';
        const rows = connection
          .statement<ChunkRow>(`SELECT * FROM log_chunks WHERE ${where.sql} ORDER BY ${order}`)
          .all(...where.params)
          .map(chunkFromRow);
        if (query.minLevel === undefined) return rows;
        const wanted = new Set(levelsFrom(query.minLevel));
        return rows.filter((chunk) => chunk.levels.some((level) => wanted.has(level)));
      }),
  };
}
