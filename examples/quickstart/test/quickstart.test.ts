import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@nexomatic/core';
import { createClient } from '@nexomatic/client';
import { startQuickstart, type Quickstart } from '../src/quickstart.js';

const dataDir = mkdtempSync(join(tmpdir(), 'nexomatic-quickstart-'));
let quickstart: Quickstart | undefined;
afterAll(() => quickstart?.close());

describe('the quickstart', () => {
  it('starts a hub and a sink process and runs the three-step demo pipeline end to end', async () => {
    const sinkLines: string[] = [];
    quickstart = await startQuickstart({ port: 0, dataDir, logger: silentLogger, onSinkLine: (l) => sinkLines.push(l) });
    const chain = await quickstart.runDemo({ orderId: 'T-1', customer: 'ada@example.com', items: [{ sku: 'tea', price: 4.5, quantity: 2 }] });
    expect(chain.map((e) => [e.eventType, e.state])).toEqual([
      ['demo.order-received', 'SUCCESS'],
      ['demo.order-priced', 'SUCCESS'],
      ['demo.order-stored', 'SUCCESS'],
    ]);
    expect(chain[1]!.payload).toEqual({ orderId: 'T-1', customer: 'ada@example.com', total: 9, currency: 'EUR' });
    expect(chain[2]!.result).toEqual({ notified: true, message: 'order T-1 stored (9)' });
    // The notify step is the Python module examples/python-modules/orders/notify.py.
    expect(quickstart.python).toBe(true);
    const logs = await quickstart.hub.store.logs.query(quickstart.hub.tenantId, { eventId: chain[2]!.id, limit: 100 });
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stream: 'stdout', message: 'notifying: order T-1 stored (9)' }),
        expect.objectContaining({ stream: 'log', level: 'info', message: 'notification sent', fields: { message: 'order T-1 stored (9)', runtime: 'python' } }),
      ]),
    );
    expect((await quickstart.hub.listSinks()).find((s) => s.name === 'quickstart-sink')?.runtimes).toEqual(expect.arrayContaining(['node', 'python']));
    const written = readFileSync(join(dataDir, 'orders.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // The sample Schedule may have fired meanwhile; its orders are named 'sample'.
    expect(written.filter((order) => order.orderId !== 'sample')).toEqual([expect.objectContaining({ orderId: 'T-1', total: 9 })]);
  });

  it('keeps a demo master key beside its database, so Secrets can be set (write-only)', async () => {
    const metadata = await quickstart!.hub.putSecret('DEMO_API_KEY', 'not-shown');
    expect(metadata).toMatchObject({ key: 'DEMO_API_KEY' });
    expect(JSON.stringify(metadata)).not.toContain('not-shown');
    expect(Buffer.from(readFileSync(join(dataDir, 'demo-master-key'), 'utf8').trim(), 'base64')).toHaveLength(32);
  });

  it('has an enabled Schedule that fires a sample order every five minutes', async () => {
    const client = createClient({ url: quickstart!.url, token: quickstart!.token });
    const [schedule] = (await client.schedules.list()).filter((s) => s.name === 'demo.sample-order');
    expect(schedule).toMatchObject({ eventType: 'demo.order-received', cron: '*/5 * * * *', enabled: true });
    const next = new Date(schedule!.nextRun!);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getUTCMinutes() % 5).toBe(0);
  });

  it('starts the pipeline from its webhook Source: a POST answers 202 with the event id', async () => {
    const res = await fetch(quickstart!.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: 'W-1', customer: 'carol@example.com', items: [{ sku: 'jam', price: 2, quantity: 3 }] }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const event = await quickstart!.hub.waitForEvent(id, 30_000);
    expect(event).toMatchObject({ eventType: 'demo.order-received', state: 'SUCCESS', source: { type: 'webhook', id: 'demo.orders-webhook' } });
  });

  it('chains a failed order to the alert step, and keeps the admin token for the next start', async () => {
    const chain = await quickstart!.runDemo({ orderId: 'T-2', items: [] });
    expect(chain.map((e) => [e.eventType, e.state])).toEqual([
      ['demo.order-received', 'ERROR'],
      ['demo.order-failed', 'SUCCESS'],
    ]);
    expect(chain[1]!.result).toEqual({ alerted: true, code: 'EMPTY_ORDER' });
    expect(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()).toBe(quickstart!.token);
    const client = createClient({ url: quickstart!.url, token: quickstart!.token });
    expect((await client.events.counts()).SUCCESS).toBeGreaterThanOrEqual(4);
  });
});
