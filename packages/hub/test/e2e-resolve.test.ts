import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { apiClient, type RawSink } from './support/raw-sink.js';
import { rawSinkOn, startSecretsHub } from './support/secrets-hub.js';
import { waitFor } from './support/wait.js';

let running: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const thing of running.reverse()) await thing.close();
  running = [];
});

async function track<T extends { close(): Promise<unknown> }>(thing: Promise<T>): Promise<T> {
  const value = await thing;
  running.push(value);
  return value;
}

/** Asks for a secret; returns the refusal's tRPC code and the Nexomatic error shape, or the value. */
async function ask(sink: RawSink, eventId: string, key: string, attempt = 1, sinkId = sink.sinkId) {
  try {
    return { value: (await sink.client.sink.resolveSecret.mutate({ sinkId, eventId, attempt, key })).value };
  } catch (error) {
    const data = (error as { data?: { code?: string; nexomatic?: { code: string; message: string } } }).data;
    return { trpc: data?.code, refused: data?.nexomatic, raw: JSON.stringify(error) };
  }
}

describe('resolving a secret', () => {
  it('refuses another tenant’s key, an unreferenced key, an event the sink does not hold and a finished event; each FORBIDDEN and audited', async () => {
    const test = await track(startSecretsHub());
    const { hub } = test;
    const tenantB = randomUUID();
    await hub.store.identities.createTenant({ id: tenantB, name: 'b', enforceNodeAuth: false, createdAt: new Date().toISOString() });
    await hub.putSecret('API_KEY', 'value-of-a');
    await hub.putSecret('B_ONLY', 'value-of-b', tenantB);
    await hub.putSecret('UNREFERENCED', 'value-unreferenced');
    const sinks = [await track(rawSinkOn(test)), await track(rawSinkOn(test))];
    const event = await hub.fire({ eventType: 'held', payload: {} });
    const holder = await waitFor('a sink to receive the task', () => sinks.find((s) => s.tasks.length > 0));
    const other = sinks.find((s) => s !== holder)!;
    expect(holder.tasks[0]?.eventId).toBe(event.id);

    expect(await ask(holder, event.id, 'API_KEY')).toEqual({ value: 'value-of-a' });
    const refusals = {
      'no-such-secret': await ask(holder, event.id, 'B_ONLY'),
      'not-referenced': await ask(holder, event.id, 'UNREFERENCED'),
      'not-held': await ask(other, event.id, 'API_KEY'),
      'wrong-attempt': await ask(holder, event.id, 'API_KEY', 2),
      'not-own-sink': await ask(holder, event.id, 'API_KEY', 1, randomUUID()),
      'unknown-event': await ask(holder, randomUUID(), 'API_KEY'),
    };
    await holder.client.sink.report.mutate({ sinkId: holder.sinkId, reports: [{ kind: 'result', eventId: event.id, attempt: 1, outcome: 'SUCCESS' }] });
    await hub.waitForEvent(event.id, 5000);
    const finished = await ask(holder, event.id, 'API_KEY');

    for (const refusal of [...Object.values(refusals), finished]) {
      expect(refusal).toMatchObject({ trpc: 'FORBIDDEN', refused: { code: 'FORBIDDEN', message: expect.stringMatching(/^secret \w+ refused for event/) } });
      expect(refusal.raw).not.toMatch(/value-of|value-unreferenced/);
    }
    expect(refusals['no-such-secret'].refused?.message).toMatch(/tenant has no secret/);
    expect(refusals['not-referenced'].refused?.message).toMatch(/no SECRET parameter/);
    expect(refusals['not-held'].refused?.message).toMatch(/does not hold the lease/);
    expect(finished.refused?.message).toMatch(/has finished/);

    const api = apiClient(test.url, hub.initialAdminToken!);
    const audit = await api.audit.query.query({ target: 'secret', limit: 100 });
    const refused = audit.items.filter((r) => r.action === 'resolve-refused');
    expect(refused.map((r) => [r.name, r.details?.reason]).sort()).toEqual(
      [
        ['API_KEY', 'finished-event'],
        ['API_KEY', 'not-held'],
        ['API_KEY', 'not-held'],
        ['API_KEY', 'not-own-sink'],
        ['B_ONLY', 'no-such-secret'],
        ['UNREFERENCED', 'not-referenced'],
      ].sort(),
    );
    expect(refused.find((r) => r.details?.reason === 'not-held' && r.actor === `sink:${other.sinkId}`)).toMatchObject({
      tenantId: hub.tenantId,
      details: { eventId: event.id, sinkId: other.sinkId },
    });
    // The unknown event has no tenant to record it in (the sink is not pinned): refused, not audited.
    expect(JSON.stringify(audit)).not.toMatch(/value-of|value-unreferenced/);
    expect((await apiClient(test.url, hub.initialAdminToken!).audit.query.query({ limit: 100 })).items.length).toBeGreaterThan(0);
  });
});

describe('the secrets API', () => {
  it('is write-only: put answers metadata, list shows metadata, every change is audited, Viewers only read', async () => {
    const test = await track(startSecretsHub());
    const admin = apiClient(test.url, test.hub.initialAdminToken!);
    const { token: viewerToken } = await test.hub.createToken({ role: 'Viewer', name: 'viewer' });
    const viewer = apiClient(test.url, viewerToken);

    const created = await admin.secrets.put.mutate({ key: 'DB_PASSWORD', value: 'pa55-first' });
    expect(created).toMatchObject({ key: 'DB_PASSWORD', tenantId: test.hub.tenantId, keyVersion: 1 });
    const updated = await admin.secrets.put.mutate({ key: 'DB_PASSWORD', value: 'pa55-second' });
    expect(updated.createdAt).toBe(created.createdAt);
    const listed = await viewer.secrets.list.query();
    expect(listed).toEqual([expect.objectContaining({ key: 'DB_PASSWORD', keyVersion: 1 })]);
    await expect(viewer.secrets.put.mutate({ key: 'X', value: 'y' })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(viewer.secrets.delete.mutate({ key: 'DB_PASSWORD' })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(viewer.audit.query.query({})).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(admin.secrets.put.mutate({ key: '', value: 'y' })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
    expect(await admin.secrets.delete.mutate({ key: 'DB_PASSWORD' })).toEqual({ deleted: true });
    await expect(admin.secrets.delete.mutate({ key: 'DB_PASSWORD' })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    expect(await admin.secrets.list.query()).toEqual([]);

    const audit = await admin.audit.query.query({ target: 'secret' });
    expect(audit.items.map((r) => [r.action, r.name, r.actor])).toEqual([
      ['delete', 'DB_PASSWORD', 'token:bootstrap-admin'],
      ['update', 'DB_PASSWORD', 'token:bootstrap-admin'],
      ['create', 'DB_PASSWORD', 'token:bootstrap-admin'],
    ]);
    const firstPage = await admin.audit.query.query({ target: 'secret', limit: 2 });
    const secondPage = await admin.audit.query.query({ target: 'secret', limit: 2, cursor: firstPage.nextCursor! });
    expect([...firstPage.items, ...secondPage.items]).toEqual(audit.items);
    expect(secondPage.nextCursor).toBeNull();
    expect(JSON.stringify([created, updated, listed, audit])).not.toContain('pa55');
  });
});
