/**
 * Logs end to end across a broken connection: a Node module and a Python module write structured
 * records and raw output, the sink's socket is cut mid-task (while the module keeps writing), and
 * after the reconnect the hub holds every record exactly once, in order. Also: a Python module
 * that floods its output is truncated at the sink's per-task budget, with a visible marker.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogRecord } from '@nexomatic/core';
import { startSink, type Sink } from '@nexomatic/sink';
import { createHub, type Hub } from '../src/index.js';
import { MODULES } from './support/sink-process.js';
import { waitFor } from './support/wait.js';

const COUNT = 60;
const LOG_BUDGET = 64 * 1024;

let hub: Hub;
let sink: Sink;
let dir: string;
let server: Server;
const sockets = new Set<Duplex>();
let down = false;
const results = new Set<string>();

/** Cuts every socket to the hub, as a network failure would; new upgrades fail until `heal`. */
function cut(): number {
  down = true;
  const count = sockets.size;
  for (const socket of sockets) socket.destroy();
  return count;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nexomatic-logs-reconnect-'));
  hub = await createHub({ dataDir: dir, leaseMs: 20_000, heartbeatIntervalMs: 500, pollIntervalMs: 100 });
  await hub.apply({
    sinkTypes: [{ name: 'LOG:MIXED', runtimes: ['node', 'python'] }],
    actions: [
      { name: 'drip-node', module: 'logdrip.node' },
      { name: 'drip-python', module: 'logdrip.python' },
      { name: 'flood', module: 'logdrip.flood' },
    ],
    eventTypes: [
      { name: 'drip-node', sinkType: 'LOG:MIXED', action: 'drip-node' },
      { name: 'drip-python', sinkType: 'LOG:MIXED', action: 'drip-python' },
      { name: 'flood', sinkType: 'LOG:MIXED', action: 'flood' },
    ],
  });
  server = createServer(hub.handler);
  hub.attach(server);
  server.on('upgrade', (_req, socket: Duplex) => {
    if (down) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink = await startSink({
    hubUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clientId: 'LOG:MIXED',
    clientSecret: await hub.createClientSecret('LOG:MIXED'),
    modules: [MODULES],
    concurrency: 2,
    maxLogBytesPerTask: LOG_BUDGET,
    drainTimeoutMs: 2000,
  });
  sink.on('result', (report) => results.add(report.eventId));
}, 60_000);

afterAll(async () => {
  await sink?.close();
  for (const socket of sockets) socket.destroy();
  await hub?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Every stored record of an event, through the paged query. */
async function allLogs(eventId: string): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await hub.logs.query({ eventId, limit: 50, ...(cursor ? { cursor } : {}) });
    records.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return records;
}

describe('logs across a reconnect', () => {
  it.each(['node', 'python'])('keeps every record of a %s module, in order, once, when the socket drops mid-task', { timeout: 60_000 }, async (runtime) => {
    const gate = join(dir, `gate-${runtime}`);
    const fired = await hub.fire({ eventType: `drip-${runtime}`, payload: { count: COUNT, gate } });
    // The first half reaches the hub; then the network fails while the module keeps writing.
    await waitFor('the first half of the log at the hub', async () => (await hub.store.logs.query(hub.tenantId, { eventId: fired.id, limit: 1000 })).length >= COUNT);
    expect(cut()).toBeGreaterThan(0);
    await waitFor('the sink to notice the cut', () => sink.status === 'OFFLINE');
    writeFileSync(gate, 'open');
    // The second half and the result wait in the sink's queue until the network is back.
    await waitFor('the task to finish on the sink', () => results.has(fired.id));
    down = false;
    const event = await hub.waitForEvent(fired.id, 30_000);
    expect(event).toMatchObject({ state: 'SUCCESS', attempt: 1, result: { written: COUNT * 2 } });

    const records = await allLogs(fired.id);
    // Every seq once, with no gap: nothing lost, nothing duplicated.
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: COUNT * 4 }, (_, i) => i));
    expect(records.every((r) => r.attempt === 1)).toBe(true);
    // Each stream in the order the module wrote it.
    const lines = Array.from({ length: COUNT * 2 }, (_, i) => i);
    expect(records.filter((r) => r.stream === 'stdout').map((r) => r.message)).toEqual(lines.map((i) => `line ${i}`));
    const structured = records.filter((r) => r.stream === 'log');
    expect(structured.map((r) => r.message)).toEqual(lines.map((i) => `record ${i}`));
    expect(structured.every((r) => r.level === 'info')).toBe(true);
    if (runtime === 'python') {
      // Records of Python's logging module are structured records too, with the logger's name.
      expect(structured[1]?.fields).toMatchObject({ logger: 'logdrip' });
      expect(structured[0]?.fields).toEqual({ i: 0 });
    }
  });

  it('truncates a flooding module’s log at the per-task budget, with a visible marker', { timeout: 60_000 }, async () => {
    const LINES = 5000;
    const fired = await hub.fire({ eventType: 'flood', payload: { lines: LINES } });
    const event = await hub.waitForEvent(fired.id, 30_000);
    expect(event).toMatchObject({ state: 'SUCCESS', result: { printed: LINES } });
    const records = await allLogs(fired.id);
    const marker = records[records.length - 1]!;
    expect(marker).toMatchObject({ stream: 'log', level: 'warning' });
    expect(marker.message).toMatch(/^log truncated: \d+ bytes dropped/);
    const kept = records.slice(0, -1);
    // What was kept is a prefix of the output, within the budget, and the marker accounts for the rest.
    expect(kept.map((r) => r.message)).toEqual(Array.from({ length: kept.length }, (_, i) => `flood ${String(i).padStart(6, '0')} ${'x'.repeat(87)}`));
    const keptBytes = kept.reduce((sum, r) => sum + Buffer.byteLength(r.message), 0);
    expect(keptBytes).toBeLessThanOrEqual(LOG_BUDGET);
    expect(marker.fields).toMatchObject({ droppedRecords: LINES - kept.length, limitBytes: LOG_BUDGET });
    expect(keptBytes + (marker.fields!.droppedBytes as number)).toBe(LINES * 100);
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i));
  });
});
