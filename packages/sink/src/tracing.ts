/**
 * The sink's OpenTelemetry span, through `@opentelemetry/api` only: `run <Event Type>` (CONSUMER)
 * around each task attempt, a child of the hub's `dispatch` span (the Task Request's
 * `traceContext`). The module gets the run span's context as `ctx.traceparent` / `ctx.tracestate`,
 * so its own spans join the same trace. With no tracer provider registered in the sink process
 * nothing is recorded, and the module gets the hub's context unchanged.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  createTraceState,
  isSpanContextValid,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { formatTraceparent, parseTraceparent, type TaskRequest, type TraceContext } from '@nexomatic/core';
import type { Executor, TaskHooks, TaskOutcome } from './executors/executor.js';

/** The tracer name of the sink's spans. */
export const SINK_TRACER = '@nexomatic/sink';

/** An OpenTelemetry context whose (remote) parent span is the given trace context; the root context when none. */
export function contextOf(traceContext: TraceContext | null | undefined): Context {
  const ids = parseTraceparent(traceContext?.traceparent);
  if (!ids) return ROOT_CONTEXT;
  const traceState = traceContext?.tracestate ? createTraceState(traceContext.tracestate) : undefined;
  return trace.setSpanContext(ROOT_CONTEXT, { ...ids, isRemote: true, ...(traceState ? { traceState } : {}) });
}

/** The W3C trace context of a span, or null when it has none. */
export function traceContextOf(span: Span): TraceContext | null {
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return null;
  const state = spanContext.traceState?.serialize();
  return state ? { traceparent: formatTraceparent(spanContext), tracestate: state } : { traceparent: formatTraceparent(spanContext) };
}

/** Starts the `run` span of a task attempt, a child of the Task Request's trace context. */
export function startRunSpan(task: TaskRequest): { span: Span; parent: Context } {
  const parent = contextOf(task.traceContext);
  const span = trace.getTracer(SINK_TRACER).startSpan(
    `run ${task.eventType}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'nexomatic',
        'messaging.operation.type': 'process',
        'messaging.message.id': task.eventId,
        'nexomatic.event.id': task.eventId,
        'nexomatic.event.type': task.eventType,
        'nexomatic.event.attempt': task.attempt,
        'nexomatic.tenant.id': task.tenantId,
        'nexomatic.event.root_id': task.rootEventId,
        'nexomatic.chain.depth': task.chainDepth,
        'nexomatic.module': task.module,
      },
    },
    parent,
  );
  return { span, parent };
}

/** Ends a `run` span with the attempt's outcome. */
export function endRunSpan(span: Span, outcome: TaskOutcome): void {
  span.setAttribute('nexomatic.event.outcome', outcome.outcome);
  if (outcome.error) {
    span.setAttribute('nexomatic.error.code', outcome.error.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
  }
  span.end();
}

/**
 * Wraps an executor so every attempt runs inside its `run` span: the inner executor (and so the
 * module) sees the run span's context as the Task Request's `traceContext`, and the span is active
 * while it runs (for in-process modules, when a context manager is registered).
 */
export class TracingExecutor implements Executor {
  constructor(private readonly inner: Executor) {}

  /** Runs one attempt inside its `run` span. */
  async run(task: TaskRequest, hooks: TaskHooks): Promise<TaskOutcome> {
    const { span, parent } = startRunSpan(task);
    const traceContext = traceContextOf(span) ?? task.traceContext;
    const traced: TaskRequest = traceContext ? { ...task, traceContext } : task;
    const outcome = await context.with(trace.setSpan(parent, span), () => this.inner.run(traced, hooks));
    endRunSpan(span, outcome);
    return outcome;
  }

  /** See {@link Executor.killAll}. */
  killAll(code: string, message: string): void {
    this.inner.killAll(code, message);
  }

  /** See {@link Executor.close}. */
  close(): Promise<void> {
    return this.inner.close();
  }
}
