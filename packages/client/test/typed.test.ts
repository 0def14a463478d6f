/**
 * The client's types come from the code definitions: a wrong payload is a compile-time error
 * (checked by `tsc`, which type-checks this file in `npm run typecheck`: every `@ts-expect-error`
 * below must meet an error) and a runtime error naming the field (checked by vitest, with no hub:
 * nothing is sent).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EventRecord } from '@nexomatic/core';
import { createClient, defineSchedule, type Client, type PayloadMap, type PayloadOf } from '../src/index.js';
import config, { orderPlaced } from './fixtures/definitions.js';

// Port 9 (discard): fetch refuses it at once; no test below reaches the network.
const client = createClient({ url: 'http://127.0.0.1:9', token: 'nxm_unused', definitions: config, retry: { attempts: 1 } });

/** Compiled, never called: the calls a typed client accepts and refuses. */
function compileTimeChecks(c: typeof client): void {
  void c.fire('orders.placed', { orderId: 'A-1', total: 12, items: ['x'] });
  void c.fire('orders.placed', { orderId: 'A-1', total: 12 }, { priority: 5, idempotencyKey: 'k-1' });
  // @ts-expect-error total must be a number
  void c.fire('orders.placed', { orderId: 'A-1', total: '12' });
  // @ts-expect-error orderId is required
  void c.fire('orders.placed', { total: 12 });
  // @ts-expect-error carrier is 'ups' | 'dhl'
  void c.fire('orders.shipped', { orderId: 'A-1', carrier: 'fedex' });
  // @ts-expect-error an unknown field of a typed payload
  void c.fire('orders.placed', { orderId: 'A-1', total: 1, coupon: 'X' });
  // Event Types the definitions do not type (plain definitions, or names the hub knows) take any JSON object.
  void c.fire('plain', { anything: [1, 2] });
  void c.fire('defined.elsewhere', { n: 1 });
  const dynamic: string = 'orders.placed';
  void c.fire(dynamic, { checked: 'at run time only' });
  // The object form is typed the same way.
  void c.fire({ eventType: 'orders.placed', payload: { orderId: 'A-2', total: 3 } });
  // @ts-expect-error total must be a number
  void c.fire({ eventType: 'orders.placed', payload: { orderId: 'A-2', total: null } });
  // A defineEventType result types the payload even for a client created without definitions.
  const untypedClient: Client = createClient({ url: 'http://127.0.0.1:9', token: 't' });
  void untypedClient.fire(orderPlaced, { orderId: 'B', total: 1, items: [] });
  // @ts-expect-error total must be a number
  void untypedClient.fire(orderPlaced, { orderId: 'B', total: 'one', items: [] });
  void untypedClient.fire('orders.placed', { total: 'anything goes without definitions' });
  // Batches: each item's payload is checked against the Event Type it names.
  void c.fireBatch([
    { eventType: 'orders.placed', payload: { orderId: 'A', total: 1, items: [] } },
    { eventType: 'plain', payload: { free: true } },
  ]);
  void c.fireBatch([
    { eventType: 'plain', payload: {} },
    // @ts-expect-error carrier is 'ups' | 'dhl'
    { eventType: 'orders.shipped', payload: { orderId: 'A', carrier: 'post' } },
  ]);
}
void compileTimeChecks;

describe('typed fire', () => {
  it('derives the payload types of the typed Event Types from the definitions', () => {
    type Payloads = PayloadMap<typeof config>;
    // What a caller passes: `items` has a default, so it may be left out.
    expectTypeOf<Payloads['orders.placed']>().toEqualTypeOf<{ orderId: string; total: number; items?: string[] | undefined }>();
    expectTypeOf<Payloads['orders.shipped']['carrier']>().toEqualTypeOf<'ups' | 'dhl'>();
    expectTypeOf<keyof Payloads>().toEqualTypeOf<'orders.placed' | 'orders.shipped'>();
    expectTypeOf<PayloadOf<Payloads, 'plain'>>().toEqualTypeOf<Record<string, unknown>>();
    expectTypeOf(client.events.get).returns.resolves.toEqualTypeOf<EventRecord>();
  });

  it('refuses a wrong payload at run time too, naming the field, before anything is sent', async () => {
    const wrong = { orderId: 'A-1', total: 'twelve' } as unknown as { orderId: string; total: number; items: string[] };
    await expect(client.fire('orders.placed', wrong)).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/payload of orders\.placed: total: .*number/),
    });
    await expect(client.fire(orderPlaced, { orderId: '', total: 1, items: [] })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('orderId'),
    });
    const shipped = { orderId: 'A', carrier: 'post' } as unknown as { orderId: string; carrier: 'ups' };
    await expect(client.fireBatch([{ eventType: 'orders.shipped', payload: shipped }])).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('payload of orders.shipped: carrier'),
    });
  });

  it('checks a Schedule when the config is loaded, naming the field', () => {
    expect(() => defineSchedule({ name: 'bad', eventType: 'plain', cron: '0 25 * * *' })).toThrow(/invalid Schedule bad: cron: hour value 25 is outside 0-23/);
  });

  it('sends untyped Event Types as they are (the hub checks them): a network failure, not a validation one', async () => {
    await expect(client.fire('plain', { anything: true })).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/^hub unreachable/) });
  });
});
