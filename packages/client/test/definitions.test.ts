/**
 * Code-first definitions over the wire: `definitions.diff` (a query: a Viewer may ask) and
 * `definitions.apply` with and without prune, against a real hub.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineEventType } from '@nexomatic/core';
import { z } from 'zod';
import { createClient, defineConfig, toDefinitions, type NexomaticConfig } from '../src/index.js';
import config, { echo, node, orderPlaced } from './fixtures/definitions.js';
import { startClientTestHub, type ClientTestHub } from './support/hub.js';

let test: ClientTestHub;
let admin: ReturnType<typeof createClient>;
let viewer: ReturnType<typeof createClient>;

beforeAll(async () => {
  // Only the Sink Type: the test's config creates everything else.
  test = await startClientTestHub({ sinkTypes: [{ name: 'TEST:NODE', runtimes: ['node'] }] });
  admin = createClient({ url: test.url, token: test.admin });
  viewer = createClient({ url: test.url, token: test.viewer });
});
afterAll(async () => {
  await test?.close();
});

describe('definitions from code', () => {
  it('diffs, applies, and then finds nothing to change', async () => {
    const first = await viewer.definitions.diff(config);
    expect(first.changed).toBe(true);
    expect(first.kinds.eventType.created).toEqual(['orders.placed', 'orders.shipped', 'plain', 'drip']);
    expect(first.kinds.sinkType.unchanged).toEqual(['TEST:NODE']);
    expect(first.kinds.schedule.created).toEqual(['nightly']);
    await expect(viewer.definitions.apply(config)).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const applied = await admin.definitions.apply(config);
    expect(applied.created).toEqual(expect.arrayContaining(['action:echo', 'eventType:orders.placed', 'schedule:nightly']));
    expect(applied.removed).toEqual([]);
    const stored = (await admin.definitions.list('eventType')) as Array<{ name: string }>;
    expect(stored.map((d) => d.name).sort()).toEqual(['drip', 'orders.placed', 'orders.shipped', 'plain']);
    expect((await admin.definitions.diff(config)).changed).toBe(false);
  });

  it('shows updates field by field, and removes what the config leaves out only with prune', async () => {
    const slower = defineEventType({ ...orderPlaced.definition, name: 'orders.placed', timeoutMs: 30_000, payload: z.object({}) });
    const next = defineConfig({ sinkTypes: [node], actions: [echo], eventTypes: [slower, { name: 'plain', sinkType: 'TEST:NODE', action: 'echo' }] });
    const diff = await admin.definitions.diff(next);
    expect(diff.kinds.eventType.updated).toEqual([{ name: 'orders.placed', changes: [{ field: 'timeoutMs', from: 600_000, to: 30_000 }] }]);
    expect(diff.kinds.eventType.extra.sort()).toEqual(['drip', 'orders.shipped']);
    expect(diff.kinds.eventType.removed).toEqual([]);
    expect(diff.kinds.action.extra).toEqual(['drip']);

    expect(await admin.definitions.apply(next)).toMatchObject({ updated: ['eventType:orders.placed'], removed: [] });
    expect(((await admin.definitions.list('eventType')) as unknown[]).length).toBe(4);

    // Pruning the Schedule's Event Type would leave the Schedule dangling: refused, naming the field.
    await expect(admin.definitions.apply({ ...next, schedules: [{ name: 'nightly', eventType: 'gone', cron: '0 3 * * *' }] }, { prune: true })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('schedules[0].eventType'),
    });
    const pruneDiff = await viewer.definitions.diff(next, { prune: true });
    expect(pruneDiff.kinds.eventType.removed.sort()).toEqual(['drip', 'orders.shipped']);
    expect(pruneDiff.kinds.schedule.removed).toEqual(['nightly']);
    const pruned = await admin.definitions.apply(next, { prune: true });
    expect(pruned.removed.sort()).toEqual(['action:drip', 'eventType:drip', 'eventType:orders.shipped', 'schedule:nightly']);
    expect(((await admin.definitions.list('eventType')) as Array<{ name: string }>).map((d) => d.name).sort()).toEqual(['orders.placed', 'plain']);
    const audit = await admin.audit.list({ target: 'definition', limit: 100 });
    expect(audit.items.filter((r) => r.action === 'remove').map((r) => r.name).sort()).toEqual(pruned.removed.sort());
    expect((await admin.definitions.diff(next, { prune: true })).changed).toBe(false);
  });

  it('diffs a config too large for a URL (sent as a POST)', async () => {
    const many: NexomaticConfig = {
      ...toDefinitions(config),
      eventTypes: Array.from({ length: 400 }, (_, i) => ({
        name: `bulk.event-type-${String(i).padStart(4, '0')}`,
        sinkType: 'TEST:NODE',
        action: 'echo',
        description: `an Event Type with a long enough description to make this input large: ${'x'.repeat(40)}`,
      })),
    };
    const diff = await viewer.definitions.diff(many);
    expect(diff.kinds.eventType.created).toHaveLength(400);
  });
});
