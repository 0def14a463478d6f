/**
 * The hub's OpenTelemetry spans, through `@opentelemetry/api` only: with no tracer provider
 * registered they cost next to nothing and record nothing, but an incoming trace context still
 * flows on (the API's non-recording spans keep their parent's ids). A user who registers a
 * provider (`trace.setGlobalTracerProvider`, or an SDK's `register()`) gets the spans:
 *
 * - `fire <Event Type>` (PRODUCER): an event is created; a child of the caller's context (a
 *   webhook's `traceparent`, a client's `traceContext`) or of the parent's `complete` span for a
 *   follow-on. Its context is stored on the event (`traceContext`).
 * - `dispatch <Event Type>` (INTERNAL): from when the attempt could be claimed to when its Task
 *   Request was handed to the sink; its context travels in the Task Request, so the sink's `run`
 *   span is its child.
 * - `complete <Event Type>` (INTERNAL): the hub records an attempt's outcome; a child of the
 *   event's `fire` span.
 */
import {
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  createTraceState,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { formatTraceparent, parseTraceparent, type EventRecord, type TraceContext } from '@nexomatic/core';
import type { NewEvent } from '../store/port.js';
import { HUB_VERSION } from '../version.js';

/** The tracer name of the hub's spans. */
export const HUB_TRACER = '@nexomatic/hub';

const tracer = () => trace.getTracer(HUB_TRACER, HUB_VERSION);

/** The API's own no-op provider: what a {@link ProxyTracerProvider} delegates to until one is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * True when no tracer provider is registered (the global provider is the API's proxy, delegating
 * to its no-op one): spans then record nothing, so the hub skips building them and only carries
 * the parent's context on (what the no-op tracer's spans would do). Checked per span, so a provider
 * registered later is used at once.
 */
function tracingOff(): boolean {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_PROVIDER;
}

/** What the no-op tracer returns: a non-recording span carrying `parent`'s span context, if valid. */
function carrying(parent: SpanContext | null | undefined): Span {
  return trace.wrapSpanContext(parent && isSpanContextValid(parent) ? parent : INVALID_SPAN_CONTEXT);
}

/** The OpenTelemetry span context a stored trace context names (remote), or null. */
export function spanContextOf(traceContext: TraceContext | null | undefined): SpanContext | null {
  const ids = parseTraceparent(traceContext?.traceparent);
  if (!ids) return null;
  const spanContext: SpanContext = { ...ids, isRemote: true };
  if (traceContext?.tracestate) spanContext.traceState = createTraceState(traceContext.tracestate);
  return spanContext;
}

/** An OpenTelemetry context whose parent span is the given trace context; the root context when none. */
export function contextOf(traceContext: TraceContext | null | undefined): Context {
  const spanContext = spanContextOf(traceContext);
  return spanContext ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}

/** The W3C trace context of a span, or null when it has no valid one (no provider and no parent). */
export function traceContextOf(span: Span): TraceContext | null {
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return null;
  const context: TraceContext = { traceparent: formatTraceparent(spanContext) };
  const state = spanContext.traceState?.serialize();
  if (state) context.tracestate = state;
  return context;
}

/** When a claimed attempt could first be claimed: its `notBefore` (a delay or a retry's backoff), else its creation. */
export function readyAt(event: Pick<EventRecord, 'createdAt' | 'notBefore'>): Date {
  const created = Date.parse(event.createdAt);
  const notBefore = event.notBefore ? Date.parse(event.notBefore) : Number.NEGATIVE_INFINITY;
  return new Date(Math.max(created, notBefore));
}

/** The attributes every span of an event carries. */
function eventAttributes(event: Pick<EventRecord, 'id' | 'tenantId' | 'eventType' | 'rootEventId' | 'chainDepth'>): Attributes {
  return {
    'messaging.system': 'nexomatic',
    'messaging.message.id': event.id,
    'nexomatic.event.id': event.id,
    'nexomatic.event.type': event.eventType,
    'nexomatic.tenant.id': event.tenantId,
    'nexomatic.event.root_id': event.rootEventId,
    'nexomatic.chain.depth': event.chainDepth,
  };
}

/**
 * Starts the `fire` span of a new event under `parent` (a caller's context, or a `complete` span's)
 * and stores its context on the event. With `link`, the span links to another trace (a re-run links
 * to the original). End it with {@link endSpan} once the event is stored.
 */
export function startFireSpan(event: NewEvent, parent: Context, link?: TraceContext | null): Span {
  if (tracingOff()) {
    const span = carrying(trace.getSpanContext(parent));
    event.traceContext = traceContextOf(span);
    return span;
  }
  const linked = spanContextOf(link);
  const links: Link[] = linked ? [{ context: linked }] : [];
  const span = tracer().startSpan(
    `fire ${event.eventType}`,
    {
      kind: SpanKind.PRODUCER,
      startTime: event.createdAt,
      links,
      attributes: {
        ...eventAttributes(event),
        'messaging.operation.type': 'create',
        'nexomatic.source.type': event.source.type,
        ...(event.parentEventId ? { 'nexomatic.event.parent_id': event.parentEventId } : {}),
      },
    },
    parent,
  );
  event.traceContext = traceContextOf(span);
  return span;
}

/**
 * Starts the `dispatch` span of a claimed attempt: a child of the event's `fire` span, from when the
 * attempt could be claimed (`readyAt`) on. Its context goes into the Task Request.
 */
export function startDispatchSpan(event: EventRecord, readyAt: Date, sinkId: string): Span {
  // Without a provider the span would only carry the event's own context, which the Task Request
  // carries anyway (see `Dispatcher.deliver`).
  if (tracingOff()) return carrying(null);
  return tracer().startSpan(
    `dispatch ${event.eventType}`,
    {
      kind: SpanKind.INTERNAL,
      startTime: readyAt,
      attributes: {
        ...eventAttributes(event),
        'messaging.operation.type': 'send',
        'nexomatic.event.attempt': event.attempt,
        'nexomatic.sink.id': sinkId,
      },
    },
    contextOf(event.traceContext),
  );
}

/** Starts the `complete` span of an attempt's outcome: a child of the event's `fire` span. */
export function startCompleteSpan(event: EventRecord, outcome: { outcome: string; error: { code: string; message: string } | null }, retry: boolean): Span {
  // Still the event's context: follow-ons' `fire` spans are its children, so they join its trace.
  if (tracingOff()) return carrying(spanContextOf(event.traceContext));
  const span = tracer().startSpan(
    `complete ${event.eventType}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        ...eventAttributes(event),
        'messaging.operation.type': 'settle',
        'nexomatic.event.attempt': event.attempt,
        'nexomatic.event.outcome': outcome.outcome,
        'nexomatic.event.retry': retry,
        ...(event.sinkId ? { 'nexomatic.sink.id': event.sinkId } : {}),
        ...(outcome.error ? { 'nexomatic.error.code': outcome.error.code } : {}),
      },
    },
    contextOf(event.traceContext),
  );
  if (outcome.outcome === 'ERROR') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error?.message ?? 'ERROR' });
  return span;
}

/** A context whose active span is `span`: the parent of the spans started under it. */
export function childOf(span: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, span);
}

/** Ends a span; with an error, records it and marks the span failed first. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}
