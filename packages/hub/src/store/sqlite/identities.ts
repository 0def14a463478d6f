import type { Role, Tenant } from '@nexomatic/core';
import type { IdentityStore, StoredCredential, StoredToken } from '../port.js';
import type { Connection } from './connection.js';
import { isoToMs, toDateOrNull, toIso, toMs, toMsOrNull } from './rows.js';
import { sqliteUsers } from './users.js';

interface TenantRow {
  id: string;
  name: string;
  enforce_node_auth: number;
  created_at: number;
}

interface TokenRow {
  id: string;
  tenant_id: string;
  role: Role;
  name: string;
  hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  user_id: string | null;
}

interface SecretRow {
  id: string;
  hash: string;
  created_at: number;
}

function tenantFromRow(row: TenantRow): Tenant {
  return { id: row.id, name: row.name, enforceNodeAuth: row.enforce_node_auth === 1, createdAt: toIso(row.created_at) };
}

function tokenFromRow(row: TokenRow): StoredToken {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    role: row.role,
    name: row.name,
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    hash: row.hash,
    createdAt: new Date(row.created_at),
    expiresAt: toDateOrNull(row.expires_at),
    revokedAt: toDateOrNull(row.revoked_at),
  };
}

/** The identities aggregate over SQLite: tenants, users, API tokens and Sink Type client secrets. */
export function sqliteIdentities(connection: Connection): IdentityStore {
  return {
    ...sqliteUsers(connection),

    /** Rejects with `CONFLICT` when the tenant exists. */
    createTenant: (tenant) =>
      connection.write(() => {
        connection
          .statement('INSERT INTO tenants (id, name, enforce_node_auth, created_at) VALUES (?, ?, ?, ?)')
          .run(tenant.id, tenant.name, tenant.enforceNodeAuth ? 1 : 0, isoToMs(tenant.createdAt, 'createdAt'));
      }),

    getTenant: (id) =>
      connection.read(() => {
        const row = connection.statement<TenantRow>('SELECT * FROM tenants WHERE id = ?').get(id);
        return row === undefined ? null : tenantFromRow(row);
      }),

    listTenants: () =>
      connection.read(() =>
        connection.statement<TenantRow>('SELECT * FROM tenants ORDER BY created_at, id').all().map(tenantFromRow),
      ),

    updateTenant: (tenant) =>
      connection.write(
        () =>
          connection
            .statement('UPDATE tenants SET name = ?, enforce_node_auth = ? WHERE id = ?')
            .run(tenant.name, tenant.enforceNodeAuth ? 1 : 0, tenant.id).changes === 1,
      ),

    setTenantSecret: (tenantId, hash) =>
      connection.write(() => {
        connection.statement('UPDATE tenants SET node_secret_hash = ? WHERE id = ?').run(hash, tenantId);
      }),

    getTenantSecret: (tenantId) =>
      connection.read(
        () =>
          connection.statement<{ node_secret_hash: string | null }>('SELECT node_secret_hash FROM tenants WHERE id = ?').get(tenantId)
            ?.node_secret_hash ?? null,
      ),

    /** Rejects with `CONFLICT` when the token id exists. */
    createToken: (token) =>
      connection.write(() => {
        connection
          .statement(
            `INSERT INTO tokens (id, tenant_id, role, name, hash, created_at, expires_at, revoked_at, user_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            token.id,
            token.tenantId,
            token.role,
            token.name,
            token.hash,
            toMs(token.createdAt, 'createdAt'),
            toMsOrNull(token.expiresAt, 'expiresAt'),
            toMsOrNull(token.revokedAt, 'revokedAt'),
            token.userId ?? null,
          );
      }),

    getToken: (id) =>
      connection.read(() => {
        const row = connection.statement<TokenRow>('SELECT * FROM tokens WHERE id = ?').get(id);
        return row === undefined ? null : tokenFromRow(row);
      }),

    listTokens: (tenantId) =>
      connection.read(() =>
        connection.statement<TokenRow>('SELECT * FROM tokens WHERE tenant_id = ? ORDER BY created_at, id').all(tenantId).map(tokenFromRow),
      ),

    revokeToken: (id, at) =>
      connection.write(
        () =>
          connection
            .statement('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
            .run(toMs(at, 'at'), id).changes === 1,
      ),

    addClientSecret: (sinkType, secret) =>
      connection.write(() => {
        connection
          .statement('INSERT INTO client_secrets (sink_type, id, hash, created_at) VALUES (?, ?, ?, ?)')
          .run(sinkType, secret.id, secret.hash, toMs(secret.createdAt, 'createdAt'));
      }),

    listClientSecrets: (sinkType) =>
      connection.read(() =>
        connection
          .statement<SecretRow>('SELECT id, hash, created_at FROM client_secrets WHERE sink_type = ? ORDER BY created_at, id')
          .all(sinkType)
          .map((row): StoredCredential => ({ id: row.id, hash: row.hash, createdAt: new Date(row.created_at) })),
      ),

    removeClientSecret: (sinkType, id) =>
      connection.write(
        () =>
          connection.statement('DELETE FROM client_secrets WHERE sink_type = ? AND id = ?').run(sinkType, id).changes === 1,
      ),
  };
}
