import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '@nexomatic/hub';
import type { SourceContext } from '@nexomatic/core';
import { defineSource } from '@nexomatic/sources';
import { tokenClient } from './support/api.js';

let hub: Hub | undefined;
afterEach(() => hub?.close());

describe('custom sources', () => {
  it('fire events through the hub with their source recorded, in a few lines', async () => {
    hub = await createHub({ dataDir: mkdtempSync(join(tmpdir(), 'nexomatic-src-')) });
    await hub.apply({
      sinkTypes: [{ name: 'S' }],
      actions: [{ name: 'a', module: 'm.a' }],
      eventTypes: [
        { name: 'tick', sinkType: 'S', action: 'a' },
        { name: 'webhook-only', sinkType: 'S', action: 'a', sourceTypes: ['webhook'] },
      ],
    });
    const fired: string[] = [];
    const counter = defineSource('counter', async (ctx) => {
      const events = await ctx.fireBatch([1, 2, 3].map((n) => ({ eventType: 'tick', payload: { n } })));
      fired.push(...events.map((e) => e.id));
      return () => {
        fired.push('stopped');
      };
    });
    const stop = await counter.start(hub.sourceContext({ type: 'custom', id: 'counter' }));
    await stop();
    expect(fired).toHaveLength(4);
    const event = await hub.getEvent(fired[0]!);
    expect(event).toMatchObject({ eventType: 'tick', state: 'QUEUED', source: { type: 'custom', id: 'counter' }, payload: { n: 1 } });
    // An Event Type names the Source Types that may fire it.
    await expect(hub.sourceContext({ type: 'custom' }).fire({ eventType: 'webhook-only' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('run in another service through the API: a SourceContext over a client, in a few lines', async () => {
    hub = await createHub({ dataDir: mkdtempSync(join(tmpdir(), 'nexomatic-src-')) });
    await hub.apply({
      sinkTypes: [{ name: 'S' }],
      actions: [{ name: 'a', module: 'm.a' }],
      eventTypes: [{ name: 'erp.order', sinkType: 'S', action: 'a', sourceTypes: ['custom'] }],
    });
    const { url } = await hub.listen(0);
    const api = tokenClient(url, (await hub.createToken({ role: 'Admin', name: 'erp-poller' })).token);
    // The remote side: the API's fire calls, with the Source named on every event.
    const source = { type: 'custom' as const, id: 'erp-poller' };
    const remote: SourceContext = {
      fire: (input) => api.events.fire.mutate({ ...input, source }),
      fireBatch: (inputs) => api.events.fireBatch.mutate({ events: inputs.map((input) => ({ ...input, source })) }),
    };
    const poller = defineSource('erp-poller', async (ctx) => {
      await ctx.fireBatch([{ eventType: 'erp.order', payload: { id: 1 }, idempotencyKey: 'erp-1' }]);
      await ctx.fire({ eventType: 'erp.order', payload: { id: 1 }, idempotencyKey: 'erp-1' });
      return () => undefined;
    });
    await (await poller.start(remote))();
    const events = (await hub.listEvents()).items;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventType: 'erp.order', payload: { id: 1 }, source: { type: 'custom', id: 'erp-poller' } });
  });
});
