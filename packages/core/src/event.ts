import { z } from 'zod';
import { DefinitionName, JsonObject, JsonValue, SinkTypeName } from './names.js';
import { EventState, SourceType } from './states.js';
import { TraceContext } from './trace-context.js';

/** What fired an event: the Source Type and, where there is one, the Source's id. */
export const EventSource = z.object({
  type: SourceType,
  id: z.string().max(200).optional(),
});
/** What fired an event. */
export type EventSource = z.infer<typeof EventSource>;

/** A failure stored on an event: code, message and optional details. */
export const EventError = z.object({
  code: z.string().min(1).max(100),
  message: z.string().max(10_000),
  details: JsonValue.optional(),
  /** False when the module said retrying cannot help. */
  retryable: z.boolean().optional(),
});
/** A failure stored on an event. */
export type EventError = z.infer<typeof EventError>;

/** An Event: one unit of work and its whole record. Events are never deleted. */
export const EventRecord = z.object({
  id: z.string(),
  tenantId: z.string(),
  eventType: DefinitionName,
  sinkType: SinkTypeName,
  module: z.string(),
  state: EventState,
  payload: JsonObject,
  priority: z.number().int(),
  /** How many times the event has been claimed; 0 while never dispatched. */
  attempt: z.number().int().min(0),
  maxAttempts: z.number().int().min(1),
  /** Longest one attempt may run. */
  timeoutMs: z.number().int().min(1),
  sinkId: z.string().nullable(),
  /** Only this sink may run the event. */
  pinnedSinkId: z.string().nullable(),
  leaseExpiresAt: z.string().nullable(),
  notBefore: z.string().nullable(),
  result: JsonValue.nullable(),
  error: EventError.nullable(),
  warnings: z.array(z.string()),
  source: EventSource,
  parentEventId: z.string().nullable(),
  rootEventId: z.string(),
  chainDepth: z.number().int().min(0),
  /** The finished event this one re-runs (a new event with the same payload), or null. */
  rerunOf: z.string().nullable(),
  idempotencyKey: z.string().nullable(),
  /** The W3C trace context of the span that created the event (absent when none): its dispatch, run and follow-ons join that trace. */
  traceContext: TraceContext.optional(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  updatedAt: z.string(),
});
/** An Event. Timestamps are ISO strings. */
export type EventRecord = z.infer<typeof EventRecord>;

/** What a caller passes to fire one event. */
export const FireInput = z.object({
  eventType: DefinitionName,
  payload: JsonObject.default({}),
  /** Overrides the Event Type's priority. */
  priority: z.number().int().min(-1000).max(1000).optional(),
  /** Runs the event only on this sink. */
  pinnedSinkId: z.string().max(200).optional(),
  /** The same key, within the hub's idempotency window, returns the existing event instead of creating another. */
  idempotencyKey: z.string().min(1).max(200).optional(),
  /** Overrides the Event Type's `retry.maxAttempts`. */
  maxAttempts: z.number().int().min(1).max(100).optional(),
  /** Overrides the Event Type's `timeoutMs`. */
  timeoutMs: z.number().int().min(100).max(7 * 86_400_000).optional(),
  /** Not dispatched before this time. */
  notBefore: z.iso.datetime().optional(),
  source: EventSource.optional(),
  /** The caller's W3C trace context: the event's spans become part of the caller's trace. */
  traceContext: TraceContext.optional(),
});
/** What a caller passes to fire one event. */
export type FireInput = z.input<typeof FireInput>;

/** A filter for listing events; every field narrows the list. */
export const EventQuery = z.object({
  state: EventState.optional(),
  eventType: DefinitionName.optional(),
  sinkId: z.string().optional(),
  /** Source Type that fired the events. */
  sourceType: SourceType.optional(),
  rootEventId: z.string().optional(),
  parentEventId: z.string().optional(),
  /** ISO time: only events created at or after it. */
  createdFrom: z.iso.datetime().optional(),
  /** ISO time: only events created before it. */
  createdTo: z.iso.datetime().optional(),
  /** Opaque cursor from a previous page. */
  cursor: z.string().optional(),
  /** Page size. @default 50 */
  limit: z.number().int().min(1).max(1000).default(50),
});
/** A filter for listing events. */
export type EventQuery = z.input<typeof EventQuery>;

/** A page of events, newest first, with the cursor of the next page. */
export interface EventPage {
  items: EventRecord[];
  nextCursor: string | null;
}
