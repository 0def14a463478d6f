import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '@nexomatic/hub';
import { defineSource } from '@nexomatic/sources';

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
});
