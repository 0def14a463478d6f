import type { JsonObject, LogRecord } from '@nexomatic/core';
import type { LogStore } from '../port.js';
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

const APPEND = `INSERT OR IGNORE INTO logs (tenant_id, event_id, attempt, seq, time, stream, level, message, fields)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

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

/** The logs aggregate over SQLite: group-committed, idempotent appends on `(eventId, attempt, seq)`. */
export function sqliteLogs(connection: Connection): LogStore {
  return {
    /** The first record written for an `(eventId, attempt, seq)` wins; repeats are ignored. */
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
          );
        }
      }),

    query: (tenantId, query) =>
      connection.read(() => {
        const byAttempt = query.attempt !== undefined;
        const sql = `SELECT event_id, attempt, seq, time, stream, level, message, fields FROM logs
          WHERE event_id = ? AND tenant_id = ?${byAttempt ? ' AND attempt = ?' : ''}
          ORDER BY attempt, seq LIMIT ?`;
        const params = byAttempt
          ? [query.eventId, tenantId, query.attempt, query.limit]
          : [query.eventId, tenantId, query.limit];
        return connection.statement<LogRow>(sql).all(...params).map(logFromRow);
      }),
  };
}
