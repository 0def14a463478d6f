import { describe, expect, it } from 'vitest';
import { FireInput, TaskRequest, TraceContext, formatTraceparent, parseTraceparent, traceContextFromHeaders, traceContextHeaders } from '../src/index.js';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C trace context', () => {
  it('parses a traceparent and formats it back', () => {
    const ids = parseTraceparent(VALID);
    expect(ids).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
    expect(formatTraceparent(ids!)).toBe(VALID);
  });

  it('refuses invalid traceparents as the specification says: version ff, zero ids, extra fields on version 00, bad hex', () => {
    for (const value of [
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      `${VALID}-extra`,
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
      '',
    ]) {
      expect(parseTraceparent(value), value).toBeNull();
    }
  });

  it('accepts a later version by its first four fields and normalises it to version 00', () => {
    expect(traceContextFromHeaders({ traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future' })).toEqual({ traceparent: VALID });
  });

  it('reads traceparent and tracestate from Node and fetch headers; several traceparents are ignored', () => {
    expect(traceContextFromHeaders({ traceparent: VALID, tracestate: ['a=1', 'b=2'] })).toEqual({ traceparent: VALID, tracestate: 'a=1,b=2' });
    expect(traceContextFromHeaders(new Headers({ traceparent: VALID, tracestate: 'a=1' }))).toEqual({ traceparent: VALID, tracestate: 'a=1' });
    expect(traceContextFromHeaders({ Traceparent: VALID })).toEqual({ traceparent: VALID });
    expect(traceContextFromHeaders({ traceparent: [VALID, VALID] })).toBeUndefined();
    expect(traceContextFromHeaders({ traceparent: 'garbage', tracestate: 'a=1' })).toBeUndefined();
    expect(traceContextFromHeaders({})).toBeUndefined();
    expect(traceContextHeaders({ traceparent: VALID, tracestate: 'a=1' })).toEqual({ traceparent: VALID, tracestate: 'a=1' });
    expect(traceContextHeaders(undefined)).toEqual({});
  });

  it('validates the trace context of a fire and a Task Request, naming the field', () => {
    expect(TraceContext.safeParse({ traceparent: VALID }).success).toBe(true);
    const bad = FireInput.safeParse({ eventType: 'orders.placed', traceContext: { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['traceContext', 'traceparent']);
    expect(TaskRequest.shape.traceContext.safeParse(undefined).success).toBe(true);
  });
});
