import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '@nexomatic/core';
import type { StoredSecret } from '../port.js';
import { BASE, type Harness } from './fixtures.js';

const at = (seconds: number) => new Date(BASE + seconds * 1000);

function secret(tenantId: string, key: string, overrides: Partial<StoredSecret> = {}): StoredSecret {
  return { tenantId, key, ciphertext: `ct-${randomUUID()}`, keyVersion: 1, createdAt: at(1), updatedAt: at(1), ...overrides };
}

/** Secrets (ciphertext only) and the append-only audit log. */
export function describeVaultAggregates(harness: Harness): void {
  describe('secrets', () => {
    it('creates, replaces (keeping createdAt), reads, lists metadata and deletes, per tenant', async () => {
      const store = await harness.store();
      const tenantId = randomUUID();
      const other = randomUUID();
      const first = secret(tenantId, 'API_KEY');
      expect(await store.secrets.put(first)).toBe('created');
      expect(await store.secrets.get(tenantId, 'API_KEY')).toEqual(first);
      const replaced = { ...first, ciphertext: 'ct-new', keyVersion: 2, createdAt: at(5), updatedAt: at(5) };
      expect(await store.secrets.put(replaced)).toBe('updated');
      expect(await store.secrets.get(tenantId, 'API_KEY')).toEqual({ ...replaced, createdAt: at(1) });
      await store.secrets.put(secret(tenantId, 'DB_PASSWORD'));
      await store.secrets.put(secret(other, 'API_KEY'));

      const listed = await store.secrets.list(tenantId);
      expect(listed.map((m) => m.key)).toEqual(['API_KEY', 'DB_PASSWORD']);
      expect(listed[0]).toEqual({ key: 'API_KEY', tenantId, keyVersion: 2, createdAt: at(1).toISOString(), updatedAt: at(5).toISOString() });
      expect(JSON.stringify(listed)).not.toContain('ct-');

      expect(await store.secrets.get(randomUUID(), 'API_KEY')).toBeNull();
      expect(await store.secrets.delete(other, 'DB_PASSWORD')).toBe(false);
      expect(await store.secrets.delete(tenantId, 'API_KEY')).toBe(true);
      expect(await store.secrets.delete(tenantId, 'API_KEY')).toBe(false);
      expect(await store.secrets.get(tenantId, 'API_KEY')).toBeNull();
      expect(await store.secrets.get(other, 'API_KEY')).not.toBeNull();
      expect((await store.secrets.list(tenantId)).map((m) => m.key)).toEqual(['DB_PASSWORD']);
    });

    it('pages the secrets of any tenant not on a key version, and counts all', async () => {
      const store = await harness.store();
      const version = 1000 + Math.floor(Math.random() * 1e6); // unique to this test: stores may share data
      const before = await store.secrets.count();
      const tenants: string[] = [randomUUID(), randomUUID()];
      for (const tenantId of tenants) {
        await store.secrets.put(secret(tenantId, 'OLD_A', { keyVersion: version - 1 }));
        await store.secrets.put(secret(tenantId, 'OLD_B', { keyVersion: version + 1 }));
        await store.secrets.put(secret(tenantId, 'NEW', { keyVersion: version }));
      }
      expect(await store.secrets.count()).toBe(before + 6);
      const mine = (list: StoredSecret[]) => list.filter((s) => tenants.includes(s.tenantId));
      const stale = mine(await store.secrets.notOnVersion(version, 10_000));
      expect(stale).toHaveLength(4);
      expect(stale.every((s) => s.keyVersion !== version)).toBe(true);
      expect((await store.secrets.notOnVersion(version, 2)).length).toBeLessThanOrEqual(2);
      // Re-encrypting moves them onto the version: the paging loop of a rotation ends.
      for (const s of stale) await store.secrets.put({ ...s, keyVersion: version });
      expect(mine(await store.secrets.notOnVersion(version, 10_000))).toEqual([]);
    });
  });

  describe('audit', () => {
    const record = (tenantId: string, n: number, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
      id: randomUUID(),
      tenantId,
      at: at(n).toISOString(),
      actor: 'token:ops',
      action: n % 2 === 0 ? 'create' : 'update',
      target: n % 3 === 0 ? 'token' : 'secret',
      name: `thing-${n}`,
      ...(n % 2 === 0 ? { details: { n, tags: ['a'] } } : {}),
      ...overrides,
    });

    it('appends in order and queries newest first, per tenant, with filters and a cursor', async () => {
      const store = await harness.store();
      const tenantId = randomUUID();
      const records = Array.from({ length: 7 }, (_, i) => record(tenantId, i + 1));
      await store.audit.append(records.slice(0, 3));
      await Promise.all([store.audit.append(records.slice(3, 5)), store.audit.append([record(randomUUID(), 99)])]);
      await store.audit.append(records.slice(5));
      const newestFirst = [...records].reverse();

      const first = await store.audit.query(tenantId, { limit: 3 });
      expect(first.items).toEqual(newestFirst.slice(0, 3));
      expect(first.nextCursor).not.toBeNull();
      const second = await store.audit.query(tenantId, { limit: 3, cursor: first.nextCursor! });
      expect(second.items).toEqual(newestFirst.slice(3, 6));
      const third = await store.audit.query(tenantId, { limit: 3, cursor: second.nextCursor! });
      expect(third).toEqual({ items: newestFirst.slice(6), nextCursor: null });

      const secrets = await store.audit.query(tenantId, { limit: 100, target: 'secret' });
      expect(secrets.items).toEqual(newestFirst.filter((r) => r.target === 'secret'));
      const window = await store.audit.query(tenantId, { limit: 100, from: at(2), to: at(5) });
      expect(window.items.map((r) => r.name)).toEqual(['thing-4', 'thing-3', 'thing-2']);
      expect((await store.audit.query(randomUUID(), { limit: 100 })).items).toEqual([]);
      await expect(store.audit.query(tenantId, { limit: 3, cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'VALIDATION' });
    });
  });
}
