/**
 * Control signals end to end: a real hub (in this process) and real `nexomatic-sink` processes.
 * RESET, KILL and FORCE_KILL from the API, SIGTERM / a second SIGTERM / SIGINT to the process, and
 * who may send them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventRecord } from '@nexomatic/core';
import { codeOf, tokenClient } from './support/api.js';
import { controlDefinitions, recordStatuses, sinkIdOf } from './support/control.js';
import { startSinkProcess, type SinkProcess } from './support/sink-process.js';
import { startTestHub, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
});

interface Setup {
  test: TestHub;
  api: ReturnType<typeof tokenClient>;
  statuses: (sinkId: string) => string[];
  gate: (name: string) => { path: string; open(): void };
  sink(name: string): Promise<{ process: SinkProcess; id: string }>;
}

async function setup(): Promise<Setup> {
  const test = await startTestHub({ leaseMs: 5000, heartbeatIntervalMs: 200, pollIntervalMs: 100 }, controlDefinitions);
  cleanup.push(() => test.close());
  const statuses = recordStatuses(test.hub);
  const { token } = await test.hub.createToken({ role: 'Admin', name: 'control-admin' });
  const dir = mkdtempSync(join(tmpdir(), 'nexomatic-control-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return {
    test,
    api: tokenClient(test.url, token),
    statuses,
    gate: (name) => {
      const path = join(dir, name);
      return { path, open: () => writeFileSync(path, 'open') };
    },
    async sink(name) {
      const process = await startSinkProcess(test.url, test.clientSecret, { name, concurrency: 2 });
      cleanup.push(() => process.stop('SIGKILL'));
      return { process, id: sinkIdOf(process) };
    },
  };
}

function running(test: TestHub, event: EventRecord, sinkId?: string, attempt = 1) {
  return waitFor(`event ${event.eventType} RUNNING`, async () => {
    const now = await test.hub.getEvent(event.id);
    return now.state === 'RUNNING' && now.attempt === attempt && (!sinkId || now.sinkId === sinkId) ? now : undefined;
  });
}

async function sinkRow(s: Setup, sinkId: string) {
  return (await s.api.sinks.list.query()).find((row) => row.id === sinkId);
}

describe('control signals', () => {
  it('RESET: RESETTING while the running task finishes, then new executor processes and ONLINE again on a new socket', { timeout: 60_000 }, async () => {
    const s = await setup();
    const { process, id } = await s.sink('resettable');
    const before = await s.test.hub.waitForEvent((await s.test.hub.fire({ eventType: 'pid', payload: {} })).id, 15_000);
    expect(before.state).toBe('SUCCESS');
    const gate = s.gate('reset-gate');
    const held = await s.test.hub.fire({ eventType: 'gate', payload: { gate: gate.path } });
    await running(s.test, held, id);
    expect(await sinkRow(s, id)).toMatchObject({ status: 'ONLINE', running: 1, runtimes: expect.arrayContaining(['node']), version: expect.any(String), lastSeenAt: expect.any(String) });

    await s.api.sinks.control.mutate({ sinkId: id, signal: 'RESET' });
    await waitFor('the hub to record RESETTING', async () => (await sinkRow(s, id))?.status === 'RESETTING');
    // A draining sink gets nothing new: this event waits for the reset.
    const during = await s.test.hub.fire({ eventType: 'pid', payload: {} });
    expect((await s.test.hub.getEvent(during.id)).state).toBe('QUEUED');
    expect((await s.test.hub.getEvent(held.id)).state).toBe('RUNNING');

    gate.open();
    expect((await s.test.hub.waitForEvent(held.id, 15_000)).state).toBe('SUCCESS');
    const after = await s.test.hub.waitForEvent(during.id, 20_000);
    expect(after.state, process.lines.join('\n')).toBe('SUCCESS');
    expect((after.result as { pid: number }).pid).not.toBe((before.result as { pid: number }).pid);
    await waitFor('the sink ONLINE again', async () => (await sinkRow(s, id))?.status === 'ONLINE');
    const seen = s.statuses(id);
    expect(seen.slice(seen.indexOf('RESETTING'))).toContain('ONLINE');
    expect(process.child.exitCode).toBeNull();
    expect(process.lines.join('\n')).toContain('reset: executors restarted');
  });

  it('KILL: KILLING, the running task finishes SUCCESS, the process exits 0, the hub shows OFFLINE; a task fired meanwhile is not lost', { timeout: 60_000 }, async () => {
    const s = await setup();
    const { process, id } = await s.sink('killable');
    const gate = s.gate('kill-gate');
    const held = await s.test.hub.fire({ eventType: 'gate', payload: { gate: gate.path } });
    await running(s.test, held, id);

    await s.api.sinks.control.mutate({ sinkId: id, signal: 'KILL' });
    await waitFor('KILLING', async () => (await sinkRow(s, id))?.status === 'KILLING');
    const meanwhile = await s.test.hub.fire({ eventType: 'echo', payload: { n: 1 } });
    expect((await s.test.hub.getEvent(meanwhile.id)).state).toBe('QUEUED');
    gate.open();
    expect((await s.test.hub.waitForEvent(held.id, 15_000)).state).toBe('SUCCESS');
    expect(await process.exited).toBe(0);
    await waitFor('OFFLINE', async () => (await sinkRow(s, id))?.status === 'OFFLINE');
    expect(s.statuses(id)).toEqual(['ONLINE', 'KILLING', 'OFFLINE']);

    // Another sink runs what the killed one never took.
    await s.sink('successor');
    expect((await s.test.hub.waitForEvent(meanwhile.id, 15_000)).state).toBe('SUCCESS');
  });

  it('FORCE_KILL: FORCE_KILLING, running tasks end ERROR KILLED at once (retried on another sink when the policy allows), the process exits', { timeout: 60_000 }, async () => {
    const s = await setup();
    const { process, id } = await s.sink('doomed');
    const gate = s.gate('force-gate');
    const once = await s.test.hub.fire({ eventType: 'gate', payload: { gate: gate.path } });
    const twice = await s.test.hub.fire({ eventType: 'gate-retry', payload: { gate: gate.path } });
    await running(s.test, once, id);
    await running(s.test, twice, id);

    await s.api.sinks.control.mutate({ sinkId: id, signal: 'FORCE_KILL' });
    const killed = await s.test.hub.waitForEvent(once.id, 15_000);
    expect(killed).toMatchObject({ state: 'ERROR', error: { code: 'KILLED' } });
    expect(await process.exited).toBe(0);
    await waitFor('OFFLINE', async () => (await sinkRow(s, id))?.status === 'OFFLINE');
    expect(s.statuses(id)).toEqual(['ONLINE', 'FORCE_KILLING', 'OFFLINE']);

    const other = await s.sink('survivor');
    await running(s.test, twice, other.id, 2);
    gate.open();
    expect(await s.test.hub.waitForEvent(twice.id, 15_000)).toMatchObject({ state: 'SUCCESS', attempt: 2 });
  });

  it('SIGTERM drains like KILL; a second SIGTERM kills the running task like FORCE_KILL', { timeout: 60_000 }, async () => {
    const s = await setup();
    const first = await s.sink('sigterm-once');
    const gate = s.gate('term-gate');
    const drained = await s.test.hub.fire({ eventType: 'gate', payload: { gate: gate.path } });
    await running(s.test, drained, first.id);
    first.process.child.kill('SIGTERM');
    await waitFor('KILLING', async () => (await sinkRow(s, first.id))?.status === 'KILLING');
    gate.open();
    expect((await s.test.hub.waitForEvent(drained.id, 15_000)).state).toBe('SUCCESS');
    expect(await first.process.exited).toBe(0);

    const second = await s.sink('sigterm-twice');
    const stuck = await s.test.hub.fire({ eventType: 'gate', payload: { gate: s.gate('never').path } });
    await running(s.test, stuck, second.id);
    second.process.child.kill('SIGTERM');
    await waitFor('KILLING', async () => (await sinkRow(s, second.id))?.status === 'KILLING');
    second.process.child.kill('SIGTERM');
    expect(await s.test.hub.waitForEvent(stuck.id, 15_000)).toMatchObject({ state: 'ERROR', error: { code: 'KILLED' } });
    expect(await second.process.exited).toBe(0);
    expect(s.statuses(second.id)).toEqual(['ONLINE', 'KILLING', 'FORCE_KILLING', 'OFFLINE']);
  });

  it('SIGINT acts like FORCE_KILL', { timeout: 60_000 }, async () => {
    const s = await setup();
    const { process, id } = await s.sink('interrupted');
    const stuck = await s.test.hub.fire({ eventType: 'gate', payload: { gate: s.gate('never').path } });
    await running(s.test, stuck, id);
    process.child.kill('SIGINT');
    expect(await s.test.hub.waitForEvent(stuck.id, 15_000)).toMatchObject({ state: 'ERROR', error: { code: 'KILLED' } });
    expect(await process.exited).toBe(0);
    expect(s.statuses(id)).toEqual(['ONLINE', 'FORCE_KILLING', 'OFFLINE']);
  });

  it('only an Admin sends signals, to a sink its tenant sees and that is connected; each is audited', { timeout: 60_000 }, async () => {
    const s = await setup();
    const { process, id } = await s.sink('guarded');
    const { token: viewer } = await s.test.hub.createToken({ role: 'Viewer', name: 'control-viewer' });
    expect(await codeOf(tokenClient(s.test.url, viewer).sinks.control.mutate({ sinkId: id, signal: 'KILL' }))).toBe('FORBIDDEN');
    const other = await s.test.hub.createTenant({ name: 'other' });
    const { token: otherAdmin } = await s.test.hub.createToken({ role: 'Admin', name: 'other-admin', tenantId: other.id });
    // An unpinned sink serves every tenant, so other tenants may see it; a made-up id is NOT_FOUND.
    expect(await codeOf(tokenClient(s.test.url, otherAdmin).sinks.control.mutate({ sinkId: crypto.randomUUID(), signal: 'KILL' }))).toBe('NOT_FOUND');
    expect(process.child.exitCode).toBeNull();

    await s.test.hub.controlSink(id, 'KILL');
    expect(await process.exited).toBe(0);
    await waitFor('OFFLINE', async () => (await sinkRow(s, id))?.status === 'OFFLINE');
    expect(await codeOf(s.api.sinks.control.mutate({ sinkId: id, signal: 'RESET' }))).toBe('CONFLICT');
    const audit = await s.test.hub.store.audit.query(s.test.hub.tenantId, { target: 'sink', limit: 10 });
    expect(audit.items.filter((r) => r.action === 'control').map((r) => [r.action, r.name, r.details])).toEqual([['control', 'guarded', { sinkId: id, signal: 'KILL' }]]);
  });
});
