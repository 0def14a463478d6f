import type { EventRecord } from '@nexomatic/core';
import type { Completion, EventStore, InsertResult, NewEvent, Release } from '../port.js';
import { claim } from './claim.js';
import type { Connection } from './connection.js';
import { countByState, listEvents } from './event-list.js';
import { EVENT_COLUMNS, eventFromRow, newEventParams, toMs, toMsOrNull, type EventRow } from './rows.js';

const INSERT = `INSERT INTO events (${EVENT_COLUMNS.join(', ')})
  VALUES (${EVENT_COLUMNS.map((column) => `@${column}`).join(', ')})`;

const BY_IDEMPOTENCY_KEY = 'SELECT id FROM events WHERE tenant_id = ? AND idempotency_key = ?';

const COMPLETE = `UPDATE events
  SET state = @state, result = @result, error = @error, warnings = @warnings,
      finished_at = @finishedAt, updated_at = @finishedAt, lease_expires_at = NULL
  WHERE id = @id AND attempt = @attempt AND state = 'RUNNING'`;

const RELEASE = `UPDATE events
  SET state = 'QUEUED', sink_id = NULL, lease_expires_at = NULL, not_before = @notBefore, updated_at = @now
  WHERE id = @id AND attempt = @attempt AND state = 'RUNNING'`;

/** Inserts one event unless its idempotency key exists; runs inside the caller's transaction. */
function insertOne(connection: Connection, event: NewEvent): InsertResult {
  if (event.idempotencyKey !== null) {
    const existing = connection
      .statement<{ id: string }>(BY_IDEMPOTENCY_KEY)
      .get(event.tenantId, event.idempotencyKey);
    if (existing !== undefined) return { id: existing.id, created: false };
  }
  connection.statement(INSERT).run(newEventParams(event));
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

/** The events aggregate over SQLite; `list` and `claim` live in their own files. */
export function sqliteEvents(connection: Connection): EventStore {
  const rows = (sql: string, ...params: unknown[]): EventRecord[] =>
    connection.statement<EventRow>(sql).all(...params).map(eventFromRow);

  return {
    /** One group-committed operation per call: the whole batch applies, or none of it. */
    insert: (events) =>
      connection.batch(() => events.map((event) => insertOne(connection, event))),

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
      connection.batch(() => completions.map((completion) => completeOne(connection, completion))),

    release: (releases: readonly Release[]) =>
      connection.batch(() => {
        const now = Date.now();
        return releases.map(
          (release) =>
            connection.statement(RELEASE).run({
              id: release.eventId,
              attempt: release.attempt,
              notBefore: toMsOrNull(release.notBefore, 'notBefore'),
              now,
            }).changes === 1,
        );
      }),

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
          "SELECT * FROM events WHERE state = 'RUNNING' AND lease_expires_at < ? ORDER BY lease_expires_at, seq LIMIT ?",
          toMs(now, 'now'),
          limit,
        ),
      ),

    queuedSinkTypes: (olderThan) =>
      connection.read(() =>
        connection
          .statement<{ sinkType: string; count: number }>(
            `SELECT sink_type AS sinkType, COUNT(*) AS count FROM events
             WHERE state = 'QUEUED' AND created_at < ? GROUP BY sink_type ORDER BY sink_type`,
          )
          .all(toMs(olderThan, 'olderThan')),
      ),
  };
}
