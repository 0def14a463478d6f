import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineAction, defineEventType, defineSinkType, Definitions, NexomaticError, parse } from '../src/index.js';

describe('definition builders', () => {
  it('types the payload of an Event Type from its zod schema and fills in defaults', () => {
    const orderPlaced = defineEventType({
      name: 'orders.placed',
      sinkType: 'LOCAL:BASE',
      action: 'orders.process',
      payload: z.object({ orderId: z.string(), total: z.number() }),
    });
    expectTypeOf(orderPlaced.name).toEqualTypeOf<'orders.placed'>();
    expectTypeOf<z.infer<typeof orderPlaced.payload>>().toEqualTypeOf<{ orderId: string; total: number }>();
    expect(orderPlaced.definition).toMatchObject({ priority: 0, parameters: [], retry: { maxAttempts: 1 } });
    expect(orderPlaced.payload.parse({ orderId: 'A', total: 1 })).toEqual({ orderId: 'A', total: 1 });
  });

  it('rejects a malformed Action with a VALIDATION error naming the field', () => {
    expect(() => defineAction({ name: 'x', module: 'has spaces' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining('module') }),
    );
    expect(() => defineAction({ name: 'x', module: 'a.b', parameters: [{ name: 'p', type: 'DATA' } as never] })).toThrow(
      /parameters\[0\]\.path/,
    );
  });

  it('rejects a Sink Type with an unknown runtime, naming runtimes[0]', () => {
    expect(() => defineSinkType({ name: 'LOCAL:BASE', runtimes: ['cobol' as never] })).toThrow(/runtimes\[0\]/);
    expect(defineSinkType({ name: 'LOCAL:BASE' }).runtimes).toEqual(['node']);
  });

  it('names every failing field of a definitions set, with its index', () => {
    try {
      parse(Definitions, { eventTypes: [{ name: 'ok', sinkType: 'S', action: 'a' }, { name: '1bad', action: 'a' }] }, 'definitions');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(NexomaticError);
      const message = (error as NexomaticError).message;
      expect(message).toContain('eventTypes[1].name');
      expect(message).toContain('eventTypes[1].sinkType');
      expect((error as NexomaticError).details).toEqual({ fields: ['eventTypes[1].name', 'eventTypes[1].sinkType'] });
    }
  });
});
