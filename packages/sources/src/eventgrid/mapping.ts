import type { EventGridRoute, FireInput, JsonObject } from '@nexomatic/core';
import { sourceIdempotencyKey } from '../webhook/replay.js';
import type { InboundEvent } from './parse.js';

/** True when an Event Grid event type matches a route's `type` (exact, or a prefix ending in `*`), ignoring case. */
function typeMatches(pattern: string, type: string): boolean {
  const p = pattern.toLowerCase();
  const t = type.toLowerCase();
  return p.endsWith('*') ? t.startsWith(p.slice(0, -1)) : p === t;
}

/**
 * The Event Type an Event Grid event becomes: the first route whose `type` matches the event's type
 * (exactly, or by prefix when it ends in `*`; case-insensitive, as Event Grid's own filters are)
 * and whose `subjectPrefix`, when given, starts the event's subject (case-insensitive). No match
 * falls back to `fallback` (a Source's first Event Type), or null when there is none.
 */
export function routeEvent(
  routes: readonly EventGridRoute[],
  event: Pick<InboundEvent, 'type' | 'subject'>,
  fallback: string | null = null,
): string | null {
  for (const route of routes) {
    if (!typeMatches(route.type, event.type)) continue;
    if (route.subjectPrefix !== undefined && !(event.subject ?? '').toLowerCase().startsWith(route.subjectPrefix.toLowerCase())) continue;
    return route.eventType;
  }
  return fallback;
}

/** The payload of the Nexomatic event an Event Grid event becomes: the event, schema-neutral. */
export function eventGridPayload(event: InboundEvent): JsonObject {
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    subject: event.subject,
    time: event.time,
    data: event.data,
    ...(event.dataVersion === null ? {} : { dataVersion: event.dataVersion }),
    schema: event.schema,
  };
}

/**
 * The {@link FireInput} of one Event Grid event: its Event Type, its payload and an idempotency key
 * from the event's `source` and `id` (unique per event, and the same on every redelivery), so a
 * redelivered event returns the event it created the first time.
 */
export function eventGridFireInput(event: InboundEvent, eventType: string, sourceName: string): FireInput {
  return {
    eventType,
    payload: eventGridPayload(event),
    idempotencyKey: sourceIdempotencyKey('eventgrid', sourceName, `${event.source}#${event.id}`),
  };
}
