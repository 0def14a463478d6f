import { randomUUID } from 'node:crypto';
import { NexomaticError } from '@nexomatic/core';
import type { AuditLog } from '../engine/audit.js';
import { PLATFORM_SCOPE, type HubStore } from '../store/port.js';
import { hashSecret, newSecret } from './hash.js';

/** What may be shown of a Sink Type's `CLIENT_SECRET`: its id and age, never the secret or hash. */
export interface ClientSecretInfo {
  id: string;
  createdAt: string;
}

/** How many secrets of one Sink Type are valid at once: two, so one can be rotated without downtime. */
export const MAX_CLIENT_SECRETS = 2;

/**
 * The `CLIENT_SECRET`s of Sink Types: random, shown once, stored as scrypt hashes, at most
 * {@link MAX_CLIENT_SECRETS} valid at a time. Changes are audited in `auditTenantId` (Sink Types
 * belong to the platform, not to a tenant) and call `changed`, which drops cached credentials.
 */
export class ClientSecrets {
  constructor(
    private readonly store: HubStore,
    private readonly audit: AuditLog,
    private readonly auditTenantId: string,
    private readonly changed: () => void,
  ) {}

  /** Creates a secret and returns it (only its hash is kept); the oldest past two is retired. */
  async create(sinkType: string): Promise<string> {
    await this.sinkType(sinkType);
    const secret = newSecret();
    const id = randomUUID();
    await this.store.identities.addClientSecret(sinkType, { id, hash: await hashSecret(secret), createdAt: new Date() });
    const all = await this.store.identities.listClientSecrets(sinkType);
    const retired = [...all]
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .slice(0, Math.max(0, all.length - MAX_CLIENT_SECRETS));
    for (const old of retired) await this.store.identities.removeClientSecret(sinkType, old.id);
    this.changed();
    await this.record('create-secret', sinkType, { id, retired: retired.map((r) => r.id) });
    return secret;
  }

  /** Revokes one secret at once; new connections with it are refused. `NOT_FOUND` when absent. */
  async revoke(sinkType: string, id: string): Promise<void> {
    if (!(await this.store.identities.removeClientSecret(sinkType, id))) {
      throw new NexomaticError('NOT_FOUND', `Sink Type "${sinkType}" has no client secret "${id}"`);
    }
    this.changed();
    await this.record('revoke-secret', sinkType, { id });
  }

  /** The valid secrets of a Sink Type, oldest first: ids and times only. */
  async list(sinkType: string): Promise<ClientSecretInfo[]> {
    await this.sinkType(sinkType);
    const secrets = await this.store.identities.listClientSecrets(sinkType);
    return secrets.map((s) => ({ id: s.id, createdAt: s.createdAt.toISOString() }));
  }

  private async sinkType(name: string): Promise<void> {
    if (!(await this.store.definitions.get(PLATFORM_SCOPE, 'sinkType', name))) {
      throw new NexomaticError('NOT_FOUND', `no Sink Type named "${name}"`);
    }
  }

  private record(action: string, sinkType: string, details: { id: string; retired?: string[] }): Promise<void> {
    return this.audit.record({ tenantId: this.auditTenantId, subject: 'hub' }, action, 'sink', sinkType, details);
  }
}
