import type { EventRecord } from '@nexomatic/core';
import type { QueueGroup } from '../port.js';
import type { Connection } from './connection.js';
import { eventFromRow, toMs, type EventRow } from './rows.js';

/** The `queueGroups` query, for all tenants or one. */
export const groupsSql = (byTenant: boolean): string => `SELECT tenant_id AS tenantId, event_type AS eventType,
    SUM(queued) AS queued, SUM(running) AS running, MAX(CASE WHEN queued > 0 THEN priority END) AS topPriority
  FROM queue_counts
  WHERE sink_type = ?${byTenant ? ' AND tenant_id = ?' : ''}
  GROUP BY tenant_id, event_type HAVING SUM(queued) > 0
  ORDER BY tenant_id, event_type`;

/** The `depth` query, for a tenant or one of its Event Types. */
export const depthSql = (byType: boolean): string => `SELECT COALESCE(SUM(queued), 0) AS queued,
    COALESCE(SUM(running), 0) AS running
  FROM queue_counts WHERE tenant_id = ?${byType ? ' AND event_type = ?' : ''}`;

const CANCEL = `UPDATE OR FAIL events SET state = 'ERROR', error = @error, finished_at = @at, updated_at = @at
  WHERE id = @id AND tenant_id = @tenantId AND state = 'QUEUED'`;

const CANCELLED = JSON.stringify({ code: 'CANCELLED', message: 'cancelled while QUEUED' });

/**
 * The queue groups of a Sink Type with queued events, in `(tenantId, eventType)` order, read from
 * the `queue_counts` rows the `events` triggers keep (see `migration-2.ts`): the cost depends on
 * the number of groups of the Sink Type and their distinct priorities, never on the number of events.
 */
export function queueGroups(connection: Connection, sinkType: string, tenantId: string | null): QueueGroup[] {
  type Row = Omit<QueueGroup, 'topPriority'> & { topPriority: number | null };
  const rows =
    tenantId === null
      ? connection.statement<Row>(groupsSql(false)).all(sinkType)
      : connection.statement<Row>(groupsSql(true)).all(sinkType, tenantId);
  return rows.map((row) => ({ ...row, topPriority: row.topPriority ?? 0 }));
}

/** The queued and running counts of a tenant, or of one of its Event Types, across Sink Types. */
export function depth(
  connection: Connection,
  tenantId: string,
  eventType: string | undefined,
): { queued: number; running: number } {
  type Row = { queued: number; running: number };
  const row =
    eventType === undefined
      ? connection.statement<Row>(depthSql(false)).get(tenantId)
      : connection.statement<Row>(depthSql(true)).get(tenantId, eventType);
  return { queued: row?.queued ?? 0, running: row?.running ?? 0 };
}

/**
 * Moves a tenant's `QUEUED` event to `ERROR` with code `CANCELLED`, finished at `at`; runs inside
 * the caller's transaction. Returns the event as it is afterwards (unchanged when it was not
 * `QUEUED`), or null when the tenant has no such event.
 */
export function cancelOne(
  connection: Connection,
  tenantId: string,
  id: string,
  at: Date,
): { event: EventRecord; cancelled: boolean } | null {
  const { changes } = connection.statement(CANCEL).run({ id, tenantId, at: toMs(at, 'at'), error: CANCELLED });
  const row = connection.statement<EventRow>('SELECT * FROM events WHERE id = ? AND tenant_id = ?').get(id, tenantId);
  return row === undefined ? null : { event: eventFromRow(row), cancelled: changes > 0 };
}
