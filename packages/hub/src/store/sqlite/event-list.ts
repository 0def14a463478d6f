import { EventQuery, NexomaticError, parse, type EventPage, type EventState } from '@nexomatic/core';
import type { Connection } from './connection.js';
import { eventFromRow, isoToMs, type EventRow } from './rows.js';

/** The opaque cursor of a list page: the `seq` of its last event, base64url-encoded. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

/** The `seq` a cursor stands for; a `VALIDATION` error naming `cursor` when it is not one of ours. */
export function decodeCursor(cursor: string): number {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match === null) {
    throw new NexomaticError('VALIDATION', 'invalid event query: cursor: not a cursor from this store', {
      details: { fields: ['cursor'] },
    });
  }
  return Number(match[1]);
}

/** One page of a tenant's events, newest first; the filters pick the matching audit index. */
export function listEvents(connection: Connection, tenantId: string, input: EventQuery): EventPage {
  const query = parse(EventQuery, input, 'event query');
  const where = ['tenant_id = ?'];
  const params: unknown[] = [tenantId];
  const add = (clause: string, value: unknown): void => {
    where.push(clause);
    params.push(value);
  };
  if (query.state !== undefined) add('state = ?', query.state);
  if (query.eventType !== undefined) add('event_type = ?', query.eventType);
  if (query.sinkId !== undefined) add('sink_id = ?', query.sinkId);
  if (query.sourceType !== undefined) add('source_type = ?', query.sourceType);
  if (query.rootEventId !== undefined) add('root_event_id = ?', query.rootEventId);
  if (query.parentEventId !== undefined) add('parent_event_id = ?', query.parentEventId);
  if (query.createdFrom !== undefined) add('created_at >= ?', isoToMs(query.createdFrom, 'createdFrom'));
  if (query.createdTo !== undefined) add('created_at < ?', isoToMs(query.createdTo, 'createdTo'));
  if (query.cursor !== undefined) add('seq < ?', decodeCursor(query.cursor));
  // One more row than the page tells whether a next page exists.
  const sql = `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`;
  const rows = connection.statement<EventRow>(sql).all(...params, query.limit + 1);
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  const last = page.at(-1);
  return {
    items: page.map(eventFromRow),
    nextCursor: more && last !== undefined ? encodeCursor(last.seq) : null,
  };
}

/** How many of a tenant's events are in each state; every state is present. */
export function countByState(connection: Connection, tenantId: string): Record<EventState, number> {
  const counts: Record<EventState, number> = { QUEUED: 0, RUNNING: 0, SUCCESS: 0, WARNING: 0, ERROR: 0 };
  const rows = connection
    .statement<{ state: EventState; count: number }>(
      'SELECT state, COUNT(*) AS count FROM events WHERE tenant_id = ? GROUP BY state',
    )
    .all(tenantId);
  for (const row of rows) counts[row.state] = row.count;
  return counts;
}
