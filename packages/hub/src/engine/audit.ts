import { randomUUID } from 'node:crypto';
import type { AuditRecord, AuditTarget, Identity, Json, Logger } from '@nexomatic/core';
import type { HubStore } from '../store/port.js';

/** Who did something: an API identity, a sink, or the hub itself. */
export type Actor = Pick<Identity, 'tenantId' | 'subject'>;

/**
 * Writes the append-only audit log: who created, changed or deleted definitions, secrets, tokens,
 * users, tenants and sources, and every refused secret resolve. Never records a secret's value.
 */
export class AuditLog {
  constructor(
    private readonly store: HubStore,
    private readonly logger: Logger,
  ) {}

  /** Records one action on one thing, in the actor's tenant. */
  async record(actor: Actor, action: string, target: AuditTarget, name: string, details?: Record<string, Json>): Promise<void> {
    const record: AuditRecord = {
      id: randomUUID(),
      tenantId: actor.tenantId,
      at: new Date().toISOString(),
      actor: actor.subject,
      action,
      target,
      name,
      ...(details ? { details } : {}),
    };
    await this.store.audit.append([record]);
    this.logger.debug('audit', { action, target, name, actor: actor.subject });
  }
}
