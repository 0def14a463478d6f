/**
 * Schema version 4: users, the hash of a tenant's node-auth secret (`TENANT_SECRET`), and the
 * user an API token belongs to.
 *
 * A user's name is unique within its tenant. `tenants.node_secret_hash` is null until a secret is
 * set; a tenant that enforces node auth with no secret refuses every pinned sink.
 */
export const MIGRATION_4 = `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('Admin', 'Viewer')),
    created_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX users_tenant_name ON users (tenant_id, name);

  ALTER TABLE tenants ADD COLUMN node_secret_hash TEXT;

  ALTER TABLE tokens ADD COLUMN user_id TEXT;
  CREATE INDEX tokens_user ON tokens (user_id) WHERE user_id IS NOT NULL;
`;
