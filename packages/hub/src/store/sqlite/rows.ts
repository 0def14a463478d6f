import {
  NexomaticError,
  type EventError,
  type EventRecord,
  type EventSource,
  type EventState,
  type Json,
  type JsonObject,
  type TraceContext,
} from '@nexomatic/core';
import type { NewEvent } from '../port.js';

/** A row of the `events` table. */
export interface EventRow {
  seq: number;
  id: string;
  tenant_id: string;
  event_type: string;
  sink_type: string;
  module: string;
  state: EventState;
  payload: string;
  priority: number;
  attempt: number;
  max_attempts: number;
  timeout_ms: number;
  sink_id: string | null;
  pinned_sink_id: string | null;
  lease_expires_at: number | null;
  not_before: number | null;
  result: string | null;
  error: string | null;
  warnings: string;
  source: string;
  parent_event_id: string | null;
  root_event_id: string;
  chain_depth: number;
  rerun_of: string | null;
  idempotency_key: string | null;
  idempotency_until: number | null;
  /** When the current attempt times out: `started_at + timeout_ms` while `RUNNING`, else null. */
  deadline_at: number | null;
  /** The type of `source`, for the Source Type filter of lists. */
  source_type: string;
  /** The event's W3C trace context as JSON, or null (schema version 8). */
  trace_context: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

function invalid(field: string, problem: string): NexomaticError {
  return new NexomaticError('VALIDATION', `${field}: ${problem}`, { details: { fields: [field] } });
}

/** Milliseconds since the epoch of a Date; a `VALIDATION` error names `field` when it is invalid. */
export function toMs(date: Date, field: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw invalid(field, 'must be a valid Date');
  return ms;
}

/** Like {@link toMs}, keeping null. */
export function toMsOrNull(date: Date | null, field: string): number | null {
  return date === null ? null : toMs(date, field);
}

/** Milliseconds of an ISO time string; a `VALIDATION` error names `field` when it is invalid. */
export function isoToMs(iso: string, field: string): number {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (!Number.isFinite(ms)) throw invalid(field, 'must be an ISO date-time');
  return ms;
}

/** Recent {@link toIso} answers: the rows of one claim or insert share their times. */
const isoCache = new Map<number, string>();
const ISO_CACHE_SIZE = 256;

/** The ISO string of a stored time. */
export function toIso(ms: number): string {
  let iso = isoCache.get(ms);
  if (iso === undefined) {
    iso = new Date(ms).toISOString();
    if (isoCache.size >= ISO_CACHE_SIZE) isoCache.clear();
    isoCache.set(ms, iso);
  }
  return iso;
}

/** Like {@link toIso}, keeping null. */
export function toIsoOrNull(ms: number | null): string | null {
  return ms === null ? null : toIso(ms);
}

/** A Date of a stored time, keeping null. */
export function toDateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

/** Parses a JSON column, keeping SQL NULL as null. */
export function fromJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** Serialises a value for a JSON column, with object keys sorted so equal values compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}

/** The Event record of a row, with ISO timestamps. */
export function eventFromRow(row: EventRow): EventRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    eventType: row.event_type,
    sinkType: row.sink_type,
    module: row.module,
    state: row.state,
    payload: JSON.parse(row.payload) as JsonObject,
    priority: row.priority,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    sinkId: row.sink_id,
    pinnedSinkId: row.pinned_sink_id,
    leaseExpiresAt: toIsoOrNull(row.lease_expires_at),
    notBefore: toIsoOrNull(row.not_before),
    result: fromJson<Json>(row.result),
    error: fromJson<EventError>(row.error),
    warnings: JSON.parse(row.warnings) as string[],
    source: JSON.parse(row.source) as EventSource,
    parentEventId: row.parent_event_id,
    rootEventId: row.root_event_id,
    chainDepth: row.chain_depth,
    rerunOf: row.rerun_of,
    idempotencyKey: row.idempotency_key,
    ...(row.trace_context ? { traceContext: JSON.parse(row.trace_context) as TraceContext } : {}),
    createdAt: toIso(row.created_at),
    startedAt: toIsoOrNull(row.started_at),
    finishedAt: toIsoOrNull(row.finished_at),
    updatedAt: toIso(row.updated_at),
  };
}

/** The columns an INSERT writes: every one but the key. */
export type NewEventRow = Omit<EventRow, 'seq'>;

/** The parameters of the event INSERT for a new event; a `failed` event is born `ERROR`. */
export function newEventParams(event: NewEvent): NewEventRow {
  const createdAt = toMs(event.createdAt, 'createdAt');
  if (!Number.isSafeInteger(event.timeoutMs) || event.timeoutMs < 1) {
    throw invalid('timeoutMs', 'must be a positive integer');
  }
  const failed = event.failed ?? null;
  return {
    id: event.id,
    tenant_id: event.tenantId,
    event_type: event.eventType,
    sink_type: event.sinkType,
    module: event.module,
    state: failed ? 'ERROR' : 'QUEUED',
    payload: JSON.stringify(event.payload),
    priority: event.priority,
    attempt: 0,
    max_attempts: event.maxAttempts,
    timeout_ms: event.timeoutMs,
    sink_id: null,
    pinned_sink_id: event.pinnedSinkId,
    lease_expires_at: null,
    not_before: toMsOrNull(event.notBefore, 'notBefore'),
    result: null,
    error: failed ? JSON.stringify(failed) : null,
    warnings: '[]',
    source: JSON.stringify(event.source),
    source_type: event.source.type,
    parent_event_id: event.parentEventId,
    root_event_id: event.rootEventId,
    chain_depth: event.chainDepth,
    rerun_of: event.rerunOf,
    idempotency_key: event.idempotencyKey,
    idempotency_until: toMsOrNull(event.idempotencyUntil, 'idempotencyUntil'),
    deadline_at: null,
    trace_context: event.traceContext ? JSON.stringify(event.traceContext) : null,
    created_at: createdAt,
    started_at: null,
    finished_at: failed ? createdAt : null,
    updated_at: createdAt,
  };
}

/** The SQL columns of an event INSERT, in the order of {@link newEventParams}. */
export const EVENT_COLUMNS = [
  'id', 'tenant_id', 'event_type', 'sink_type', 'module', 'state', 'payload', 'priority', 'attempt',
  'max_attempts', 'timeout_ms', 'sink_id', 'pinned_sink_id', 'lease_expires_at', 'not_before', 'result',
  'error', 'warnings', 'source', 'source_type', 'parent_event_id', 'root_event_id', 'chain_depth',
  'rerun_of', 'idempotency_key', 'idempotency_until', 'deadline_at', 'trace_context', 'created_at', 'started_at',
  'finished_at', 'updated_at',
] as const satisfies ReadonlyArray<keyof NewEventRow>;

/** Every column of an event row, `seq` first: the order {@link eventRowFromValues} reads. */
export const EVENT_ROW_COLUMNS = ['seq', ...EVENT_COLUMNS] as const satisfies ReadonlyArray<keyof EventRow>;

/**
 * The row of the values a raw statement (better-sqlite3's `raw(true)`) returned for
 * {@link EVENT_ROW_COLUMNS}. For hot reads of many rows: an array per row costs about a third less
 * than the object better-sqlite3 builds property by property for this wide table (the claim).
 */
export function eventRowFromValues(values: readonly unknown[]): EventRow {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < EVENT_ROW_COLUMNS.length; i++) row[EVENT_ROW_COLUMNS[i]!] = values[i];
  return row as unknown as EventRow;
}
