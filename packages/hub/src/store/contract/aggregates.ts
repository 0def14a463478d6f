import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ActionDefinition,
  EventTypeDefinition,
  SinkTypeDefinition,
  SourceDefinition,
  type LogRecord,
  type SinkRecord,
} from '@nexomatic/core';
import { PLATFORM_SCOPE, type StoredToken } from '../port.js';
import { BASE, scenario, type Harness } from './fixtures.js';

const at = (seconds: number) => new Date(BASE + seconds * 1000);

/** Definitions, sinks, identities and logs. */
export function describeAggregates(harness: Harness): void {
  describe('definitions', () => {
    it('says created, unchanged or updated, and reads back by scope and kind', async () => {
      const store = await harness.store();
      const { tenantId, otherTenantId, sinkType } = scenario();
      const eventType = EventTypeDefinition.parse({ name: 'orders.placed', sinkType, action: 'orders.transform' });
      const action = ActionDefinition.parse({ name: 'orders.transform', module: 'orders.transform', onSuccess: 'x.y' });
      expect(await store.definitions.upsert(tenantId, 'eventType', eventType, at(1))).toBe('created');
      expect(await store.definitions.upsert(tenantId, 'action', action, at(1))).toBe('created');
      // The same spec with its keys in another order is unchanged.
      const reordered = Object.fromEntries(Object.entries(eventType).reverse()) as typeof eventType;
      expect(await store.definitions.upsert(tenantId, 'eventType', reordered, at(2))).toBe('unchanged');
      const changed = { ...eventType, priority: 9 };
      expect(await store.definitions.upsert(tenantId, 'eventType', changed, at(3))).toBe('updated');
      expect(await store.definitions.get(tenantId, 'eventType', 'orders.placed')).toEqual(changed);
      expect(await store.definitions.get(tenantId, 'action', 'orders.transform')).toEqual(action);
      expect(await store.definitions.get(tenantId, 'action', 'orders.placed')).toBeNull();
      expect(await store.definitions.get(otherTenantId, 'eventType', 'orders.placed')).toBeNull();
      const second = { ...eventType, name: 'orders.cancelled' };
      await store.definitions.upsert(tenantId, 'eventType', second, at(4));
      const names = (await store.definitions.list(tenantId, 'eventType')).map((spec) => spec.name).sort();
      expect(names).toEqual(['orders.cancelled', 'orders.placed']);
      expect(await store.definitions.list(otherTenantId, 'eventType')).toEqual([]);
    });

    it('keeps Sink Types in the platform scope', async () => {
      const store = await harness.store();
      const { sinkType } = scenario();
      const spec = SinkTypeDefinition.parse({ name: sinkType, runtimes: ['python'], modules: ['a.b'] });
      expect(await store.definitions.upsert(PLATFORM_SCOPE, 'sinkType', spec, at(1))).toBe('created');
      expect(await store.definitions.get(PLATFORM_SCOPE, 'sinkType', sinkType)).toEqual(spec);
      const listed = await store.definitions.list(PLATFORM_SCOPE, 'sinkType');
      expect(listed.filter((entry) => entry.name === sinkType)).toEqual([spec]);
    });

    it('finds a Source by its token across tenants, follows a new token, forgets a removed one, and keeps tokens unique', async () => {
      const store = await harness.store();
      const { tenantId, otherTenantId } = scenario();
      const token = () => `tok-${randomUUID()}`;
      const mine = SourceDefinition.parse({ name: 'orders-hook', type: 'webhook', eventTypes: ['orders.placed'], token: token() });
      const theirs = SourceDefinition.parse({ name: 'orders-hook', type: 'eventgrid', eventTypes: ['x.y'], token: token() });
      await store.definitions.upsert(tenantId, 'source', mine, at(1));
      await store.definitions.upsert(otherTenantId, 'source', theirs, at(1));
      expect(await store.definitions.findSource(mine.token!)).toEqual({ tenantId, source: mine });
      expect(await store.definitions.findSource(theirs.token!)).toEqual({ tenantId: otherTenantId, source: theirs });
      expect(await store.definitions.findSource(token())).toBeNull();
      // Another kind whose spec happens to carry the same field is no Source.
      const eventType = { ...EventTypeDefinition.parse({ name: 'orders.placed', sinkType: 'S', action: 'a' }), token: token() };
      await store.definitions.upsert(tenantId, 'eventType', eventType, at(1));
      expect(await store.definitions.findSource(eventType.token)).toBeNull();
      // A new token replaces the old one at once.
      const rotated = { ...mine, token: token() };
      expect(await store.definitions.upsert(tenantId, 'source', rotated, at(2))).toBe('updated');
      expect(await store.definitions.findSource(mine.token!)).toBeNull();
      expect(await store.definitions.findSource(rotated.token)).toEqual({ tenantId, source: rotated });
      // A token is unique across tenants: a second Source with it is refused, and the first stays found.
      const copy = SourceDefinition.parse({ name: 'copycat', type: 'webhook', eventTypes: ['x.y'], token: rotated.token });
      await expect(store.definitions.upsert(otherTenantId, 'source', copy, at(3))).rejects.toThrow();
      expect(await store.definitions.findSource(rotated.token)).toEqual({ tenantId, source: rotated });
      expect(await store.definitions.remove(tenantId, 'source', 'orders-hook')).toBe(true);
      expect(await store.definitions.findSource(rotated.token)).toBeNull();
    });
  });

  describe('sinks', () => {
    const sink = (tenantId: string | null, overrides: Partial<SinkRecord> = {}): SinkRecord => ({
      id: randomUUID(),
      name: `sink-${randomUUID().slice(0, 6)}`,
      sinkType: 'LOCAL:BASE',
      tenantId,
      status: 'ONLINE',
      version: '1.0.0',
      runtimes: ['node', 'python'],
      modules: ['orders.process'],
      concurrency: 4,
      connectedAt: at(1).toISOString(),
      lastSeenAt: at(1).toISOString(),
      ...overrides,
    });

    it('upserts, sets status, touches and reads back', async () => {
      const store = await harness.store();
      const record = sink(null);
      await store.sinks.upsert(record);
      expect(await store.sinks.get(record.id)).toEqual(record);
      const reconnected = { ...record, version: '1.1.0', concurrency: 8, connectedAt: at(5).toISOString() };
      await store.sinks.upsert(reconnected);
      expect(await store.sinks.get(record.id)).toEqual(reconnected);
      await store.sinks.setStatus(record.id, 'RESETTING', at(7));
      expect(await store.sinks.get(record.id)).toMatchObject({ status: 'RESETTING', lastSeenAt: at(7).toISOString() });
      await store.sinks.touch(record.id, at(9));
      expect(await store.sinks.get(record.id)).toMatchObject({ status: 'RESETTING', lastSeenAt: at(9).toISOString() });
      expect(await store.sinks.get('no-such-sink')).toBeNull();
    });

    it('lists the sinks pinned to a tenant and those serving every tenant', async () => {
      const store = await harness.store();
      const { tenantId, otherTenantId } = scenario();
      const pinned = sink(tenantId);
      const shared = sink(null);
      const foreign = sink(otherTenantId);
      for (const record of [pinned, shared, foreign]) await store.sinks.upsert(record);
      const visible = (await store.sinks.list(tenantId)).map((record) => record.id);
      expect(visible).toEqual(expect.arrayContaining([pinned.id, shared.id]));
      expect(visible).not.toContain(foreign.id);
    });
  });

  describe('identities', () => {
    it('creates and reads tenants; a second create is a CONFLICT', async () => {
      const store = await harness.store();
      const tenant = { id: randomUUID(), name: 'Acme', enforceNodeAuth: true, createdAt: at(1).toISOString() };
      await store.identities.createTenant(tenant);
      expect(await store.identities.getTenant(tenant.id)).toEqual(tenant);
      expect(await store.identities.getTenant(randomUUID())).toBeNull();
      expect(await store.identities.listTenants()).toContainEqual(tenant);
      await expect(store.identities.createTenant({ ...tenant, name: 'Other' })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect(await store.identities.getTenant(tenant.id)).toEqual(tenant);
    });

    it('stores tokens and revokes them once', async () => {
      const store = await harness.store();
      const token: StoredToken = {
        id: randomUUID(),
        hash: 'scrypt$abc',
        createdAt: at(1),
        tenantId: randomUUID(),
        role: 'Viewer',
        name: 'ci',
        expiresAt: at(1000),
        revokedAt: null,
      };
      await store.identities.createToken(token);
      expect(await store.identities.getToken(token.id)).toEqual(token);
      expect(await store.identities.revokeToken(token.id, at(5))).toBe(true);
      expect(await store.identities.revokeToken(token.id, at(6))).toBe(false);
      expect(await store.identities.getToken(token.id)).toEqual({ ...token, revokedAt: at(5) });
      expect(await store.identities.revokeToken(randomUUID(), at(6))).toBe(false);
      expect(await store.identities.getToken(randomUUID())).toBeNull();
    });

    it('adds, lists and removes client secrets per Sink Type', async () => {
      const store = await harness.store();
      const { sinkType } = scenario();
      const first = { id: randomUUID(), hash: 'h1', createdAt: at(1) };
      const second = { id: randomUUID(), hash: 'h2', createdAt: at(2) };
      await store.identities.addClientSecret(sinkType, first);
      await store.identities.addClientSecret(sinkType, second);
      expect(await store.identities.listClientSecrets(sinkType)).toEqual([first, second]);
      expect(await store.identities.listClientSecrets(`${sinkType}-other`)).toEqual([]);
      expect(await store.identities.removeClientSecret(`${sinkType}-other`, first.id)).toBe(false);
      expect(await store.identities.removeClientSecret(sinkType, first.id)).toBe(true);
      expect(await store.identities.removeClientSecret(sinkType, first.id)).toBe(false);
      expect(await store.identities.listClientSecrets(sinkType)).toEqual([second]);
    });
  });

  describe('logs', () => {
    it('appends idempotently and queries in seq order within an attempt', async () => {
      const store = await harness.store();
      const { tenantId, otherTenantId } = scenario();
      const eventId = randomUUID();
      const record = (attempt: number, seq: number, message = `line ${attempt}.${seq}`): LogRecord => ({
        eventId,
        attempt,
        seq,
        time: at(attempt * 100 + seq).toISOString(),
        stream: seq % 2 === 0 ? 'stdout' : 'log',
        level: 'info',
        message,
        ...(seq % 2 === 0 ? {} : { fields: { seq, tags: ['a'] } }),
      });
      await store.logs.append(tenantId, [record(1, 2), record(1, 0), record(2, 0)]);
      // Resent after a broken connection: repeats change nothing.
      await Promise.all([
        store.logs.append(tenantId, [record(1, 1), record(1, 0, 'changed')]),
        store.logs.append(tenantId, [record(1, 1), record(1, 3), record(1, 2, 'changed')]),
      ]);
      const all = await store.logs.query(tenantId, { eventId, limit: 100 });
      expect(all).toEqual([record(1, 0), record(1, 1), record(1, 2), record(1, 3), record(2, 0)]);
      expect(await store.logs.query(tenantId, { eventId, attempt: 2, limit: 100 })).toEqual([record(2, 0)]);
      expect(await store.logs.query(tenantId, { eventId, attempt: 1, limit: 2 })).toEqual([record(1, 0), record(1, 1)]);
      expect(await store.logs.query(otherTenantId, { eventId, limit: 100 })).toEqual([]);
    });
  });

  describe('close', () => {
    it.skipIf(!harness.factory.reopen)('flushes every accepted write before closing', async () => {
      const store = await harness.store();
      const s = scenario();
      await store.events.insert([s.event(), s.event()]);
      await store.events.claim(s.claim());
      const event = s.event();
      const inserted = store.events.insert([event]);
      const released = store.events.release([{ eventId: s.event().id, attempt: 1, notBefore: null }]);
      const logged = store.logs.append(s.tenantId, [
        { eventId: event.id, attempt: 1, seq: 0, time: at(1).toISOString(), stream: 'log', level: 'info', message: 'm' },
      ]);
      await store.close();
      expect(await inserted).toEqual([{ id: event.id, created: true }]);
      expect(await released).toEqual([false]);
      await logged;
      const reopened = await harness.reopen(store);
      expect(await reopened.events.get(event.id, s.tenantId)).toMatchObject({ id: event.id, state: 'QUEUED' });
      expect(await reopened.logs.query(s.tenantId, { eventId: event.id, limit: 10 })).toHaveLength(1);
      expect((await reopened.events.countByState(s.tenantId)).RUNNING).toBe(2);
    });
  });
}
