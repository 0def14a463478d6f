/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as Nexomatic carries it: from a Source
 * (a webhook's `traceparent` header, a client's fire) on the event, in the Task Request to the
 * sink, and into the module. Plain strings and zod; no OpenTelemetry dependency here.
 */
import { z } from 'zod';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** Any version but `ff`: a later version may append fields after the four of version `00`. */
const TRACEPARENT_ANY_VERSION = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The ids a `traceparent` names. */
export interface TraceparentIds {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits (the parent span), not all zero. */
  spanId: string;
  /** The trace flags byte; bit 0 is `sampled`. */
  traceFlags: number;
}

/**
 * Reads a `traceparent` value; null when it is not a valid one (the W3C rule: an invalid
 * `traceparent` is ignored and a new trace starts). Accepts later versions than `00` by their first
 * four fields, as the specification asks.
 */
export function parseTraceparent(value: string | null | undefined): TraceparentIds | null {
  if (typeof value !== 'string') return null;
  const match = TRACEPARENT_ANY_VERSION.exec(value.trim());
  if (!match) return null;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) };
}

/** The version-`00` `traceparent` of the given ids. */
export function formatTraceparent(ids: TraceparentIds): string {
  return `00-${ids.traceId}-${ids.spanId}-${(ids.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * The trace context an event carries: the W3C `traceparent` of the span that created it (version
 * `00`) and the vendors' `tracestate`, if any.
 */
export const TraceContext = z.object({
  traceparent: z
    .string()
    .regex(TRACEPARENT, 'must be a W3C traceparent: 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>')
    .refine((value) => parseTraceparent(value) !== null, 'trace id and span id must not be all zeros'),
  /** Vendor-specific trace state (W3C `tracestate`). */
  tracestate: z.string().max(512).optional(),
});
/** The trace context an event carries. */
export type TraceContext = z.infer<typeof TraceContext>;

/** HTTP headers as Node (`req.headers`) or fetch (`Headers`) give them. */
export type HeadersLike = Record<string, string | string[] | undefined> | { get(name: string): string | null };

function header(headers: HeadersLike, name: string): string | string[] | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  return record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1];
}

/**
 * The trace context of an incoming request's `traceparent` and `tracestate` headers, or undefined
 * when it has no valid `traceparent` (then the hub starts a new trace). Sources pass it on with the
 * events they fire (`FireInput.traceContext`).
 *
 * @example
 * ```ts
 * await source.fire({ eventType: 'orders.placed', payload, traceContext: traceContextFromHeaders(req.headers) });
 * ```
 */
export function traceContextFromHeaders(headers: HeadersLike): TraceContext | undefined {
  const parent = header(headers, 'traceparent');
  // Several traceparent headers make the request's context invalid.
  if (typeof parent !== 'string') return undefined;
  const ids = parseTraceparent(parent);
  if (!ids) return undefined;
  const state = header(headers, 'tracestate');
  const tracestate = (Array.isArray(state) ? state.join(',') : state)?.trim();
  const context: TraceContext = { traceparent: formatTraceparent(ids) };
  if (tracestate && tracestate.length <= 512) context.tracestate = tracestate;
  return context;
}

/** The `traceparent` and `tracestate` headers of a trace context, for an outgoing request. */
export function traceContextHeaders(context: TraceContext | null | undefined): Record<string, string> {
  if (!context) return {};
  return context.tracestate ? { traceparent: context.traceparent, tracestate: context.tracestate } : { traceparent: context.traceparent };
}
