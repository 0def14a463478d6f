import { NexomaticError, type EventRecord } from '@nexomatic/core';
import type { ClaimRequest } from '../port.js';
import { boundLimit, type Connection } from './connection.js';
import { EVENT_ROW_COLUMNS, eventFromRow, eventRowFromValues, toMs } from './rows.js';

/** The shape of a claim: which optional filters its SQL carries. */
export interface ClaimShape {
  byTenant: boolean;
  byType: boolean;
  byModule: boolean;
}

/**
 * The partial index over `QUEUED` events every claim walks: `events_claim_group` (Sink Type,
 * tenant, Event Type, then claim order). A claim of one queue group, the only shape the engine
 * makes, reads it in claim order without sorting; the other shapes (across tenants or Event
 * Types, for tools and tests) read the Sink Type's part of it and sort (schema version 9 dropped
 * their own indexes, which every insert and claim paid for).
 */
export const CLAIM_INDEX = 'events_claim_group';

/** Whether a claim of this shape reads {@link CLAIM_INDEX} in claim order, without sorting. */
export function claimsInOrder({ byTenant, byType }: Pick<ClaimShape, 'byTenant' | 'byType'>): boolean {
  return byTenant && byType;
}

/**
 * The claim statement of one shape. The inner SELECT walks the partial index over `QUEUED` events
 * ({@link CLAIM_INDEX}); a claim of one queue group matches it exactly (`sink_type`, `tenant_id`,
 * `event_type`, then `priority DESC, seq`), so it reads in claim order without sorting, and its cost
 * does not grow with finished events. Modules travel as one JSON array parameter, so any number of modules
 * shares one prepared statement. The attempt's deadline is `now + timeout_ms`. `OR FAIL` keeps the
 * counter triggers cheap (see `migration-2.ts`); the claim's transaction undoes a failure.
 */
export function claimSql({ byTenant, byType, byModule }: ClaimShape): string {
  const filters = [
    byTenant ? 'AND tenant_id = @tenantId' : '',
    byType ? 'AND event_type = @eventType' : '',
    byModule ? 'AND module IN (SELECT value FROM json_each(@modules))' : '',
  ].filter((filter) => filter !== '');
  return `UPDATE OR FAIL events
    SET state = 'RUNNING', attempt = attempt + 1, sink_id = @sinkId, lease_expires_at = @leaseExpiresAt,
        started_at = @now, updated_at = @now, deadline_at = @now + timeout_ms
    WHERE seq IN (
      SELECT seq FROM events
      WHERE state = 'QUEUED' AND sink_type = @sinkType
        AND (not_before IS NULL OR not_before <= @now)
        AND (pinned_sink_id IS NULL OR pinned_sink_id = @sinkId)${filters.map((f) => `\n        ${f}`).join('')}
      ORDER BY priority DESC, seq
      ${boundLimit('@limit')})
    RETURNING ${EVENT_ROW_COLUMNS.join(', ')}`;
}

/**
 * Claims up to `request.limit` events. The claim is group-committed `ahead` (see `GroupCommit`):
 * the claims of one turn of the event loop commit together in one transaction, before the other
 * writes queued in that turn, which wait for the next one. A dispatch pass woken by a sink's
 * results therefore sends the sink its next Task Requests before the hub records those results,
 * and the sink runs them while the hub does: the hub and the sink work side by side instead of
 * taking turns (see `bench/README.md`). The claim's commit writes no fsync of its own: the results'
 * commit right after it syncs both.
 *
 * It resolves once committed, before the commit's fsync (`durable: false`): the Task Requests
 * leave while the disk syncs, and the sink runs them meanwhile. A claim is visible to every
 * connection and survives a crash of the hub process at once; only a power cut (or a crash of the
 * operating system) before the fsync can undo it, and what it undoes the hub repairs: the event
 * is `QUEUED` again and is dispatched again, which is at-least-once delivery, as for a sink lost
 * mid-task. Accepted events, results and everything else a caller is told is stored wait for the
 * fsync.
 */
export async function claim(connection: Connection, request: ClaimRequest): Promise<EventRecord[]> {
  const prepared = await connection.read(() => {
    if (!Number.isInteger(request.limit) || request.limit < 0) {
      throw new NexomaticError('VALIDATION', 'limit: must be a non-negative integer');
    }
    if (request.limit === 0) return null;
    const shape = {
      byTenant: request.tenantId !== null,
      byType: request.eventType !== undefined,
      byModule: request.modules.length > 0,
    };
    const params: Record<string, unknown> = {
      sinkId: request.sinkId,
      sinkType: request.sinkType,
      now: toMs(request.now, 'now'),
      leaseExpiresAt: toMs(request.leaseExpiresAt, 'leaseExpiresAt'),
      limit: request.limit,
    };
    if (shape.byTenant) params.tenantId = request.tenantId;
    if (shape.byType) params.eventType = request.eventType;
    if (shape.byModule) params.modules = JSON.stringify(request.modules);
    // Rows as arrays: see eventRowFromValues.
    return { statement: connection.statement<unknown[]>(claimSql(shape)).raw(true), params };
  });
  if (prepared === null) return [];
  const values = await connection.batch(() => prepared.statement.all(prepared.params), { durable: false, ahead: true });
  const rows = values.map(eventRowFromValues);
  // RETURNING order is not guaranteed: restore the claim order.
  rows.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
  return rows.map(eventFromRow);
}
