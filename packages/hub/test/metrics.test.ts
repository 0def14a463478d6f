import { register } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { DefinitionsInput } from '@nexomatic/core';
import { apiClient, codeOf } from './support/api.js';
import { sampleValue, scrape, type Sample } from './support/prometheus.js';
import { startSinkProcess, type SinkProcess } from './support/sink-process.js';
import { startTestHub, testDefinitions, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

/** The test definitions plus a capped Event Type no sink serves and a rate-limited one. */
const definitions: DefinitionsInput = {
  sinkTypes: [...testDefinitions.sinkTypes!, { name: 'TEST:NONE', runtimes: ['node'] }],
  actions: testDefinitions.actions!,
  eventTypes: [
    ...testDefinitions.eventTypes!,
    { name: 'capped', sinkType: 'TEST:NONE', action: 'record', limits: { maxQueued: 1 } },
    { name: 'throttled', sinkType: 'TEST:NODE', action: 'record', limits: { rate: { limit: 1, intervalMs: 3_600_000 } } },
  ],
};

let closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

async function hub(options: Parameters<typeof startTestHub>[0] = {}): Promise<TestHub> {
  const test = await startTestHub(options, definitions);
  closers.push(() => test.close());
  return test;
}

async function tokenOf(test: TestHub, role: 'Admin' | 'Viewer' = 'Admin', tenantId?: string): Promise<string> {
  return (await test.hub.createToken({ role, name: `metrics-${role}`, ...(tenantId ? { tenantId } : {}) })).token;
}

describe('metrics after a known workload: a real hub, a real sink process (concurrency 1)', () => {
  it('counts fired, finished, dispatched and refused events exactly, and reads queue depth, states and sinks on scrape', async () => {
    const test = await hub();
    const sink: SinkProcess = await startSinkProcess(test.url, test.clientSecret, { concurrency: 1 });
    closers.push(() => sink.stop());
    const token = await tokenOf(test);
    const client = apiClient(test.url, { authorization: `Bearer ${token}` });
    const tenant = test.hub.tenantId;
    const other = await test.hub.createTenant({ name: 'other' });
    await test.hub.apply(definitions, other.id);

    // 3 echo (each chains after-echo), 1 fail (chains after-failure), 2 capped (one refused), 2 throttled (one held).
    for (let i = 0; i < 3; i++) await client.events.fire.mutate({ eventType: 'echo', payload: { i } });
    await client.events.fire.mutate({ eventType: 'fail', payload: {} });
    await client.events.fire.mutate({ eventType: 'capped', payload: {} });
    expect(await codeOf(client.events.fire.mutate({ eventType: 'capped', payload: {} }))).toBe('QUEUE_FULL');
    await client.events.fire.mutate({ eventType: 'throttled', payload: { n: 1 } });
    await client.events.fire.mutate({ eventType: 'throttled', payload: { n: 2 } });
    await test.hub.fire({ eventType: 'capped', payload: {} }, other.id);

    await waitFor(
      'the workload to settle',
      async () => {
        const counts = await test.hub.store.events.countByState(tenant);
        return counts.SUCCESS === 8 && counts.ERROR === 1 && counts.QUEUED === 2 && counts.RUNNING === 0;
      },
      40_000,
    );
    const url = `${test.url}/metrics`;
    const auth = { authorization: `Bearer ${token}` };
    // The pass after the last finish sees the throttled event held by its rate limit.
    const { samples, headers } = await waitFor('the rate-limited pass', async () => {
      const scraped = await scrape(url, auth);
      return (sampleValue(scraped.samples, 'nexomatic_rate_limited_total', { tenant, event_type: 'throttled', limit: 'event_type' }) ?? 0) >= 1
        ? scraped
        : undefined;
    });
    expect(headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const value = (name: string, labels: Record<string, string>) => sampleValue(samples, name, labels);

    const fired = (event_type: string, source_type: string) => value('nexomatic_events_fired_total', { tenant, event_type, source_type });
    expect([fired('echo', 'client'), fired('after-echo', 'custom'), fired('fail', 'client'), fired('after-failure', 'custom')]).toEqual([3, 3, 1, 1]);
    expect([fired('capped', 'client'), fired('throttled', 'client')]).toEqual([1, 2]);
    expect(value('nexomatic_events_fired_total', { tenant: other.id, event_type: 'capped', source_type: 'custom' })).toBe(1);

    const finished = (event_type: string, state: string) => value('nexomatic_events_finished_total', { tenant, event_type, state });
    expect([finished('echo', 'SUCCESS'), finished('after-echo', 'SUCCESS'), finished('fail', 'ERROR'), finished('after-failure', 'SUCCESS')]).toEqual([3, 3, 1, 1]);
    expect(finished('throttled', 'SUCCESS')).toBe(1);
    expect(finished('echo', 'ERROR')).toBeUndefined();

    const latency = (event_type: string) => value('nexomatic_dispatch_latency_seconds_count', { event_type });
    expect([latency('echo'), latency('after-echo'), latency('fail'), latency('after-failure'), latency('throttled')]).toEqual([3, 3, 1, 1, 1]);
    expect(value('nexomatic_dispatch_latency_seconds_bucket', { event_type: 'echo', le: '+Inf' })).toBe(3);
    expect(value('nexomatic_dispatch_latency_seconds_sum', { event_type: 'echo' })).toBeGreaterThanOrEqual(0);
    const runs = (event_type: string, outcome: string) => value('nexomatic_run_duration_seconds_count', { event_type, outcome });
    expect([runs('echo', 'SUCCESS'), runs('after-echo', 'SUCCESS'), runs('fail', 'ERROR'), runs('throttled', 'SUCCESS')]).toEqual([3, 3, 1, 1]);
    expect(value('nexomatic_run_duration_seconds_bucket', { event_type: 'fail', outcome: 'ERROR', le: '+Inf' })).toBe(1);

    const depth = (t: string, event_type: string) => [
      value('nexomatic_queue_depth', { tenant: t, event_type }),
      value('nexomatic_events_running', { tenant: t, event_type }),
    ];
    expect(depth(tenant, 'capped')).toEqual([1, 0]);
    expect(depth(tenant, 'throttled')).toEqual([1, 0]);
    expect(depth(tenant, 'echo')).toEqual([0, 0]);
    expect(depth(other.id, 'capped')).toEqual([1, 0]);

    const state = (t: string, s: string) => value('nexomatic_events', { tenant: t, state: s });
    expect(['QUEUED', 'RUNNING', 'SUCCESS', 'WARNING', 'ERROR'].map((s) => state(tenant, s))).toEqual([2, 0, 8, 0, 1]);
    expect(state(other.id, 'QUEUED')).toBe(1);

    expect(value('nexomatic_queue_full_total', { tenant, event_type: 'capped', limit: 'event_type' })).toBe(1);
    expect(samples.filter((s: Sample) => s.name === 'nexomatic_rate_limited_total').map((s) => s.labels.event_type)).toEqual(['throttled']);
    // Concurrency 1: every one of the 9 dispatches took the sink's only slot.
    expect(value('nexomatic_sink_credits_exhausted_total', { sink_type: 'TEST:NODE' })).toBe(9);

    expect(value('nexomatic_sinks', { sink_type: 'TEST:NODE', status: 'ONLINE' })).toBe(1);
    expect(value('nexomatic_sinks', { sink_type: 'TEST:NODE', status: 'OFFLINE' })).toBe(0);
    expect(value('nexomatic_sinks', { sink_type: 'TEST:NONE', status: 'ONLINE' })).toBe(0);
    expect([value('nexomatic_sink_slots', { sink_type: 'TEST:NODE', state: 'busy' }), value('nexomatic_sink_slots', { sink_type: 'TEST:NODE', state: 'free' })]).toEqual([0, 1]);

    await sink.stop();
    await waitFor('the sink to be OFFLINE', async () => {
      const after = (await scrape(url, auth)).samples;
      return (
        sampleValue(after, 'nexomatic_sinks', { sink_type: 'TEST:NODE', status: 'OFFLINE' }) === 1 &&
        sampleValue(after, 'nexomatic_sinks', { sink_type: 'TEST:NODE', status: 'ONLINE' }) === 0 &&
        sampleValue(after, 'nexomatic_sink_slots', { sink_type: 'TEST:NODE', state: 'free' }) === undefined
      );
    });
  }, 60_000);
});

describe('the metrics endpoint: who may scrape, and one registry per hub', () => {
  it('needs the scrape token or an API token of the default tenant', async () => {
    const test = await hub({ metrics: { token: 'scrape-secret-0123456789' } });
    const url = `${test.url}/metrics`;
    const none = await scrape(url);
    expect([none.status, none.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="nexomatic-metrics"']);
    expect((await scrape(url, { authorization: 'Bearer scrape-secret-wrong' })).status).toBe(401);
    expect((await scrape(url, { authorization: 'Bearer scrape-secret-0123456789' })).status).toBe(200);
    expect((await scrape(url, { authorization: `Bearer ${await tokenOf(test, 'Viewer')}` })).status).toBe(200);
    const other = await test.hub.createTenant({ name: 'other' });
    const foreign = await scrape(url, { authorization: `Bearer ${await tokenOf(test, 'Admin', other.id)}` });
    expect(foreign.status).toBe(403);
    expect(foreign.text).not.toContain('nexomatic_');
    expect((await scrape(url, { authorization: 'Bearer scrape-secret-0123456789' }, 'POST')).status).toBe(405);
  }, 60_000);

  it('serves a public endpoint under the base path, and keeps each hub\'s metrics in its own registry', async () => {
    const open = await hub({ basePath: '/nx/', metrics: { public: true, processMetrics: true } });
    const guarded = await hub();
    await open.hub.fire({ eventType: 'capped', payload: {} });
    await guarded.hub.fire({ eventType: 'capped', payload: {} });
    await guarded.hub.fire({ eventType: 'throttled', payload: {} });
    expect(open.url.endsWith('/nx')).toBe(true);
    const scraped = await scrape(`${open.url}/metrics`);
    expect(scraped.status).toBe(200);
    expect(sampleValue(scraped.samples, 'nexomatic_events_fired_total', { tenant: open.hub.tenantId, event_type: 'capped', source_type: 'custom' })).toBe(1);
    expect(scraped.samples.filter((s) => s.name === 'nexomatic_events_fired_total')).toHaveLength(1);
    expect(scraped.samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    const other = await scrape(`${guarded.url}/metrics`, { authorization: `Bearer ${await tokenOf(guarded)}` });
    expect(other.samples.filter((s) => s.name === 'nexomatic_events_fired_total').map((s) => [s.labels.event_type, s.value])).toEqual([
      ['capped', 1],
      ['throttled', 1],
    ]);
    expect(other.samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(false);
    // hub.metrics is the hub's own registry; prom-client's global one holds none of it.
    expect(await open.hub.metrics?.metrics()).toContain('nexomatic_events_fired_total');
    expect(await register.metrics()).not.toContain('nexomatic_');
  }, 60_000);

  it('records and serves nothing when disabled', async () => {
    const test = await hub({ metrics: { enabled: false } });
    expect(test.hub.metrics).toBeNull();
    const response = await scrape(`${test.url}/metrics`, { authorization: `Bearer ${await tokenOf(test)}` });
    expect(response.status).toBe(404);
  }, 60_000);
});
