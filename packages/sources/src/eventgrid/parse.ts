import { EventGridDeserializer } from '@azure/eventgrid';
import { NexomaticError, type Json } from '@nexomatic/core';

/** The type of Event Grid's subscription validation event. */
export const SUBSCRIPTION_VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';

/** The schema an Event Grid event arrived in. */
export type EventGridSchema = 'eventgrid' | 'cloudevents';

/**
 * One Event Grid event, whatever its schema, in one shape (close to CloudEvents): this is the
 * payload of the Nexomatic event it becomes.
 */
export interface InboundEvent {
  id: string;
  type: string;
  /** CloudEvents `source`; the Event Grid schema's `topic`. */
  source: string;
  subject: string | null;
  /** ISO time of the occurrence, when the event says. */
  time: string | null;
  /** The event's data as JSON; binary CloudEvents data becomes `{ "base64": "..." }`. */
  data: Json;
  /** The Event Grid schema's `dataVersion`, or null. */
  dataVersion: string | null;
  schema: EventGridSchema;
}

/** What an Event Grid push request asks for: a subscription validation, or events to fire. */
export type EventGridPush =
  | { kind: 'validation'; validationCode: string; validationUrl: string | null }
  | { kind: 'events'; schema: EventGridSchema; events: InboundEvent[] };

const deserializer = new EventGridDeserializer();

/** Turns what the deserializer returns (Dates, byte arrays) into plain JSON. */
export function toJson(value: unknown): Json {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [key, entry] of Object.entries(value)) if (entry !== undefined) out[key] = toJson(entry);
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value as Json;
}

const iso = (time: unknown): string | null => (time instanceof Date && !Number.isNaN(time.getTime()) ? time.toISOString() : null);

/** The schema of a push body: by its content type, else by the shape of its first event. */
function schemaOf(body: unknown, contentType: string | undefined): EventGridSchema {
  const type = contentType?.toLowerCase() ?? '';
  if (type.includes('cloudevents')) return 'cloudevents';
  const first = Array.isArray(body) ? (body[0] as unknown) : body;
  return typeof first === 'object' && first !== null && 'specversion' in first ? 'cloudevents' : 'eventgrid';
}

function invalid(index: number, batch: boolean, error: unknown): NexomaticError {
  const where = batch ? `events[${index}]` : 'event';
  return new NexomaticError('VALIDATION', `${where}: ${(error as Error).message}`, { details: { reason: 'not-eventgrid', index } });
}

/**
 * Parses the JSON body of an Event Grid push delivery, in the Event Grid schema or CloudEvents 1.0
 * (a single event or a batch), with `@azure/eventgrid`'s `EventGridDeserializer`. A body holding
 * Event Grid's `SubscriptionValidationEvent` is a validation request. A malformed event is a
 * `VALIDATION` error naming its index and the problem.
 */
export async function parseEventGridPush(body: unknown, contentType?: string): Promise<EventGridPush> {
  const schema = schemaOf(body, contentType);
  const batch = Array.isArray(body);
  const items: unknown[] = batch ? body : [body];
  if (items.length === 0) throw new NexomaticError('VALIDATION', 'the body holds no events', { details: { reason: 'not-eventgrid' } });
  const events: InboundEvent[] = [];
  for (const [i, item] of items.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalid(i, batch, new Error('an event must be a JSON object'));
    try {
      if (schema === 'eventgrid') {
        const [event] = await deserializer.deserializeEventGridEvents(item as Record<string, unknown>);
        if (event!.eventType === SUBSCRIPTION_VALIDATION_EVENT) {
          const data = (event!.data ?? {}) as { validationCode?: unknown; validationUrl?: unknown };
          if (typeof data.validationCode !== 'string') throw new Error('data.validationCode must be a string');
          return { kind: 'validation', validationCode: data.validationCode, validationUrl: typeof data.validationUrl === 'string' ? data.validationUrl : null };
        }
        events.push({
          id: event!.id,
          type: event!.eventType,
          source: event!.topic ?? '',
          subject: event!.subject,
          time: iso(event!.eventTime),
          data: toJson(event!.data),
          dataVersion: event!.dataVersion,
          schema,
        });
      } else {
        const [event] = await deserializer.deserializeCloudEvents(item as Record<string, unknown>);
        events.push(fromCloudEvent(event!));
      }
    } catch (error) {
      throw invalid(i, batch, error);
    }
  }
  return { kind: 'events', schema, events };
}

/** The fields of a CloudEvent as both Event Grid packages name them. */
interface AnyCloudEvent {
  id: string;
  type: string;
  source: string;
  subject?: string | undefined;
  time?: Date | undefined;
  data?: unknown;
}

/** An {@link InboundEvent} from a CloudEvent of `@azure/eventgrid` or `@azure/eventgrid-namespaces`. */
export function fromCloudEvent(event: AnyCloudEvent): InboundEvent {
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    subject: event.subject ?? null,
    time: iso(event.time),
    data: toJson(event.data),
    dataVersion: null,
    schema: 'cloudevents',
  };
}
