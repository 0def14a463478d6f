/**
 * A hub restart never needs a sink restart: the hub runs in its own process, is stopped and started
 * again on the same data dir and port, while one sink process stays up. The sink goes OFFLINE,
 * comes back ONLINE by itself (its CLIENT_SECRET stays valid: a Sink Type keeps its two newest),
 * re-sends what it buffered, and runs new events.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '@nexomatic/client';
import { controlDefinitions, sinkIdOf } from './support/control.js';
import { startHubProcess } from './support/hub-process.js';
import { startSinkProcess } from './support/sink-process.js';
import { waitFor } from './support/wait.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
});

const hubOptions = { leaseMs: 10_000, heartbeatIntervalMs: 200, pollIntervalMs: 100 };

describe('a hub restart', () => {
  it('needs no sink restart: the sink reconnects, re-sends a result finished while the hub was down, and runs new events', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nexomatic-hub-restart-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startHubProcess({ dataDir, definitions: controlDefinitions, options: hubOptions });
    cleanup.push(() => first.stop('SIGKILL'));
    const sink = await startSinkProcess(first.url, first.clientSecret, { name: 'stays-up' });
    cleanup.push(() => sink.stop('SIGKILL'));
    const sinkId = sinkIdOf(sink);
    const before = createClient({ url: first.url, token: first.token });
    expect((await before.events.wait((await before.fire({ eventType: 'echo', payload: { n: 1 } })).id)).state).toBe('SUCCESS');

    // A task runs while the hub goes down; it finishes while the hub is away, so its result is buffered.
    const gate = join(dataDir, 'gate');
    const held = await before.fire({ eventType: 'gate', payload: { gate } });
    await waitFor('the gate task RUNNING', async () => (await before.events.get(held.id)).state === 'RUNNING');
    expect(await first.stop('SIGTERM')).toBe(0);
    await waitFor('the sink to notice', () => sink.lines.some((l) => l.includes('disconnected from the hub')));
    writeFileSync(gate, 'open');

    const second = await startHubProcess({ dataDir, port: first.port, definitions: controlDefinitions, options: hubOptions });
    cleanup.push(() => second.stop('SIGKILL'));
    const after = createClient({ url: second.url, token: second.token });
    await waitFor('the sink ONLINE again', async () => (await after.sinks.list()).find((s) => s.id === sinkId)?.status === 'ONLINE', 20_000);
    expect((await after.events.wait(held.id, 20_000)).state).toBe('SUCCESS');
    const fresh = await after.fire({ eventType: 'echo', payload: { n: 2 } });
    expect(await after.events.wait(fresh.id, 20_000)).toMatchObject({ state: 'SUCCESS', sinkId });
    expect(sink.child.exitCode).toBeNull();
  });
});
