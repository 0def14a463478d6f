import { ObjectId } from 'mongodb';
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

/**
 * An event as stored in the `events` collection. Free-form JSON (payload, result, error, source)
 * is kept as JSON text, so any key (with `.` or a leading `$`) and every number round-trip exactly;
 * the fields the store filters, sorts or indexes on are native BSON.
 */
export interface EventDoc {
  /** The event id. */
  _id: string;
  /** Insert order: an ObjectId made by the inserting process (time, then a per-process counter). */
  seq: ObjectId;
  tenantId: string;
  eventType: string;
  sinkType: string;
  module: string;
  state: EventState;
  payload: string;
  priority: number;
  attempt: number;
  maxAttempts: number;
  timeoutMs: number;
  sinkId: string | null;
  pinnedSinkId: string | null;
  leaseExpiresAt: Date | null;
  notBefore: Date | null;
  /** `notBefore`, or the epoch when null: the claim predicate compares it without an `$or`. */
  claimableAt: Date;
  result: string | null;
  error: string | null;
  warnings: string[];
  source: string;
  /** The type of `source`, for the Source Type filter of lists. */
  sourceType: string;
  parentEventId: string | null;
  rootEventId: string;
  chainDepth: number;
  rerunOf: string | null;
  /** Absent when the event holds no key (the unique index is partial on its type). */
  idempotencyKey?: string;
  idempotencyUntil?: Date | null;
  /** When the current attempt times out (`startedAt + timeoutMs`) while `RUNNING`, else null. */
  deadlineAt: Date | null;
  /** The W3C trace context as JSON text, or null. */
  traceContext: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
  /** The claim call that moved the event to `RUNNING` last. */
  claimId?: string;
  /** The token of the outbox entry whose completion finished the event (standalone servers; see `outbox.ts`). */
  completedBy?: string;
}

/** The epoch: the `claimableAt` of an event with no `notBefore`. */
export const EPOCH = new Date(0);

function invalid(field: string, problem: string): NexomaticError {
  return new NexomaticError('VALIDATION', `${field}: ${problem}`, { details: { fields: [field] } });
}

/** The Date itself; a `VALIDATION` error names `field` when it is not a valid Date. */
export function validDate(date: Date, field: string): Date {
  if (!(date instanceof Date) || !Number.isFinite(date.getTime())) throw invalid(field, 'must be a valid Date');
  return date;
}

/** Like {@link validDate}, keeping null. */
export function validDateOrNull(date: Date | null | undefined, field: string): Date | null {
  return date === null || date === undefined ? null : validDate(date, field);
}

/** The Date of an ISO string; a `VALIDATION` error names `field` when it is not one. */
export function isoToDate(iso: string, field: string): Date {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (!Number.isFinite(ms)) throw invalid(field, 'must be an ISO date-time');
  return new Date(ms);
}

/** The ISO string of a stored Date, keeping null. */
export function isoOrNull(date: Date | null | undefined): string | null {
  return date === null || date === undefined ? null : date.toISOString();
}

/** Parses a JSON text field, keeping null. */
export function fromJson<T>(text: string | null | undefined): T | null {
  return text === null || text === undefined ? null : (JSON.parse(text) as T);
}

/** Serialises a value with object keys sorted, so equal values compare equal as text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}

/** The document of a new event: `QUEUED`, or `ERROR` and finished at creation when `failed`. */
export function newEventDoc(event: NewEvent, seq: ObjectId = new ObjectId()): EventDoc {
  const createdAt = validDate(event.createdAt, 'createdAt');
  if (!Number.isSafeInteger(event.timeoutMs) || event.timeoutMs < 1) throw invalid('timeoutMs', 'must be a positive integer');
  const notBefore = validDateOrNull(event.notBefore, 'notBefore');
  const failed = event.failed ?? null;
  const doc: EventDoc = {
    _id: event.id,
    seq,
    tenantId: event.tenantId,
    eventType: event.eventType,
    sinkType: event.sinkType,
    module: event.module,
    state: failed ? 'ERROR' : 'QUEUED',
    payload: JSON.stringify(event.payload),
    priority: event.priority,
    attempt: 0,
    maxAttempts: event.maxAttempts,
    timeoutMs: event.timeoutMs,
    sinkId: null,
    pinnedSinkId: event.pinnedSinkId,
    leaseExpiresAt: null,
    notBefore,
    claimableAt: notBefore ?? EPOCH,
    result: null,
    error: failed ? JSON.stringify(failed) : null,
    warnings: [],
    source: JSON.stringify(event.source),
    sourceType: event.source.type,
    parentEventId: event.parentEventId,
    rootEventId: event.rootEventId,
    chainDepth: event.chainDepth,
    rerunOf: event.rerunOf,
    deadlineAt: null,
    traceContext: event.traceContext ? JSON.stringify(event.traceContext) : null,
    createdAt,
    startedAt: null,
    finishedAt: failed ? createdAt : null,
    updatedAt: createdAt,
  };
  if (event.idempotencyKey !== null) {
    doc.idempotencyKey = event.idempotencyKey;
    doc.idempotencyUntil = validDateOrNull(event.idempotencyUntil, 'idempotencyUntil');
  }
  return doc;
}

/** The Event record of a stored document, with ISO timestamps. */
export function eventFromDoc(doc: EventDoc): EventRecord {
  const traceContext = fromJson<TraceContext>(doc.traceContext);
  return {
    id: doc._id,
    tenantId: doc.tenantId,
    eventType: doc.eventType,
    sinkType: doc.sinkType,
    module: doc.module,
    state: doc.state,
    payload: JSON.parse(doc.payload) as JsonObject,
    priority: doc.priority,
    attempt: doc.attempt,
    maxAttempts: doc.maxAttempts,
    timeoutMs: doc.timeoutMs,
    sinkId: doc.sinkId,
    pinnedSinkId: doc.pinnedSinkId,
    leaseExpiresAt: isoOrNull(doc.leaseExpiresAt),
    notBefore: isoOrNull(doc.notBefore),
    result: fromJson<Json>(doc.result),
    error: fromJson<EventError>(doc.error),
    warnings: doc.warnings,
    source: JSON.parse(doc.source) as EventSource,
    parentEventId: doc.parentEventId,
    rootEventId: doc.rootEventId,
    chainDepth: doc.chainDepth,
    rerunOf: doc.rerunOf,
    idempotencyKey: doc.idempotencyKey ?? null,
    ...(traceContext === null ? {} : { traceContext }),
    createdAt: doc.createdAt.toISOString(),
    startedAt: isoOrNull(doc.startedAt),
    finishedAt: isoOrNull(doc.finishedAt),
    updatedAt: doc.updatedAt.toISOString(),
  };
}
