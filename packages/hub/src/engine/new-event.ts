import type { ActionDefinition, EventError, EventRecord, EventSource, EventTypeDefinition, JsonObject } from '@nexomatic/core';
import type { NewEvent } from '../store/port.js';
import { newEventId } from './event-id.js';

/** What it takes to build an event of an Event Type. */
export interface EventSeed {
  tenantId: string;
  eventType: EventTypeDefinition;
  action: ActionDefinition;
  payload: JsonObject;
  source: EventSource;
  priority?: number | undefined;
  pinnedSinkId?: string | undefined;
  idempotencyKey?: string | undefined;
  /** How long the idempotency key returns this event. */
  idempotencyWindowMs?: number | undefined;
  /** Overrides the Event Type's `retry.maxAttempts`. */
  maxAttempts?: number | undefined;
  /** Overrides the Event Type's `timeoutMs`. */
  timeoutMs?: number | undefined;
  notBefore?: Date | undefined;
  /** The finished event this one re-runs. */
  rerunOf?: string | undefined;
  /** The event this one follows on from. */
  parent?: EventRecord | undefined;
  failed?: EventError | undefined;
  now: Date;
}

/** Builds the record of a new event, with its chain links, from its Event Type and Action. */
export function newEvent(seed: EventSeed): NewEvent {
  const id = newEventId(seed.now.getTime());
  return {
    id,
    tenantId: seed.tenantId,
    eventType: seed.eventType.name,
    sinkType: seed.eventType.sinkType,
    module: seed.action.module,
    payload: seed.payload,
    priority: seed.priority ?? seed.eventType.priority,
    maxAttempts: seed.maxAttempts ?? seed.eventType.retry.maxAttempts,
    timeoutMs: seed.timeoutMs ?? seed.eventType.timeoutMs,
    notBefore: seed.notBefore ?? null,
    rerunOf: seed.rerunOf ?? null,
    pinnedSinkId: seed.pinnedSinkId ?? null,
    source: seed.source,
    parentEventId: seed.parent?.id ?? null,
    rootEventId: seed.parent?.rootEventId ?? id,
    chainDepth: seed.parent ? seed.parent.chainDepth + 1 : 0,
    idempotencyKey: seed.idempotencyKey ?? null,
    idempotencyUntil: seed.idempotencyKey ? new Date(seed.now.getTime() + (seed.idempotencyWindowMs ?? 0)) : null,
    createdAt: seed.now,
    ...(seed.failed ? { failed: seed.failed } : {}),
  };
}

/** The record an inserted {@link NewEvent} has, without reading it back. */
export function queuedRecord(event: NewEvent): EventRecord {
  const at = event.createdAt.toISOString();
  return {
    id: event.id,
    tenantId: event.tenantId,
    eventType: event.eventType,
    sinkType: event.sinkType,
    module: event.module,
    state: event.failed ? 'ERROR' : 'QUEUED',
    payload: event.payload,
    priority: event.priority,
    attempt: 0,
    maxAttempts: event.maxAttempts,
    timeoutMs: event.timeoutMs,
    sinkId: null,
    pinnedSinkId: event.pinnedSinkId,
    leaseExpiresAt: null,
    notBefore: event.notBefore?.toISOString() ?? null,
    result: null,
    error: event.failed ?? null,
    warnings: [],
    source: event.source,
    parentEventId: event.parentEventId,
    rootEventId: event.rootEventId,
    chainDepth: event.chainDepth,
    rerunOf: event.rerunOf,
    idempotencyKey: event.idempotencyKey,
    ...(event.traceContext ? { traceContext: event.traceContext } : {}),
    createdAt: at,
    startedAt: null,
    finishedAt: event.failed ? at : null,
    updatedAt: at,
  };
}
