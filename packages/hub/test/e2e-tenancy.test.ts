import { afterEach, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADERS, type EventRecord } from '@nexomatic/core';
import { startSink, type Sink } from '@nexomatic/sink';
import type { Hub } from '../src/index.js';
import { upgradeStatus } from './support/api.js';
import { MODULES } from './support/sink-process.js';
import { startTestHub, testDefinitions, type TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait.js';

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of cleanup.reverse()) await close();
  cleanup = [];
});

async function testHub(): Promise<TestHub> {
  const test = await startTestHub();
  cleanup.push(() => test.close());
  return test;
}

/** A tenant with the test definitions applied. */
async function tenantOf(hub: Hub, name: string, enforceNodeAuth = false): Promise<string> {
  const tenant = await hub.createTenant({ name, enforceNodeAuth });
  await hub.apply({ actions: testDefinitions.actions, eventTypes: testDefinitions.eventTypes }, tenant.id);
  return tenant.id;
}

/** An in-process sink of `TEST:NODE`, pinned to a tenant when `tenantUuid` is given. */
async function sink(test: TestHub, name: string, pin: { tenantUuid?: string; tenantSecret?: string } = {}): Promise<Sink> {
  const started = await startSink({
    hubUrl: test.url,
    clientId: 'TEST:NODE',
    clientSecret: test.clientSecret,
    modules: [MODULES],
    concurrency: 2,
    name,
    ...pin,
  });
  cleanup.push(() => started.close());
  return started;
}

/** The name of the sink that ran a finished event. */
async function ranOn(hub: Hub, event: EventRecord): Promise<string | undefined> {
  expect(event.state).toBe('SUCCESS');
  return event.sinkId ? (await hub.store.sinks.get(event.sinkId))?.name : undefined;
}

const fireEcho = (hub: Hub, tenantId: string, tag: string) => hub.fire({ eventType: 'echo', payload: { tag } }, tenantId);
const state = async (hub: Hub, event: EventRecord) => (await hub.getEvent(event.id, event.tenantId)).state;

describe('node auth: TENANT_SECRET at the HTTP upgrade', () => {
  it('refuses a missing, wrong or old TENANT_SECRET of an enforcing tenant with 401, and accepts the right one', async () => {
    const { hub, url, clientSecret } = await testHub();
    const tenant = await hub.createTenant({ name: 'acme', enforceNodeAuth: true });
    const base = { [CREDENTIAL_HEADERS.clientId]: 'TEST:NODE', [CREDENTIAL_HEADERS.clientSecret]: clientSecret };
    const pinned = { ...base, [CREDENTIAL_HEADERS.tenantUuid]: tenant.id };
    const withSecret = (secret: string) => ({ ...pinned, [CREDENTIAL_HEADERS.tenantSecret]: secret });

    // Enforcing, but no secret set yet: nothing gets in.
    expect(await upgradeStatus(url, pinned)).toBe(401);
    expect(await upgradeStatus(url, withSecret('anything'))).toBe(401);

    const first = await hub.setTenantSecret(tenant.id);
    expect(await upgradeStatus(url, pinned)).toBe(401);
    expect(await upgradeStatus(url, withSecret(`${first}x`))).toBe(401);
    expect(await upgradeStatus(url, withSecret(first))).toBe(101);
    // The secret of one tenant does not open another.
    const other = await hub.createTenant({ name: 'other', enforceNodeAuth: true });
    await hub.setTenantSecret(other.id);
    expect(await upgradeStatus(url, { ...withSecret(first), [CREDENTIAL_HEADERS.tenantUuid]: other.id })).toBe(401);

    // Rotation: the old secret stops working at once (the verified-credential cache is dropped).
    const second = await hub.setTenantSecret(tenant.id);
    expect(await upgradeStatus(url, withSecret(first))).toBe(401);
    expect(await upgradeStatus(url, withSecret(second))).toBe(101);

    // Only the hash is stored.
    const hash = await hub.store.identities.getTenantSecret(tenant.id);
    expect(hash).toMatch(/^scrypt\$/);
    expect(hash).not.toContain(second);
  });

  it('lets a non-enforcing tenant in without a secret, but never with a wrong one', async () => {
    const { hub, url, clientSecret } = await testHub();
    const tenant = await hub.createTenant({ name: 'relaxed' });
    const pinned = { [CREDENTIAL_HEADERS.clientId]: 'TEST:NODE', [CREDENTIAL_HEADERS.clientSecret]: clientSecret, [CREDENTIAL_HEADERS.tenantUuid]: tenant.id };
    expect(await upgradeStatus(url, pinned)).toBe(101);
    expect(await upgradeStatus(url, { ...pinned, [CREDENTIAL_HEADERS.tenantSecret]: 'guess' })).toBe(401);
    const secret = await hub.setTenantSecret(tenant.id);
    expect(await upgradeStatus(url, { ...pinned, [CREDENTIAL_HEADERS.tenantSecret]: secret })).toBe(101);
    // Turning enforcement on takes effect for the next connection.
    await hub.updateTenant(tenant.id, { enforceNodeAuth: true });
    expect(await upgradeStatus(url, pinned)).toBe(401);
  });
});

describe('tenant isolation in dispatch', () => {
  it('gives a sink pinned to tenant A only A’s events, never B’s', async () => {
    const test = await testHub();
    const { hub } = test;
    const [a, b] = [await tenantOf(hub, 'A'), await tenantOf(hub, 'B')];
    await sink(test, 'pinned-a', { tenantUuid: a });

    const fromB = await fireEcho(hub, b, 'b-1');
    const fromA = [await fireEcho(hub, a, 'a-1'), await fireEcho(hub, a, 'a-2')];
    // A's events, fired after B's, finish on A's sink while B's event keeps waiting.
    for (const event of fromA) expect(await ranOn(hub, await hub.waitForEvent(event.id, 20_000, a))).toBe('pinned-a');
    expect(await state(hub, fromB)).toBe('QUEUED');

    // B's own sink takes it; A's sink never ran anything of B.
    await sink(test, 'pinned-b', { tenantUuid: b });
    expect(await ranOn(hub, await hub.waitForEvent(fromB.id, 20_000, b))).toBe('pinned-b');
    const ranByA = (await hub.listEvents({}, b)).items.filter((e) => e.sinkId !== null);
    const sinkA = (await hub.store.sinks.list(a)).find((s) => s.name === 'pinned-a');
    expect(ranByA.every((e) => e.sinkId !== sinkA?.id)).toBe(true);
  });

  it('never gives an unpinned sink the events of a tenant that enforces node auth', async () => {
    const test = await testHub();
    const { hub } = test;
    const enforcing = await tenantOf(hub, 'strict', true);
    const secret = await hub.setTenantSecret(enforcing);
    await sink(test, 'unpinned');

    const strict = await fireEcho(hub, enforcing, 'strict-1');
    const open = await fireEcho(hub, hub.tenantId, 'open-1');
    expect(await ranOn(hub, await hub.waitForEvent(open.id, 20_000))).toBe('unpinned');
    expect(await state(hub, strict)).toBe('QUEUED');

    await sink(test, 'pinned-strict', { tenantUuid: enforcing, tenantSecret: secret });
    expect(await ranOn(hub, await hub.waitForEvent(strict.id, 20_000, enforcing))).toBe('pinned-strict');
  });

  it('stops unpinned sinks serving a tenant as soon as it starts enforcing node auth', async () => {
    const test = await testHub();
    const { hub } = test;
    const tenant = await tenantOf(hub, 'turning');
    await sink(test, 'unpinned');
    // Before: the unpinned sink serves the tenant.
    const before = await fireEcho(hub, tenant, 'before');
    expect(await ranOn(hub, await hub.waitForEvent(before.id, 20_000, tenant))).toBe('unpinned');

    await hub.updateTenant(tenant, { enforceNodeAuth: true });
    const after = await fireEcho(hub, tenant, 'after');
    const open = await fireEcho(hub, hub.tenantId, 'open');
    expect(await ranOn(hub, await hub.waitForEvent(open.id, 20_000))).toBe('unpinned');
    expect(await state(hub, after)).toBe('QUEUED');

    // And again when it stops enforcing.
    await hub.updateTenant(tenant, { enforceNodeAuth: false });
    expect(await ranOn(hub, await waitFor('the event to finish', async () => {
      const event = await hub.getEvent(after.id, tenant);
      return event.state === 'SUCCESS' ? event : undefined;
    }))).toBe('unpinned');
  });
});
