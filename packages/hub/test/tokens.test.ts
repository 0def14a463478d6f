import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiTokens } from '../src/auth/tokens.js';
import { hashSecret, verifySecret } from '../src/auth/hash.js';
import { sqliteStore } from '../src/sqlite.js';
import type { HubStore } from '../src/store/port.js';

let store: HubStore;
let tokens: ApiTokens;
const tenantId = '6f1c1d9e-8a43-4d0e-9b7e-2f0a8a7c1e11';

beforeEach(async () => {
  store = await sqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'nexomatic-tokens-')), 'hub.db') });
  await store.identities.createTenant({ id: tenantId, name: 't', enforceNodeAuth: false, createdAt: new Date().toISOString() });
  tokens = new ApiTokens(store);
});
afterEach(() => store.close());

describe('secret hashing', () => {
  it('verifies the secret it hashed and nothing else, with a salt per hash', async () => {
    const hash = await hashSecret('s3cret');
    expect(hash).toMatch(/^scrypt\$16384\$/);
    expect(hash).not.toContain('s3cret');
    expect(await verifySecret('s3cret', hash)).toBe(true);
    expect(await verifySecret('s3cret!', hash)).toBe(false);
    expect(await hashSecret('s3cret')).not.toBe(hash);
    expect(await verifySecret('s3cret', 'plain$text')).toBe(false);
  });
});

describe('API tokens', () => {
  it('stores only a hash and maps a token to its tenant and role', async () => {
    const { id, token } = await tokens.create({ tenantId, role: 'Viewer', name: 'ci' });
    const stored = await store.identities.getToken(id);
    const secret = token.slice('nxm_'.length + id.length + 1);
    expect(secret).toHaveLength(43);
    expect(stored?.hash).not.toContain(secret);
    expect(await tokens.verify(token)).toEqual({ tenantId, role: 'Viewer', subject: 'token:ci' });
  });

  it('verifies tokens whose secret contains underscores', async () => {
    let token = '';
    for (let i = 0; i < 200 && !token.slice(40).includes('_'); i++) token = (await tokens.create({ tenantId, role: 'Admin', name: `t${i}` })).token;
    expect(token.slice(40)).toContain('_');
    expect(await tokens.verify(token)).toMatchObject({ role: 'Admin' });
  });

  it('refuses wrong, malformed, expired and revoked tokens', async () => {
    const { id, token } = await tokens.create({ tenantId, role: 'Admin', name: 'a' });
    expect(await tokens.verify(`${token}x`)).toBeNull();
    expect(await tokens.verify('nxm_')).toBeNull();
    expect(await tokens.verify('Bearer nonsense')).toBeNull();
    const expired = await tokens.create({ tenantId, role: 'Admin', name: 'old', expiresAt: new Date(Date.now() - 1000) });
    expect(await tokens.verify(expired.token)).toBeNull();
    expect(await tokens.verify(token)).not.toBeNull();
    expect((await tokens.revoke({ tenantId, subject: 'test' }, id)).revokedAt).not.toBeNull();
    expect(await tokens.verify(token)).toBeNull();
  });
});
