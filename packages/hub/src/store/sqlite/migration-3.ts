/**
 * Schema version 3: the secrets vault and the audit log.
 *
 * `secrets` holds one ciphertext per `(tenant_id, key)` (never a value: the vault encrypts before
 * the store sees anything), with the master-key version that encrypted it, indexed for rotation.
 *
 * `audit` is append-only: `seq` orders it, and triggers refuse every `UPDATE` and `DELETE`, so not
 * even a bug in the hub can rewrite history. Queries page newest first by tenant, optionally by
 * target, on `(tenant_id, seq)` and `(tenant_id, target, seq)`.
 */
export const MIGRATION_3 = `
  CREATE TABLE secrets (
    tenant_id TEXT NOT NULL,
    key TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    key_version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX secrets_key_version ON secrets (key_version);

  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    name TEXT NOT NULL,
    details TEXT
  );
  CREATE INDEX audit_tenant ON audit (tenant_id, seq);
  CREATE INDEX audit_tenant_target ON audit (tenant_id, target, seq);
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;
