import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '@nexomatic/hub';
import { startSink, type Sink } from '../src/index.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/python-modules', import.meta.url));

describe('a Python module end to end: real hub, real sink, real python3', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nexomatic-python-e2e-'));
  let hub: Hub;
  let sink: Sink;

  beforeAll(async () => {
    hub = await createHub({ dataDir: dir, pollIntervalMs: 200, masterKeys: { 1: randomBytes(32).toString('base64') } });
    await hub.apply({
      sinkTypes: [{ name: 'TEST:PYTHON', runtimes: ['python'] }],
      actions: [
        {
          name: 'enrich',
          module: 'orders.enrich',
          parameters: [
            { name: 'country', type: 'DATA', path: 'shipping.country' },
            { name: 'apiKey', type: 'SECRET', key: 'PRICING_API_KEY' },
          ],
        },
      ],
      eventTypes: [{ name: 'order.received', sinkType: 'TEST:PYTHON', action: 'enrich' }],
    });
    await hub.putSecret('PRICING_API_KEY', 'pk-live-123456');
    const clientSecret = await hub.createClientSecret('TEST:PYTHON');
    const { url } = await hub.listen(0);
    sink = await startSink({ hubUrl: url, clientId: 'TEST:PYTHON', clientSecret, modules: [EXAMPLES], concurrency: 2 });
  });
  afterAll(async () => {
    await sink?.close();
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers the python runtime, runs the module with its DATA and SECRET parameters, and stores its logs masked', async () => {
    expect(sink.runtimes).toContain('python');
    expect((await hub.listSinks()).find((s) => s.name === sink.name)?.runtimes).toContain('python');
    const fired = await hub.fire({
      eventType: 'order.received',
      payload: { orderId: 'P-1', shipping: { country: 'DE' }, lines: [{ sku: 'tea', price: 4.5, quantity: 2 }] },
    });
    const event = await hub.waitForEvent(fired.id, 30_000);
    expect(event).toMatchObject({ state: 'SUCCESS', result: { orderId: 'P-1', country: 'DE', subtotal: 9, vat: 1.71, total: 10.71, currency: 'EUR' } });
    const logs = await hub.store.logs.query(hub.tenantId, { eventId: fired.id, limit: 100 });
    const text = JSON.stringify(logs);
    expect(text).not.toContain('pk-live-123456');
    expect(logs.find((record) => record.message === 'order enriched')).toMatchObject({ stream: 'log', level: 'info', fields: { orderId: 'P-1', country: 'DE' } });
    expect(logs.some((record) => record.stream === 'stdout' && record.message.includes('pricing API key ***'))).toBe(true);
  });

  it('ends an order the module rejects ERROR with its code, non-retryable, with the traceback', async () => {
    const fired = await hub.fire({ eventType: 'order.received', payload: { orderId: 'P-2', shipping: { country: 'DE' }, lines: [] } });
    const event = await hub.waitForEvent(fired.id, 30_000);
    expect(event).toMatchObject({ state: 'ERROR', attempt: 1, error: { code: 'EMPTY_ORDER', message: 'order P-2 has no lines', retryable: false } });
    expect((event.error?.details as { traceback?: string } | undefined)?.traceback).toContain('enrich.py');
  });
});
