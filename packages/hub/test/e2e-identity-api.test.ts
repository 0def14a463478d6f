import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADERS, type Identity } from '@nexomatic/core';
import { createHub, type Hub } from '../src/index.js';
import { apiClient, codeOf, tokenClient, upgradeStatus } from './support/api.js';
import { startTestHub, type TestHub } from './support/test-hub.js';

let hubs: TestHub[] = [];
afterEach(async () => {
  for (const h of hubs) await h.close();
  hubs = [];
});

async function testHub(options: Parameters<typeof startTestHub>[0] = {}): Promise<TestHub> {
  const h = await startTestHub(options);
  hubs.push(h);
  return h;
}

async function adminOf(test: TestHub) {
  const { token } = await test.hub.createToken({ role: 'Admin', name: 'admin' });
  return tokenClient(test.url, token);
}

const audited = async (hub: Hub, tenantId = hub.tenantId) => (await hub.store.audit.query(tenantId, { limit: 200 })).items;

describe('API tokens: wrong, expired, revoked and rotated', () => {
  it('refuses each with UNAUTHENTICATED and lets the replacement in', async () => {
    const test = await testHub();
    const admin = await adminOf(test);
    const created = await admin.tokens.create.mutate({ name: 'ci', role: 'Viewer' });
    expect(created.token).toMatch(/^nxm_/);
    expect(created.metadata).toMatchObject({ name: 'ci', role: 'Viewer', revokedAt: null, expiresAt: null, userId: null });
    const ci = tokenClient(test.url, created.token);
    expect(await ci.events.counts.query()).toMatchObject({ QUEUED: 0 });

    expect(await codeOf(tokenClient(test.url, `${created.token}x`).events.counts.query())).toBe('UNAUTHENTICATED');
    expect(await codeOf(apiClient(test.url, {}).events.counts.query())).toBe('UNAUTHENTICATED');
    const expired = await test.hub.createToken({ role: 'Admin', name: 'old', expiresAt: new Date(Date.now() - 1000) });
    expect(await codeOf(tokenClient(test.url, expired.token).events.counts.query())).toBe('UNAUTHENTICATED');
    expect(await codeOf(admin.tokens.create.mutate({ name: 'past', role: 'Viewer', expiresAt: new Date(Date.now() - 1000).toISOString() }))).toBe('VALIDATION');

    // Rotation: a new token, then the old one revoked; the old one stops working at once.
    const replacement = await admin.tokens.create.mutate({ name: 'ci-2', role: 'Viewer' });
    const revoked = await admin.tokens.revoke.mutate({ id: created.metadata.id });
    expect(revoked.revokedAt).not.toBeNull();
    expect(await codeOf(ci.events.counts.query())).toBe('UNAUTHENTICATED');
    expect(await tokenClient(test.url, replacement.token).events.counts.query()).toMatchObject({ QUEUED: 0 });
    // Revoking twice is fine and keeps the first time.
    expect((await admin.tokens.revoke.mutate({ id: created.metadata.id })).revokedAt).toBe(revoked.revokedAt);
  });

  it('lists metadata only, revoked tokens included, and audits by name without the value', async () => {
    const test = await testHub();
    const admin = await adminOf(test);
    const created = await admin.tokens.create.mutate({ name: 'deploy', role: 'Admin', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    await admin.tokens.revoke.mutate({ id: created.metadata.id });
    const listed = await admin.tokens.list.query();
    expect(listed.map((t) => t.name)).toEqual(['bootstrap-admin', 'admin', 'deploy']);
    expect(listed.find((t) => t.name === 'deploy')?.revokedAt).not.toBeNull();
    const text = JSON.stringify(listed);
    expect(text).not.toContain('scrypt');
    expect(text).not.toContain(created.token.split('_').pop());
    for (const token of listed) expect(Object.keys(token).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'name', 'revokedAt', 'role', 'tenantId', 'userId']);

    const records = await audited(test.hub);
    expect(records.filter((r) => r.target === 'token').map((r) => [r.action, r.name, r.actor])).toEqual(
      expect.arrayContaining([
        ['create', 'deploy', 'token:admin'],
        ['revoke', 'deploy', 'token:admin'],
      ]),
    );
    expect(JSON.stringify(records)).not.toContain(created.token.split('_').pop());
  });

  it('keeps tokens within the tenant: another tenant’s token is NOT_FOUND, and Viewers manage none', async () => {
    const test = await testHub();
    const admin = await adminOf(test);
    const other = await test.hub.createTenant({ name: 'other' });
    const foreign = await test.hub.createToken({ role: 'Admin', name: 'theirs', tenantId: other.id });
    expect(await codeOf(admin.tokens.revoke.mutate({ id: foreign.id }))).toBe('NOT_FOUND');
    expect(await tokenClient(test.url, foreign.token).tokens.list.query()).toHaveLength(1);
    expect((await admin.tokens.list.query()).some((t) => t.id === foreign.id)).toBe(false);

    const viewer = tokenClient(test.url, (await test.hub.createToken({ role: 'Viewer', name: 'v' })).token);
    expect(await codeOf(viewer.tokens.create.mutate({ name: 'x', role: 'Admin' }))).toBe('FORBIDDEN');
    expect(await codeOf(viewer.tokens.list.query())).toBe('FORBIDDEN');
    expect(await codeOf(viewer.tokens.revoke.mutate({ id: foreign.id }))).toBe('FORBIDDEN');
  });
});

describe('users', () => {
  it('creates, lists, updates and deletes users; Viewers may only list', async () => {
    const test = await testHub();
    const admin = await adminOf(test);
    const viewer = tokenClient(test.url, (await test.hub.createToken({ role: 'Viewer', name: 'v' })).token);
    const ada = await admin.users.create.mutate({ name: 'ada@example.com', role: 'Admin' });
    const bob = await admin.users.create.mutate({ name: 'bob@example.com', role: 'Viewer' });
    expect(await codeOf(admin.users.create.mutate({ name: 'ada@example.com', role: 'Viewer' }))).toBe('CONFLICT');
    expect((await viewer.users.list.query()).map((u) => u.name)).toEqual(['ada@example.com', 'bob@example.com']);

    expect(await codeOf(viewer.users.create.mutate({ name: 'eve@example.com', role: 'Admin' }))).toBe('FORBIDDEN');
    expect(await codeOf(viewer.users.update.mutate({ id: bob.id, role: 'Admin' }))).toBe('FORBIDDEN');
    expect(await codeOf(viewer.users.delete.mutate({ id: ada.id }))).toBe('FORBIDDEN');

    expect(await admin.users.update.mutate({ id: bob.id, name: 'robert@example.com' })).toMatchObject({ name: 'robert@example.com', role: 'Viewer' });
    await admin.users.delete.mutate({ id: ada.id });
    expect((await admin.users.list.query()).map((u) => u.name)).toEqual(['robert@example.com']);
    expect(await codeOf(admin.users.delete.mutate({ id: ada.id }))).toBe('NOT_FOUND');

    // Another tenant's Admin sees none of them and touches none.
    const other = await test.hub.createTenant({ name: 'other' });
    const foreign = tokenClient(test.url, (await test.hub.createToken({ role: 'Admin', name: 'a', tenantId: other.id })).token);
    expect(await foreign.users.list.query()).toEqual([]);
    expect(await codeOf(foreign.users.update.mutate({ id: bob.id, role: 'Admin' }))).toBe('NOT_FOUND');
    expect(await codeOf(foreign.users.delete.mutate({ id: bob.id }))).toBe('NOT_FOUND');

    const records = (await audited(test.hub)).filter((r) => r.target === 'user');
    expect(records.map((r) => `${r.action} ${r.name}`).sort()).toEqual([
      'create ada@example.com',
      'create bob@example.com',
      'delete ada@example.com',
      'update robert@example.com',
    ]);
  });

  it('caps a user’s token at the user’s role, follows demotion, and ends with the user', async () => {
    const test = await testHub();
    const admin = await adminOf(test);
    const ada = await admin.users.create.mutate({ name: 'ada@example.com', role: 'Admin' });
    const carl = await admin.users.create.mutate({ name: 'carl@example.com', role: 'Viewer' });
    expect(await codeOf(admin.tokens.create.mutate({ name: 'too-strong', role: 'Admin', userId: carl.id }))).toBe('FORBIDDEN');

    const created = await admin.tokens.create.mutate({ name: 'ada-cli', role: 'Admin', userId: ada.id });
    expect(created.metadata.userId).toBe(ada.id);
    const adas = tokenClient(test.url, created.token);
    await adas.users.create.mutate({ name: 'dora@example.com', role: 'Viewer' });
    const records = await audited(test.hub);
    expect(records.find((r) => r.target === 'user' && r.name === 'dora@example.com')?.actor).toBe('user:ada@example.com');

    await admin.users.update.mutate({ id: ada.id, role: 'Viewer' });
    expect(await codeOf(adas.users.create.mutate({ name: 'eve@example.com', role: 'Viewer' }))).toBe('FORBIDDEN');
    expect(await adas.users.list.query()).toHaveLength(3);

    await admin.users.delete.mutate({ id: ada.id });
    expect(await codeOf(adas.users.list.query())).toBe('UNAUTHENTICATED');
    expect((await admin.tokens.list.query()).find((t) => t.id === created.metadata.id)?.revokedAt).not.toBeNull();
  });
});

describe('tenants: the caller’s own', () => {
  it('shows the current tenant to a Viewer and lets only its Admin change it', async () => {
    const test = await testHub();
    const admin = await adminOf(test);
    const viewer = tokenClient(test.url, (await test.hub.createToken({ role: 'Viewer', name: 'v' })).token);
    expect(await viewer.tenants.current.query()).toMatchObject({ id: test.hub.tenantId, name: 'default', enforceNodeAuth: false, nodeSecretSet: false });
    expect(await codeOf(viewer.tenants.update.mutate({ enforceNodeAuth: true }))).toBe('FORBIDDEN');
    expect(await codeOf(viewer.tenants.rotateSecret.mutate())).toBe('FORBIDDEN');

    const { tenantSecret } = await admin.tenants.rotateSecret.mutate();
    expect(await admin.tenants.update.mutate({ name: 'Acme', enforceNodeAuth: true })).toMatchObject({ name: 'Acme', enforceNodeAuth: true });
    const current = await viewer.tenants.current.query();
    expect(current).toMatchObject({ name: 'Acme', enforceNodeAuth: true, nodeSecretSet: true });
    expect(JSON.stringify(current)).not.toContain(tenantSecret);

    const headers = { [CREDENTIAL_HEADERS.clientId]: 'TEST:NODE', [CREDENTIAL_HEADERS.clientSecret]: test.clientSecret, [CREDENTIAL_HEADERS.tenantUuid]: test.hub.tenantId };
    expect(await upgradeStatus(test.url, headers)).toBe(401);
    expect(await upgradeStatus(test.url, { ...headers, [CREDENTIAL_HEADERS.tenantSecret]: tenantSecret })).toBe(101);

    // Another tenant's Admin changes only its own tenant.
    const other = await test.hub.createTenant({ name: 'other' });
    const foreign = tokenClient(test.url, (await test.hub.createToken({ role: 'Admin', name: 'a', tenantId: other.id })).token);
    await foreign.tenants.update.mutate({ name: 'Other Corp' });
    expect((await test.hub.store.identities.getTenant(test.hub.tenantId))?.name).toBe('Acme');

    const records = (await audited(test.hub)).filter((r) => r.target === 'tenant');
    expect(records.map((r) => [r.action, r.actor])).toEqual(expect.arrayContaining([['set-secret', 'token:admin'], ['update', 'token:admin']]));
    expect(JSON.stringify(records)).not.toContain(tenantSecret);
  });
});

describe('Sink Type client secrets', () => {
  it('lists ids without hashes and revokes one at once', async () => {
    const test = await testHub();
    const second = await test.hub.createClientSecret('TEST:NODE');
    const listed = await test.hub.listClientSecrets('TEST:NODE');
    expect(listed).toHaveLength(2);
    expect(Object.keys(listed[0]!).sort()).toEqual(['createdAt', 'id']);
    const headers = (secret: string) => ({ [CREDENTIAL_HEADERS.clientId]: 'TEST:NODE', [CREDENTIAL_HEADERS.clientSecret]: secret });
    expect(await upgradeStatus(test.url, headers(test.clientSecret))).toBe(101);
    await test.hub.revokeClientSecret('TEST:NODE', listed[0]!.id);
    expect(await upgradeStatus(test.url, headers(test.clientSecret))).toBe(401);
    expect(await upgradeStatus(test.url, headers(second))).toBe(101);
    await expect(test.hub.revokeClientSecret('TEST:NODE', listed[0]!.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(test.hub.listClientSecrets('NO:SUCH')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const records = (await audited(test.hub)).filter((r) => r.target === 'sink');
    expect(records.map((r) => r.action).sort()).toEqual(['create-secret', 'create-secret', 'revoke-secret']);
  });
});

describe('definition changes are audited', () => {
  it('records an apply that changed something, with the summary, and not an unchanged one', async () => {
    const test = await testHub();
    const admin = await adminOf(test);
    const before = (await audited(test.hub)).filter((r) => r.target === 'definition').length;
    await admin.definitions.upsert.mutate({ actions: [{ name: 'audited', module: 'e2e.echo' }] });
    await admin.definitions.upsert.mutate({ actions: [{ name: 'audited', module: 'e2e.echo' }] });
    const records = (await audited(test.hub)).filter((r) => r.target === 'definition');
    expect(records).toHaveLength(before + 1);
    expect(records[0]).toMatchObject({ action: 'apply', actor: 'token:admin', name: 'action:audited', details: { created: ['action:audited'], updated: [] } });
  });
});

describe('createHub({ authenticate })', () => {
  it('takes the identity from the embedding app’s session instead of API tokens', async () => {
    const sessions = new Map<string, Identity>();
    const test = await testHub({
      authenticate: (req) => {
        const session = req.headers['x-session'];
        return typeof session === 'string' ? (sessions.get(session) ?? null) : null;
      },
    });
    sessions.set('s-admin', { tenantId: test.hub.tenantId, role: 'Admin', subject: 'user:ada@example.com' });
    sessions.set('s-viewer', { tenantId: test.hub.tenantId, role: 'Viewer', subject: 'user:vic@example.com' });
    const admin = apiClient(test.url, { 'x-session': 's-admin' });
    const viewer = apiClient(test.url, { 'x-session': 's-viewer' });

    await admin.users.create.mutate({ name: 'new@example.com', role: 'Viewer' });
    expect((await viewer.users.list.query()).map((u) => u.name)).toEqual(['new@example.com']);
    expect(await codeOf(viewer.users.create.mutate({ name: 'x@example.com', role: 'Viewer' }))).toBe('FORBIDDEN');
    expect(await codeOf(apiClient(test.url, { 'x-session': 'forged' }).events.counts.query())).toBe('UNAUTHENTICATED');
    // Token auth is replaced: even a valid Admin token is not accepted.
    const { token } = await test.hub.createToken({ role: 'Admin', name: 'unused' });
    expect(await codeOf(tokenClient(test.url, token).events.counts.query())).toBe('UNAUTHENTICATED');
    const records = await audited(test.hub);
    expect(records.find((r) => r.target === 'user')?.actor).toBe('user:ada@example.com');
    // A malformed identity from the app is an internal error, not a caller.
    sessions.set('s-broken', { tenantId: test.hub.tenantId, role: 'root', subject: 'x' } as unknown as Identity);
    expect(await codeOf(apiClient(test.url, { 'x-session': 's-broken' }).events.counts.query())).toBe('INTERNAL');
  });
});

describe('first start', () => {
  it('creates the default tenant and an Admin token once, and logs where to find it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexomatic-first-'));
    const lines: string[] = [];
    const logger = { debug: () => {}, info: (message: string) => void lines.push(message), warn: () => {}, error: () => {} };
    try {
      const first = await createHub({ dataDir: dir, logger });
      expect(first.initialAdminToken).toMatch(/^nxm_/);
      const { url } = await first.listen(0);
      expect(await tokenClient(url, first.initialAdminToken!).tenants.current.query()).toMatchObject({ id: first.tenantId, name: 'default' });
      await first.close();
      expect(lines.find((l) => l.includes('Admin token'))).toContain('hub.initialAdminToken');

      lines.length = 0;
      const again = await createHub({ dataDir: dir, logger });
      expect(again.tenantId).toBe(first.tenantId);
      expect(again.initialAdminToken).toBeNull();
      expect(lines.some((l) => l.includes('Admin token'))).toBe(false);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
