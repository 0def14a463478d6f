import { SpanKind, trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DefinitionsInput, EventRecord } from '@nexomatic/core';
import { startSink, type Sink } from '@nexomatic/sink';
import { apiClient } from './support/api.js';
import { MODULES, startSinkProcess, type SinkProcess } from './support/sink-process.js';
import { startTestHub, type TestHub } from './support/test-hub.js';
import { TestTracerProvider, type RecordedSpan } from './support/test-tracer.js';
import { waitFor } from './support/wait.js';

/** A pipeline node -> python -> node: each step returns the trace context its module was given. */
const definitions: DefinitionsInput = {
  sinkTypes: [{ name: 'TEST:NODE', runtimes: ['node', 'python'] }],
  actions: [
    { name: 'traced', module: 'e2e.trace', onSuccess: 'traced-py' },
    { name: 'traced-py', module: 'e2e.trace_py', onSuccess: 'traced-end' },
    { name: 'traced-end', module: 'e2e.trace' },
  ],
  eventTypes: [
    { name: 'traced', sinkType: 'TEST:NODE', action: 'traced' },
    { name: 'traced-py', sinkType: 'TEST:NODE', action: 'traced-py' },
    { name: 'traced-end', sinkType: 'TEST:NODE', action: 'traced-end' },
  ],
};

/** The caller's span, as a webhook's or client's `traceparent` header names it. */
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const CALLER = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;

const ids = (traceparent: string | null | undefined) => {
  const [, traceId, spanId] = (traceparent ?? '').split('-');
  return { traceId, spanId };
};

/** What a traced module saw: `ctx.traceparent` (and the copy on `ctx.task`) and `ctx.tracestate`. */
function seen(event: EventRecord): { traceparent: string | null; tracestate: string | null; task: string | null } {
  const result = event.result as { node?: Record<string, string | null>; python?: Record<string, string | null> };
  const node = result.node;
  if (node) return { traceparent: node.traceparent ?? null, tracestate: node.tracestate ?? null, task: node.taskTraceparent ?? null };
  const python = result.python!;
  return { traceparent: python.traceparent ?? null, tracestate: python.tracestate ?? null, task: python.task_traceparent ?? null };
}

let closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

/** A hub with the traced pipeline, an Admin API client sending `headers`, and an in-process sink (or a sink process). */
async function pipeline(headers: Record<string, string>, sinkKind: 'in-process' | 'process' = 'in-process') {
  const test = await startTestHub({}, definitions);
  closers.push(() => test.close());
  if (sinkKind === 'process') {
    const sink: SinkProcess = await startSinkProcess(test.url, test.clientSecret, { concurrency: 2 });
    closers.push(() => sink.stop());
  } else {
    const sink: Sink = await startSink({ hubUrl: test.url, clientId: 'TEST:NODE', clientSecret: test.clientSecret, modules: [MODULES], concurrency: 2 });
    closers.push(() => sink.close());
  }
  const { token } = await test.hub.createToken({ role: 'Admin', name: 'tracing' });
  const client = apiClient(test.url, { authorization: `Bearer ${token}`, ...headers });
  return { test, client };
}

/** Fires the first step and waits for the whole chain to finish; returns its three events in chain order. */
async function runChain(test: TestHub, client: ReturnType<typeof apiClient>): Promise<EventRecord[]> {
  const fired = await client.events.fire.mutate({ eventType: 'traced', payload: { step: 1 } });
  return waitFor(
    'the chain of three events to finish',
    async () => {
      const { items } = await test.hub.listEvents({ rootEventId: fired.id });
      if (items.length !== 3 || items.some((e) => e.state !== 'SUCCESS')) return undefined;
      return [...items].sort((a, b) => a.chainDepth - b.chainDepth);
    },
    40_000,
  );
}

describe('trace context with no tracer provider registered (no SDK, no exporter)', () => {
  it('carries the caller\'s traceparent and tracestate unchanged through every step into node and python modules', async () => {
    const { test, client } = await pipeline({ traceparent: CALLER, tracestate: 'vendor=abc' });
    const chain = await runChain(test, client);
    for (const event of chain) {
      expect(event.traceContext).toEqual({ traceparent: CALLER, tracestate: 'vendor=abc' });
      expect(seen(event)).toEqual({ traceparent: CALLER, tracestate: 'vendor=abc', task: CALLER });
    }
  }, 60_000);

  it('starts no trace for a fire without one: no trace context on the events, ctx.traceparent is null', async () => {
    const { test, client } = await pipeline({ traceparent: 'not-a-traceparent' });
    const chain = await runChain(test, client);
    for (const event of chain) {
      expect(event.traceContext).toBeUndefined();
      expect(seen(event)).toEqual({ traceparent: null, tracestate: null, task: null });
    }
  }, 60_000);
});

describe('one trace across a chained pipeline, with a tracer provider registered', () => {
  const provider = new TestTracerProvider();
  beforeAll(() => {
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
  });
  afterAll(() => trace.disable());

  const one = (prefix: string, event: EventRecord): RecordedSpan => {
    const spans = provider.find(prefix, event.id);
    expect(spans.map((s) => s.name)).toEqual([`${prefix} ${event.eventType}`]);
    return spans[0]!;
  };

  it('makes fire, dispatch, run and complete spans of every step children in one trace, and hands the run span to each module', async () => {
    const { test, client } = await pipeline({ traceparent: CALLER, tracestate: 'vendor=abc' });
    const chain = await runChain(test, client);
    // The run spans end in the sink just after its result is queued: wait for the last one. A
    // complete span ends once the completion is on disk, after the COMMIT that shows SUCCESS.
    await waitFor('the last run span', () => provider.find('run', chain[2]!.id).length === 1);
    await waitFor('every complete span', () => chain.every((event) => provider.find('complete', event.id).length === 1));

    let parentOfFire = CALLER_SPAN;
    for (const event of chain) {
      const fire = one('fire', event);
      const dispatch = one('dispatch', event);
      const run = one('run', event);
      const complete = one('complete', event);
      for (const span of [fire, dispatch, run, complete]) {
        expect(span.traceId).toBe(CALLER_TRACE);
        expect(span.traceState).toBe('vendor=abc');
        expect(span.attributes['nexomatic.event.type']).toBe(event.eventType);
      }
      expect([fire.tracer, dispatch.tracer, run.tracer, complete.tracer]).toEqual(['@nexomatic/hub', '@nexomatic/hub', '@nexomatic/sink', '@nexomatic/hub']);
      expect([fire.kind, run.kind]).toEqual([SpanKind.PRODUCER, SpanKind.CONSUMER]);
      // The first fire is a child of the caller's span; each follow-on's of its parent's complete span.
      expect(fire.parentSpanId).toBe(parentOfFire);
      expect(dispatch.parentSpanId).toBe(fire.spanId);
      expect(run.parentSpanId).toBe(dispatch.spanId);
      expect(complete.parentSpanId).toBe(fire.spanId);
      expect(complete.attributes).toMatchObject({ 'nexomatic.event.outcome': 'SUCCESS', 'nexomatic.applied': true, 'nexomatic.event.attempt': 1 });
      // The event stores its fire span's context; the module gets its run span's.
      expect(event.traceContext).toEqual({ traceparent: `00-${CALLER_TRACE}-${fire.spanId}-01`, tracestate: 'vendor=abc' });
      expect(seen(event)).toEqual({ traceparent: `00-${CALLER_TRACE}-${run.spanId}-01`, tracestate: 'vendor=abc', task: `00-${CALLER_TRACE}-${run.spanId}-01` });
      parentOfFire = complete.spanId;
    }
    expect(chain.map((e) => e.eventType)).toEqual(['traced', 'traced-py', 'traced-end']);
    expect(ids(seen(chain[1]!).traceparent).traceId).toBe(CALLER_TRACE);
  }, 60_000);

  it('hands a sink process without a provider the dispatch span: its modules still join the trace', async () => {
    const { test, client } = await pipeline({ traceparent: CALLER }, 'process');
    const chain = await runChain(test, client);
    for (const event of chain) {
      const dispatch = one('dispatch', event);
      expect(provider.find('run', event.id)).toEqual([]);
      expect(seen(event).traceparent).toBe(`00-${CALLER_TRACE}-${dispatch.spanId}-01`);
    }
  }, 60_000);

  it('starts a new trace for a fire without a caller context, and a re-run links to the original trace', async () => {
    const { test, client } = await pipeline({});
    const chain = await runChain(test, client);
    const first = one('fire', chain[0]!);
    expect(first.parentSpanId).toBeUndefined();
    expect(first.traceId).not.toBe(CALLER_TRACE);
    expect(new Set(chain.map((e) => ids(e.traceContext?.traceparent).traceId))).toEqual(new Set([first.traceId]));

    const rerun = await test.hub.rerunEvent(chain[2]!.id);
    const fire = one('fire', rerun);
    expect(fire.parentSpanId).toBeUndefined();
    expect(fire.traceId).not.toBe(first.traceId);
    expect(fire.links.map((l) => l.context.spanId)).toEqual([ids(chain[2]!.traceContext?.traceparent).spanId]);
  }, 60_000);
});
