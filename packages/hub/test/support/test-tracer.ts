import { randomBytes } from 'node:crypto';
import {
  TraceFlags,
  context as otelContext,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

/** A span as the test provider recorded it. */
export interface RecordedSpan {
  tracer: string;
  name: string;
  kind: SpanKind | undefined;
  traceId: string;
  spanId: string;
  /** The parent's span id; undefined for a root span. */
  parentSpanId: string | undefined;
  traceState: string | undefined;
  attributes: Attributes;
  links: Link[];
  status: SpanStatus | undefined;
  ended: boolean;
}

class TestSpan implements Span {
  constructor(
    private readonly context: SpanContext,
    readonly record: RecordedSpan,
    private readonly onEnd: (span: RecordedSpan) => void,
  ) {}
  spanContext(): SpanContext {
    return this.context;
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.record.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.record.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(link: Link): this {
    this.record.links.push(link);
    return this;
  }
  addLinks(links: Link[]): this {
    this.record.links.push(...links);
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.record.status = status;
    return this;
  }
  updateName(name: string): this {
    this.record.name = name;
    return this;
  }
  end(): void {
    if (this.record.ended) return;
    this.record.ended = true;
    this.onEnd(this.record);
  }
  isRecording(): boolean {
    return !this.record.ended;
  }
  recordException(): void {}
}

/**
 * A minimal in-memory `TracerProvider` over `@opentelemetry/api` alone (no SDK): every span gets
 * random ids, its parent's trace id and trace state, and lands in {@link TestTracerProvider.spans}
 * when it ends.
 */
export class TestTracerProvider implements TracerProvider {
  /** Ended spans, in the order they ended. */
  readonly spans: RecordedSpan[] = [];

  getTracer(name: string): Tracer {
    const start = (spanName: string, options: SpanOptions = {}, parentContext: Context = otelContext.active()): TestSpan => {
      const parent = trace.getSpanContext(parentContext);
      const spanContext: SpanContext = {
        traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        traceFlags: TraceFlags.SAMPLED,
        ...(parent?.traceState ? { traceState: parent.traceState } : {}),
      };
      const record: RecordedSpan = {
        tracer: name,
        name: spanName,
        kind: options.kind,
        traceId: spanContext.traceId,
        spanId: spanContext.spanId,
        parentSpanId: parent?.spanId,
        traceState: parent?.traceState?.serialize(),
        attributes: { ...options.attributes },
        links: [...(options.links ?? [])],
        status: undefined,
        ended: false,
      };
      return new TestSpan(spanContext, record, (span) => this.spans.push(span));
    };
    return {
      startSpan: start,
      startActiveSpan: ((spanName: string, ...args: unknown[]) => {
        const fn = args.pop() as (span: Span) => unknown;
        const [options, parentContext] = args as [SpanOptions | undefined, Context | undefined];
        const span = start(spanName, options, parentContext);
        return otelContext.with(trace.setSpan(parentContext ?? otelContext.active(), span), () => fn(span));
      }) as Tracer['startActiveSpan'],
    };
  }

  /** The ended spans whose name starts with `prefix` and that carry `nexomatic.event.id` = `eventId`. */
  find(prefix: string, eventId: string): RecordedSpan[] {
    return this.spans.filter((span) => span.name.startsWith(prefix) && span.attributes['nexomatic.event.id'] === eventId);
  }
}
