import { randomBytes } from 'node:crypto';
import { TraceFlags, trace, type Attributes, type Span, type SpanContext, type SpanStatus, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InProcessNodeExecutor } from '../src/executors/in-process.js';
import { TracingExecutor } from '../src/tracing.js';
import { FIXTURES, makeTask } from './support/helpers.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const DISPATCH = '00f067aa0ba902b7';
const traceContext = { traceparent: `00-${TRACE}-${DISPATCH}-01`, tracestate: 'hub=1' };

interface Recorded {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Attributes;
  status: SpanStatus | undefined;
}

/** Records ended spans; ids are random, the trace and parent come from the parent context. */
class Recorder implements TracerProvider {
  readonly spans: Recorded[] = [];
  getTracer(): Tracer {
    const startSpan: Tracer['startSpan'] = (name, options = {}, context) => {
      const parent = context ? trace.getSpanContext(context) : undefined;
      const spanContext: SpanContext = { traceId: parent?.traceId ?? randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), traceFlags: TraceFlags.SAMPLED };
      if (parent?.traceState) spanContext.traceState = parent.traceState;
      const record: Recorded = { name, traceId: spanContext.traceId, spanId: spanContext.spanId, parentSpanId: parent?.spanId, attributes: { ...options.attributes }, status: undefined };
      const span: Span = {
        spanContext: () => spanContext,
        setAttribute: (key, value) => ((record.attributes[key] = value), span),
        setAttributes: (attributes) => (Object.assign(record.attributes, attributes), span),
        addEvent: () => span,
        addLink: () => span,
        addLinks: () => span,
        setStatus: (status) => ((record.status = status), span),
        updateName: () => span,
        end: () => void this.spans.push(record),
        isRecording: () => true,
        recordException: () => undefined,
      };
      return span;
    };
    return { startSpan, startActiveSpan: (() => { throw new Error('not used'); }) as Tracer['startActiveSpan'] };
  }
}

describe('the sink\'s run span around each task', () => {
  let executor: TracingExecutor | undefined;
  afterEach(async () => executor?.close());
  afterAll(() => trace.disable());

  const start = async () => (executor = new TracingExecutor(await InProcessNodeExecutor.start({ moduleRoots: [FIXTURES] })));

  it('with no provider, hands the module the hub\'s trace context unchanged, and null when the task has none', async () => {
    const traced = await start();
    const hooks = { onLog: () => undefined };
    expect((await traced.run(makeTask('traced', { traceContext }), hooks)).result).toEqual({ traceparent: traceContext.traceparent, tracestate: 'hub=1', task: traceContext.traceparent });
    expect((await traced.run(makeTask('traced'), hooks)).result).toEqual({ traceparent: null, tracestate: null, task: null });
  });

  it('with a provider, runs the module inside a run span that is a child of the dispatch span, and marks a failure', async () => {
    const recorder = new Recorder();
    expect(trace.setGlobalTracerProvider(recorder)).toBe(true);
    const traced = await start();
    const hooks = { onLog: () => undefined };
    const ok = await traced.run(makeTask('traced', { eventType: 'orders.placed', traceContext }), hooks);
    const failed = await traced.run(makeTask('traced', { eventType: 'orders.placed', traceContext, payload: { fail: true } }), hooks);
    expect(recorder.spans.map((s) => [s.name, s.traceId, s.parentSpanId])).toEqual([
      ['run orders.placed', TRACE, DISPATCH],
      ['run orders.placed', TRACE, DISPATCH],
    ]);
    const [first, second] = recorder.spans;
    expect(ok.result).toEqual({ traceparent: `00-${TRACE}-${first!.spanId}-01`, tracestate: 'hub=1', task: `00-${TRACE}-${first!.spanId}-01` });
    expect(first!.attributes).toMatchObject({ 'nexomatic.event.outcome': 'SUCCESS', 'nexomatic.event.type': 'orders.placed' });
    expect(first!.status).toBeUndefined();
    expect(failed.outcome).toBe('ERROR');
    expect(second!.attributes).toMatchObject({ 'nexomatic.event.outcome': 'ERROR', 'nexomatic.error.code': 'REFUSED' });
    expect(second!.status).toEqual({ code: 2, message: 'refused' });
  });
});
