import type { Role, User } from '@nexomatic/core';
import type { IdentityStore } from '../port.js';
import type { Connection } from './connection.js';
import { isoToMs, toIso } from './rows.js';

interface UserRow {
  id: string;
  tenant_id: string;
  name: string;
  role: Role;
  created_at: number;
}

function userFromRow(row: UserRow): User {
  return { id: row.id, tenantId: row.tenant_id, name: row.name, role: row.role, createdAt: toIso(row.created_at) };
}

/** The users part of the identities aggregate over SQLite; every query is tenant-scoped. */
export function sqliteUsers(
  connection: Connection,
): Pick<IdentityStore, 'createUser' | 'getUser' | 'listUsers' | 'updateUser' | 'deleteUser'> {
  return {
    /** Rejects with `CONFLICT` when the id, or the name within the tenant, exists. */
    createUser: (user) =>
      connection.write(() => {
        connection
          .statement('INSERT INTO users (id, tenant_id, name, role, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(user.id, user.tenantId, user.name, user.role, isoToMs(user.createdAt, 'createdAt'));
      }),

    getUser: (tenantId, id) =>
      connection.read(() => {
        const row = connection.statement<UserRow>('SELECT * FROM users WHERE tenant_id = ? AND id = ?').get(tenantId, id);
        return row === undefined ? null : userFromRow(row);
      }),

    listUsers: (tenantId) =>
      connection.read(() =>
        connection.statement<UserRow>('SELECT * FROM users WHERE tenant_id = ? ORDER BY name, id').all(tenantId).map(userFromRow),
      ),

    /** Rejects with `CONFLICT` when the new name is taken within the tenant. */
    updateUser: (user) =>
      connection.write(
        () =>
          connection
            .statement('UPDATE users SET name = ?, role = ? WHERE tenant_id = ? AND id = ?')
            .run(user.name, user.role, user.tenantId, user.id).changes === 1,
      ),

    deleteUser: (tenantId, id) =>
      connection.write(
        () => connection.statement('DELETE FROM users WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes === 1,
      ),
  };
}
