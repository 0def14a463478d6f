import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '@nexomatic/client';
import type { EventRecord, FireInput } from '@nexomatic/core';
import { startHubProcess } from './support/hub-process.js';
import { allEvents, resilienceDefinitions, tally } from './support/resilience.js';
import { startSinkProcess } from './support/sink-process.js';
import { waitFor } from './support/wait.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
});

const BATCHES = 10;
const PER_BATCH = 500;
/** The hub is SIGKILLed as soon as this many fireBatch calls were accepted. */
const KILL_AFTER = 4;
/** fireBatch calls in flight at once, so the kill lands while one is under way. */
const LANES = 2;
const hubOptions = { leaseMs: 5000, heartbeatIntervalMs: 500, pollIntervalMs: 200 };

function batch(b: number): FireInput[] {
  return Array.from({ length: PER_BATCH }, (_, i) => ({ eventType: 'res-burst', payload: { batch: b, i, ms: 0 } }));
}

describe('a hub killed mid-burst', () => {
  it('keeps every event the API accepted after a restart on the same SQLite file, and a sink finishes them all', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nexomatic-crash-hub-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startHubProcess({ dataDir, definitions: resilienceDefinitions, options: hubOptions });
    cleanup.push(() => first.stop('SIGKILL'));
    // One sink for both lives of the hub: the second start keeps the first start's secret valid
    // (a Sink Type keeps its two newest secrets), so the sink reconnects on its own.
    const sink = await startSinkProcess(first.url, first.clientSecret, { name: 'outlives-the-hub' });
    cleanup.push(() => sink.stop('SIGKILL'));
    const client = createClient({ url: first.url, token: first.token });

    // The burst: batches of 500 through the HTTP API, two calls in flight, SIGKILL after 4 accepted.
    const accepted = new Map<number, EventRecord[]>();
    const unknown = new Map<number, string>();
    const failedBeforeKill: string[] = [];
    let next = 0;
    let killed = false;
    const lane = async () => {
      while (!killed && next < BATCHES) {
        const b = next++;
        try {
          accepted.set(b, await client.fireBatch(batch(b)));
          if (accepted.size >= KILL_AFTER && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        } catch (error) {
          // Failed because of the kill: it may or may not have landed.
          if (!killed) failedBeforeKill.push(`batch ${b}: ${String(error)}`);
          unknown.set(b, String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    expect(failedBeforeKill).toEqual([]);
    expect(await first.exited).toBeNull();
    expect(accepted.size).toBeGreaterThanOrEqual(KILL_AFTER);

    const second = await startHubProcess({ dataDir, port: first.port, definitions: resilienceDefinitions, options: hubOptions });
    cleanup.push(() => second.stop('SIGKILL'));
    const admin = createClient({ url: second.url, token: second.token });

    // Accepted: every event exists, as fired. Unknown: each call landed whole or not at all.
    const stored = await allEvents((q) => admin.events.list(q), { eventType: 'res-burst' });
    const byId = new Map(stored.map((e) => [e.id, e]));
    const acceptedEvents = [...accepted.values()].flat();
    const missing = acceptedEvents.filter((e) => !byId.has(e.id));
    expect(missing.map((e) => e.payload), `${missing.length} of ${acceptedEvents.length} accepted events are gone`).toEqual([]);
    for (const event of acceptedEvents) expect(byId.get(event.id)!.payload).toEqual(event.payload);
    const perBatch = tally(stored, (e) => String(e.payload.batch));
    for (const b of accepted.keys()) expect(perBatch[String(b)], `accepted batch ${b}`).toBe(PER_BATCH);
    const landedUnknown = [...unknown.keys()].filter((b) => perBatch[String(b)] !== undefined);
    for (const b of landedUnknown) expect(perBatch[String(b)], `unknown batch ${b} landed in part`).toBe(PER_BATCH);
    const neverSent = Array.from({ length: BATCHES }, (_, b) => b).filter((b) => !accepted.has(b) && !unknown.has(b));
    for (const b of neverSent) expect(perBatch[String(b)]).toBeUndefined();
    expect(stored).toHaveLength(PER_BATCH * (accepted.size + landedUnknown.length));

    // With the sink back, every stored event reaches a terminal state, and with retries allowed a
    // hub crash is no reason to fail: each ends SUCCESS.
    const counts = await waitFor('every event to finish', async () => {
      if (sink.child.exitCode !== null) return `the sink exited with ${sink.child.exitCode}`;
      const now = await admin.events.counts();
      return now.QUEUED === 0 && now.RUNNING === 0 ? now : undefined;
    }, 45_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; counts ${JSON.stringify(await admin.events.counts())}\nsink:\n${sink.lines.slice(-20).join('\n')}`);
    });
    expect(counts, sink.lines.slice(-20).join('\n')).toMatchObject({ QUEUED: 0, RUNNING: 0 });
    const finished = await allEvents((q) => admin.events.list(q), { eventType: 'res-burst' });
    expect(finished).toHaveLength(stored.length);
    expect(tally(finished, (e) => e.state)).toEqual({ SUCCESS: stored.length });
    console.info('crash-hub:', {
      accepted: [...accepted.keys()],
      unknown: [...unknown.keys()],
      landedUnknown,
      attempts: tally(finished, (e) => String(e.attempt)),
    });

    // The same sink process carried on: it re-registered with the restarted hub.
    expect(sink.child.exitCode).toBeNull();
    expect((await admin.sinks.list()).map((s) => [s.name, s.status])).toContainEqual(['outlives-the-hub', 'ONLINE']);
  });
});
