import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allEvents, fastLeases, resilienceDefinitions, runsByEvent, sinkIdOf, tally } from './support/resilience.js';
import { startSinkProcess, type SinkProcess } from './support/sink-process.js';
import { startTestHub, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

let running: Array<TestHub | SinkProcess> = [];
afterEach(async () => {
  for (const thing of running.reverse()) await ('stop' in thing ? thing.stop('SIGKILL') : thing.close());
  running = [];
});

const EVENTS = 200;

describe('a sink killed mid-work', () => {
  it('loses no event: what it held re-runs on the other sink as attempt 2, and each event succeeds exactly once', { timeout: 60_000 }, async () => {
    const test = await startTestHub(fastLeases, resilienceDefinitions);
    running.push(test);
    const [doomed, survivor] = await Promise.all([
      startSinkProcess(test.url, test.clientSecret, { name: 'doomed' }),
      startSinkProcess(test.url, test.clientSecret, { name: 'survivor' }),
    ]);
    running.push(doomed!, survivor!);
    const doomedId = sinkIdOf(doomed!);
    const survivorId = sinkIdOf(survivor!);

    const log = join(test.dir, 'runs.log');
    const fired = await test.hub.fireBatch(Array.from({ length: EVENTS }, (_, i) => ({ eventType: 'res-work', payload: { i, log } })));

    await waitFor('the doomed sink to hold RUNNING events', async () => {
      const page = await test.hub.listEvents({ sinkId: doomedId, state: 'RUNNING', limit: 10 });
      return page.items.length > 0 || undefined;
    });
    expect(await doomed!.stop('SIGKILL')).toBeNull();
    // What the dead sink still held: its leases must run out and the events run again elsewhere.
    const heldAtDeath = (await test.hub.listEvents({ sinkId: doomedId, state: 'RUNNING', limit: 1000 })).items.map((e) => e.id);

    const finished = await Promise.all(fired.map((e) => test.hub.waitForEvent(e.id, 45_000)));

    // None lost: every event reached a terminal state, and that state is SUCCESS.
    expect(tally(finished, (e) => e.state)).toEqual({ SUCCESS: EVENTS });
    expect(finished.map((e) => (e.result as { i: number }).i)).toEqual(fired.map((_, i) => i));

    // Duplicates only as attempt > 1: no (event, attempt) ran twice, the attempt that succeeded is
    // the last one that ran, and an event whose work started twice succeeded on attempt 2.
    const runs = runsByEvent(log);
    const problems: string[] = [];
    for (const event of finished) {
      const mine = runs.get(event.id) ?? [];
      const attempts = mine.map((r) => r.attempt);
      if (new Set(attempts).size !== attempts.length) problems.push(`${event.id}: attempt ran twice ${JSON.stringify(mine)}`);
      if (!attempts.includes(event.attempt)) problems.push(`${event.id}: succeeded on attempt ${event.attempt}, which never ran (${attempts})`);
      if (Math.max(...attempts) > event.attempt) problems.push(`${event.id}: a later attempt than the successful ${event.attempt} ran (${attempts})`);
      if (mine.length > 1 && event.attempt !== 2) problems.push(`${event.id}: started ${mine.length} times, succeeded on attempt ${event.attempt}`);
      if (event.attempt === 2 && event.sinkId !== survivorId) problems.push(`${event.id}: attempt 2 not on the survivor (${event.sinkId})`);
      if (mine.some((r) => r.attempt >= 2 && r.agentPid === doomed!.child.pid)) problems.push(`${event.id}: the dead sink ran a retry`);
    }
    expect(problems).toEqual([]);

    // The kill did land while the doomed sink held work, and that work moved to the survivor.
    // (A result the doomed sink sent just before dying may still have been applying when the list
    // was read: such an event legitimately ends attempt 1 on the doomed sink.)
    const byId = new Map(finished.map((e) => [e.id, e]));
    const moved = heldAtDeath.filter((id) => byId.get(id)?.attempt === 2);
    expect(moved.length).toBeGreaterThan(0);
    for (const id of heldAtDeath) {
      const event = byId.get(id)!;
      if (event.attempt === 2) expect(event).toMatchObject({ state: 'SUCCESS', sinkId: survivorId });
      else expect(event).toMatchObject({ state: 'SUCCESS', attempt: 1, sinkId: doomedId });
    }

    // SUCCESS applied exactly once per event: each chained exactly one follow-on.
    const followOns = await allEvents((q) => test.hub.listEvents(q), { eventType: 'res-parked' });
    const perParent = tally(followOns, (e) => e.parentEventId ?? 'none');
    expect(Object.keys(perParent)).toHaveLength(EVENTS);
    expect(Object.entries(perParent).filter(([, n]) => n !== 1)).toEqual([]);
  });
});
