import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Tenant, User } from '@nexomatic/core';
import type { StoredToken } from '../port.js';
import { BASE, type Harness } from './fixtures.js';

const at = (seconds: number) => new Date(BASE + seconds * 1000);

function tenant(overrides: Partial<Tenant> = {}): Tenant {
  return { id: randomUUID(), name: 'Acme', enforceNodeAuth: false, createdAt: at(1).toISOString(), ...overrides };
}

function user(tenantId: string, overrides: Partial<User> = {}): User {
  return { id: randomUUID(), tenantId, name: `ada-${randomUUID().slice(0, 6)}@example.com`, role: 'Viewer', createdAt: at(1).toISOString(), ...overrides };
}

function token(tenantId: string, overrides: Partial<StoredToken> = {}): StoredToken {
  return {
    id: randomUUID(),
    hash: `scrypt$${randomUUID()}`,
    createdAt: at(1),
    tenantId,
    role: 'Viewer',
    name: 'ci',
    expiresAt: null,
    revokedAt: null,
    ...overrides,
  };
}

/** Tenants (node-auth settings and secret), users and tokens: tenancy, updates, listings. */
export function describeIdentities(harness: Harness): void {
  describe('identities: tenants, users, tokens', () => {
    it('updates a tenant and says false for an absent one', async () => {
      const store = await harness.store();
      const acme = tenant();
      await store.identities.createTenant(acme);
      const changed = { ...acme, name: 'Acme Corp', enforceNodeAuth: true };
      expect(await store.identities.updateTenant(changed)).toBe(true);
      expect(await store.identities.getTenant(acme.id)).toEqual(changed);
      expect(await store.identities.updateTenant(tenant())).toBe(false);
    });

    it('sets, replaces and clears a tenant secret hash, per tenant', async () => {
      const store = await harness.store();
      const [a, b] = [tenant(), tenant()];
      await store.identities.createTenant(a);
      await store.identities.createTenant(b);
      expect(await store.identities.getTenantSecret(a.id)).toBeNull();
      await store.identities.setTenantSecret(a.id, 'scrypt$one');
      await store.identities.setTenantSecret(a.id, 'scrypt$two');
      expect(await store.identities.getTenantSecret(a.id)).toBe('scrypt$two');
      expect(await store.identities.getTenantSecret(b.id)).toBeNull();
      // The secret is not part of the tenant record.
      expect(await store.identities.getTenant(a.id)).toEqual(a);
      await store.identities.setTenantSecret(a.id, null);
      expect(await store.identities.getTenantSecret(a.id)).toBeNull();
      expect(await store.identities.getTenantSecret(randomUUID())).toBeNull();
    });

    it('keeps users within their tenant: read, list, update, delete', async () => {
      const store = await harness.store();
      const [tenantA, tenantB] = [randomUUID(), randomUUID()];
      const ada = user(tenantA, { name: 'ada@example.com', role: 'Admin' });
      const bob = user(tenantA, { name: 'bob@example.com' });
      const eve = user(tenantB, { name: 'ada@example.com' });
      for (const u of [ada, bob, eve]) await store.identities.createUser(u);
      expect(await store.identities.getUser(tenantA, ada.id)).toEqual(ada);
      expect(await store.identities.getUser(tenantB, ada.id)).toBeNull();
      expect(await store.identities.listUsers(tenantA)).toEqual([ada, bob]);
      expect(await store.identities.listUsers(tenantB)).toEqual([eve]);

      // Another tenant's update and delete touch nothing.
      expect(await store.identities.updateUser({ ...ada, tenantId: tenantB, role: 'Viewer' })).toBe(false);
      expect(await store.identities.deleteUser(tenantB, ada.id)).toBe(false);
      expect(await store.identities.getUser(tenantA, ada.id)).toEqual(ada);

      const demoted = { ...ada, name: 'ada.l@example.com', role: 'Viewer' as const };
      expect(await store.identities.updateUser(demoted)).toBe(true);
      expect(await store.identities.getUser(tenantA, ada.id)).toEqual(demoted);
      expect(await store.identities.deleteUser(tenantA, ada.id)).toBe(true);
      expect(await store.identities.deleteUser(tenantA, ada.id)).toBe(false);
      expect(await store.identities.listUsers(tenantA)).toEqual([bob]);
    });

    it('refuses a second user of the same name in a tenant with CONFLICT', async () => {
      const store = await harness.store();
      const tenantId = randomUUID();
      const ada = user(tenantId, { name: 'ada@example.com' });
      const bob = user(tenantId, { name: 'bob@example.com' });
      await store.identities.createUser(ada);
      await store.identities.createUser(bob);
      await expect(store.identities.createUser(user(tenantId, { name: 'ada@example.com' }))).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(store.identities.updateUser({ ...bob, name: 'ada@example.com' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.identities.getUser(tenantId, bob.id)).toEqual(bob);
    });

    it('lists a tenant’s tokens, revoked and expired ones included, with their user', async () => {
      const store = await harness.store();
      const [tenantA, tenantB] = [randomUUID(), randomUUID()];
      const userId = randomUUID();
      const plain = token(tenantA, { name: 'plain', createdAt: at(1) });
      const owned = token(tenantA, { name: 'owned', userId, role: 'Admin', createdAt: at(2) });
      const expired = token(tenantA, { name: 'expired', createdAt: at(3), expiresAt: at(4) });
      const other = token(tenantB, { name: 'other' });
      for (const t of [plain, owned, expired, other]) await store.identities.createToken(t);
      expect(await store.identities.revokeToken(plain.id, at(10))).toBe(true);

      const listed = await store.identities.listTokens(tenantA);
      expect(listed.map((t) => t.name)).toEqual(['plain', 'owned', 'expired']);
      expect(listed[0]).toMatchObject({ revokedAt: at(10) });
      expect(listed[1]).toMatchObject({ userId, role: 'Admin', revokedAt: null });
      expect(listed[2]).toMatchObject({ expiresAt: at(4) });
      expect(listed.every((t) => !t.userId || t.userId === userId)).toBe(true);
      expect(await store.identities.getToken(owned.id)).toMatchObject({ userId });
      expect((await store.identities.listTokens(tenantB)).map((t) => t.id)).toEqual([other.id]);
      expect(await store.identities.listTokens(randomUUID())).toEqual([]);
    });
  });
}
