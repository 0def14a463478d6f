import { NexomaticError, parse, type SecretMetadata } from '@nexomatic/core';
import { z } from 'zod';
import type { Actor, AuditLog } from '../engine/audit.js';
import type { HubStore } from '../store/port.js';
import type { Vault } from './cipher.js';

/** A secret's key: what `SECRET` parameters name. */
export const SecretKey = z.string().min(1).max(200);

/** What `secrets.put` takes: a key and its value (at most 64 KiB). The value is never echoed. */
export const SecretInput = z.object({ key: SecretKey, value: z.string().min(1).max(65_536) });
/** What `secrets.put` takes. */
export type SecretInput = z.infer<typeof SecretInput>;

/** How many secrets a rotation re-encrypts per page. */
const ROTATION_PAGE = 100;

/**
 * Re-encrypts every secret not on the vault's newest key version, a page at a time, and returns
 * how many it re-encrypted. Old versions must still be configured until this has run; then they
 * can be retired (removed from the options).
 */
export async function rotateSecrets(store: HubStore, vault: Vault): Promise<number> {
  const newest = vault.currentVersion;
  if (newest === null) throw new NexomaticError('VALIDATION', 'no master key is configured: nothing to rotate to');
  let count = 0;
  for (;;) {
    const page = await store.secrets.notOnVersion(newest, ROTATION_PAGE);
    if (page.length === 0) return count;
    for (const secret of page) {
      const sealed = vault.seal(secret.tenantId, secret.key, vault.open(secret));
      await store.secrets.put({ ...secret, ...sealed });
      count += 1;
    }
  }
}

/**
 * Refuses to start a hub whose store holds secrets when no master key is configured: it could
 * neither resolve nor rotate them.
 */
export async function assertVaultUsable(store: HubStore, vault: Vault): Promise<void> {
  if (vault.configured) return;
  const count = await store.secrets.count();
  if (count > 0) {
    throw new NexomaticError(
      'VALIDATION',
      `the store holds ${count} encrypted secret(s) but no master key is configured: set the hub option masterKeys or the environment variable NEXOMATIC_MASTER_KEY (the key they were stored with; 32 bytes, base64)`,
    );
  }
}

/**
 * The write-only secrets API: put, delete and list metadata. Every change is audited (never the
 * value). Values leave the vault only through the sink's resolve call ({@link SecretResolver}).
 */
export class SecretService {
  constructor(
    private readonly store: HubStore,
    private readonly vault: Vault,
    private readonly audit: AuditLog,
  ) {}

  /** Creates or replaces a secret of the actor's tenant; returns its metadata. */
  async put(actor: Actor, input: SecretInput): Promise<SecretMetadata> {
    const { key, value } = parse(SecretInput, input, 'secret');
    const now = new Date();
    const sealed = this.vault.seal(actor.tenantId, key, value);
    const change = await this.store.secrets.put({ tenantId: actor.tenantId, key, ...sealed, createdAt: now, updatedAt: now });
    await this.audit.record(actor, change === 'created' ? 'create' : 'update', 'secret', key, { keyVersion: sealed.keyVersion });
    const stored = await this.store.secrets.get(actor.tenantId, key);
    return {
      key,
      tenantId: actor.tenantId,
      keyVersion: sealed.keyVersion,
      createdAt: (stored?.createdAt ?? now).toISOString(),
      updatedAt: now.toISOString(),
    };
  }

  /** Deletes a secret of the actor's tenant, or fails `NOT_FOUND`. */
  async delete(actor: Actor, key: string): Promise<void> {
    const checked = parse(SecretKey, key, 'key');
    if (!(await this.store.secrets.delete(actor.tenantId, checked))) throw new NexomaticError('NOT_FOUND', `no secret ${checked}`);
    await this.audit.record(actor, 'delete', 'secret', checked);
  }

  /** The metadata of a tenant's secrets, by key. */
  list(tenantId: string): Promise<SecretMetadata[]> {
    return this.store.secrets.list(tenantId);
  }

  /** See {@link rotateSecrets}. */
  rotate(): Promise<number> {
    return rotateSecrets(this.store, this.vault);
  }
}
