import type { EventRecord } from '@nexomatic/core';
import type { Completion, EventStore, InsertResult, NewEvent, Release } from '../port.js';
import { claim } from './claim.js';
import { boundLimit, type Connection } from './connection.js';
import { countByState, listEvents } from './event-list.js';
import { cancelOne, depth, queueGroups } from './queue.js';
import { EVENT_COLUMNS, eventFromRow, newEventParams, toMs, toMsOrNull, type EventRow } from './rows.js';

/** `OR FAIL`, like every statement that fires the counter triggers: see `migration-2.ts`. */
const INSERT = `INSERT OR FAIL INTO events (${EVENT_COLUMNS.join(', ')})
  VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})`;

const BY_IDEMPOTENCY_KEY =
  'SELECT seq, id, idempotency_until FROM events WHERE tenant_id = ? AND idempotency_key = ?';

const DROP_IDEMPOTENCY_KEY = 'UPDATE events SET idempotency_key = NULL, idempotency_until = NULL WHERE seq = ?';

const COMPLETE = `UPDATE OR FAIL events
  SET state = @state, result = @result, error = @error, warnings = @warnings,
      finished_at = @finishedAt, updated_at = @finishedAt, lease_expires_at = NULL, deadline_at = NULL
  WHERE id = @id AND attempt = @attempt AND state = 'RUNNING'`;

/** `RUNNING` events past their attempt deadline, oldest deadline first, through `events_deadline`. */
export const OVERDUE =
  `SELECT * FROM events WHERE state = 'RUNNING' AND deadline_at < ? ORDER BY deadline_at, seq ${boundLimit('?')}`;

/** `@unclaim` (1 or 0) undoes the claim's attempt count and, for a first attempt, its start. */
const RELEASE = `UPDATE OR FAIL events
  SET state = 'QUEUED', sink_id = NULL, lease_expires_at = NULL, deadline_at = NULL, not_before = @notBefore,
      attempt = attempt - @unclaim, started_at = CASE WHEN @unclaim = 1 AND attempt = 1 THEN NULL ELSE started_at END,
      updated_at = @now
  WHERE id = @id AND attempt = @attempt AND state = 'RUNNING'`;

/**
 * Inserts one event unless an event holds its idempotency key with a window still ahead of the new
 * event's `createdAt`; a key whose window has passed is taken from the old event first. A key
 * stored without a window (written before schema version 2) holds for ever. Runs inside the
 * caller's transaction, so the take-over and the insert apply together.
 */
function insertOne(connection: Connection, event: NewEvent): InsertResult {
  const params = newEventParams(event);
  if (event.idempotencyKey !== null) {
    const existing = connection
      .statement<{ seq: number; id: string; idempotency_until: number | null }>(BY_IDEMPOTENCY_KEY)
      .get(event.tenantId, event.idempotencyKey);
    if (existing !== undefined) {
      const until = existing.idempotency_until;
      if (until === null || until > params.created_at) return { id: existing.id, created: false };
      connection.statement(DROP_IDEMPOTENCY_KEY).run(existing.seq);
    }
  }
  connection.statement(INSERT).run(EVENT_COLUMNS.map((column) => params[column]));
  return { id: event.id, created: true };
}

/**
 * Applies one completion; runs inside the caller's transaction. The follow-ons are inserted only
 * when the completion applied, so a duplicate completion never chains twice.
 */
function completeOne(connection: Connection, completion: Completion): boolean {
  const { changes } = connection.statement(COMPLETE).run({
    id: completion.eventId,
    attempt: completion.attempt,
    state: completion.outcome,
    result: completion.result === null ? null : JSON.stringify(completion.result),
    error: completion.error === null ? null : JSON.stringify(completion.error),
    warnings: JSON.stringify(completion.warnings),
    finishedAt: toMs(completion.finishedAt, 'finishedAt'),
  });
  if (changes === 0) return false;
  for (const followOn of completion.followOns) insertOne(connection, followOn);
  return true;
}

/** The events aggregate over SQLite; `list`, `claim` and the queue counters live in their own files. */
export function sqliteEvents(connection: Connection): EventStore {
  const rows = (sql: string, ...params: unknown[]): EventRecord[] =>
    connection.statement<EventRow>(sql).all(...params).map(eventFromRow);

  return {
    /** One group-committed operation per call: the whole batch applies, or none of it. */
    insert: (events) =>
      connection.batch(() => events.map((event) => insertOne(connection, event)), { onCommit: connection.queued }),

    get: (id, tenantId) =>
      connection.read(() => {
        const row =
          tenantId === null
            ? connection.statement<EventRow>('SELECT * FROM events WHERE id = ?').get(id)
            : connection.statement<EventRow>('SELECT * FROM events WHERE id = ? AND tenant_id = ?').get(id, tenantId);
        return row === undefined ? null : eventFromRow(row);
      }),

    list: (tenantId, query) => connection.read(() => listEvents(connection, tenantId, query)),

    countByState: (tenantId) => connection.read(() => countByState(connection, tenantId)),

    claim: (request) => claim(connection, request),

    held: (sinkId) =>
      connection.read(() => rows("SELECT * FROM events WHERE state = 'RUNNING' AND sink_id = ? ORDER BY seq", sinkId)),

    /** One group-committed operation per call: a rejection means none of the batch applied. */
    complete: (completions) =>
      connection.batch(() => completions.map((completion) => completeOne(connection, completion)), {
        onCommit: completions.some((completion) => completion.followOns.length > 0) ? connection.queued : undefined,
      }),

    release: (releases: readonly Release[]) =>
      connection.batch(() => {
        const now = Date.now();
        return releases.map(
          (release) =>
            connection.statement(RELEASE).run({
              id: release.eventId,
              attempt: release.attempt,
              notBefore: toMsOrNull(release.notBefore, 'notBefore'),
              unclaim: release.unclaim === true ? 1 : 0,
              now,
            }).changes === 1,
        );
      }, { onCommit: connection.queued }),

    extendLeases: (sinkId, leaseExpiresAt) =>
      connection.write(
        () =>
          connection
            .statement("UPDATE events SET lease_expires_at = ? WHERE state = 'RUNNING' AND sink_id = ?")
            .run(toMs(leaseExpiresAt, 'leaseExpiresAt'), sinkId).changes,
      ),

    expiredLeases: (now, limit) =>
      connection.read(() =>
        rows(
          `SELECT * FROM events WHERE state = 'RUNNING' AND lease_expires_at < ? ORDER BY lease_expires_at, seq ${boundLimit('?')}`,
          toMs(now, 'now'),
          limit,
        ),
      ),

    queueGroups: (sinkType, tenantId) => connection.read(() => queueGroups(connection, sinkType, tenantId)),

    depth: (tenantId, eventType) => connection.read(() => depth(connection, tenantId, eventType)),

    overdue: (now, limit) => connection.read(() => rows(OVERDUE, toMs(now, 'now'), limit)),

    /** Group-committed with the other writes of its tick. */
    cancel: (tenantId, id, at) => connection.batch(() => cancelOne(connection, tenantId, id, at)),

    queuedSinkTypes: (olderThan, tenantId = null) =>
      connection.read(() =>
        tenantId === null
          ? connection
              .statement<{ sinkType: string; count: number }>(
                `SELECT sink_type AS sinkType, COUNT(*) AS count FROM events
                 WHERE state = 'QUEUED' AND created_at < ? GROUP BY sink_type ORDER BY sink_type`,
              )
              .all(toMs(olderThan, 'olderThan'))
          : connection
              .statement<{ sinkType: string; count: number }>(
                `SELECT sink_type AS sinkType, COUNT(*) AS count FROM events
                 WHERE state = 'QUEUED' AND tenant_id = ? AND created_at < ? GROUP BY sink_type ORDER BY sink_type`,
              )
              .all(tenantId, toMs(olderThan, 'olderThan')),
      ),
  };
}
