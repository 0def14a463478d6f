import type { SecretMetadata } from '@nexomatic/core';
import type { SecretStore, StoredSecret } from '../port.js';
import type { Connection } from './connection.js';
import { toIso, toMs } from './rows.js';

interface SecretRow {
  tenant_id: string;
  key: string;
  ciphertext: string;
  key_version: number;
  created_at: number;
  updated_at: number;
}

const COLUMNS = 'tenant_id, key, ciphertext, key_version, created_at, updated_at';

function secretFromRow(row: SecretRow): StoredSecret {
  return {
    tenantId: row.tenant_id,
    key: row.key,
    ciphertext: row.ciphertext,
    keyVersion: row.key_version,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function metadataFromRow(row: SecretRow): SecretMetadata {
  return { key: row.key, tenantId: row.tenant_id, keyVersion: row.key_version, createdAt: toIso(row.created_at), updatedAt: toIso(row.updated_at) };
}

/**
 * The secrets aggregate over SQLite: one ciphertext per `(tenant_id, key)`. A replace keeps the
 * first `createdAt`; nothing here sees a value.
 */
export function sqliteSecrets(connection: Connection): SecretStore {
  return {
    put: (secret) =>
      connection.write(() => {
        const existed = connection.statement('SELECT 1 FROM secrets WHERE tenant_id = ? AND key = ?').get(secret.tenantId, secret.key) !== undefined;
        connection
          .statement(
            `INSERT INTO secrets (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (tenant_id, key) DO UPDATE SET
               ciphertext = excluded.ciphertext, key_version = excluded.key_version, updated_at = excluded.updated_at`,
          )
          .run(
            secret.tenantId,
            secret.key,
            secret.ciphertext,
            secret.keyVersion,
            toMs(secret.createdAt, 'createdAt'),
            toMs(secret.updatedAt, 'updatedAt'),
          );
        return existed ? 'updated' : 'created';
      }),

    get: (tenantId, key) =>
      connection.read(() => {
        const row = connection.statement<SecretRow>(`SELECT ${COLUMNS} FROM secrets WHERE tenant_id = ? AND key = ?`).get(tenantId, key);
        return row === undefined ? null : secretFromRow(row);
      }),

    delete: (tenantId, key) =>
      connection.write(() => connection.statement('DELETE FROM secrets WHERE tenant_id = ? AND key = ?').run(tenantId, key).changes === 1),

    list: (tenantId) =>
      connection.read(() =>
        connection.statement<SecretRow>(`SELECT ${COLUMNS} FROM secrets WHERE tenant_id = ? ORDER BY key`).all(tenantId).map(metadataFromRow),
      ),

    notOnVersion: (keyVersion, limit) =>
      connection.read(() =>
        connection
          .statement<SecretRow>(`SELECT ${COLUMNS} FROM secrets WHERE key_version < ? OR key_version > ? ORDER BY tenant_id, key LIMIT ?`)
          .all(keyVersion, keyVersion, limit)
          .map(secretFromRow),
      ),

    count: () => connection.read(() => connection.statement<{ n: number }>('SELECT COUNT(*) AS n FROM secrets').get()!.n),
  };
}
