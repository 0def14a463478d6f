import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NexomaticError, parse, type Tenant } from '@nexomatic/core';
import type { Actor, AuditLog } from '../engine/audit.js';
import type { HubStore } from '../store/port.js';
import { hashSecret, newSecret } from './hash.js';

/** What {@link TenantService.create} takes. */
export const NewTenant = z.object({
  name: z.string().min(1).max(200),
  /** Sinks pinned to the tenant must present its `TENANT_SECRET`; unpinned sinks never serve it. @default false */
  enforceNodeAuth: z.boolean().default(false),
});
/** What {@link TenantService.create} takes. */
export type NewTenant = z.input<typeof NewTenant>;

/** A change to a tenant's settings; absent fields stay as they are. */
export const TenantPatch = z.object({
  name: z.string().min(1).max(200).optional(),
  enforceNodeAuth: z.boolean().optional(),
});
/** A change to a tenant's settings. */
export type TenantPatch = z.infer<typeof TenantPatch>;

/** A tenant as the API shows it: never the secret or its hash, only whether one is set. */
export interface TenantView extends Tenant {
  /** Whether a `TENANT_SECRET` is set. */
  nodeSecretSet: boolean;
}

/**
 * Tenants and their node auth: creation, settings, and the `TENANT_SECRET` (random, shown once,
 * stored as a scrypt hash). Every change is audited and calls `changed`, which the hub uses to
 * drop cached sink credentials and the dispatcher's set of enforcing tenants.
 */
export class TenantService {
  constructor(
    private readonly store: HubStore,
    private readonly audit: AuditLog,
    private readonly changed: () => void,
  ) {}

  /** Creates a tenant; the actor defaults to the hub itself, recorded in the new tenant. */
  async create(input: NewTenant, subject = 'hub'): Promise<Tenant> {
    const { name, enforceNodeAuth } = parse(NewTenant, input, 'tenant');
    const tenant: Tenant = { id: randomUUID(), name, enforceNodeAuth, createdAt: new Date().toISOString() };
    await this.store.identities.createTenant(tenant);
    await this.audit.record({ tenantId: tenant.id, subject }, 'create', 'tenant', tenant.name, { enforceNodeAuth });
    this.changed();
    return tenant;
  }

  /** A tenant, or `NOT_FOUND`. */
  async get(tenantId: string): Promise<Tenant> {
    const tenant = await this.store.identities.getTenant(tenantId);
    if (!tenant) throw new NexomaticError('NOT_FOUND', `no tenant "${tenantId}"`);
    return tenant;
  }

  /** A tenant with whether its `TENANT_SECRET` is set. */
  async view(tenantId: string): Promise<TenantView> {
    const tenant = await this.get(tenantId);
    return { ...tenant, nodeSecretSet: (await this.store.identities.getTenantSecret(tenantId)) !== null };
  }

  /** Changes the actor's own tenant (`actor.tenantId`). */
  async update(actor: Actor, patch: TenantPatch): Promise<Tenant> {
    const change = parse(TenantPatch, patch, 'tenant');
    const tenant = { ...(await this.get(actor.tenantId)), ...definedOnly(change) };
    if (!(await this.store.identities.updateTenant(tenant))) throw new NexomaticError('NOT_FOUND', `no tenant "${actor.tenantId}"`);
    await this.audit.record(actor, 'update', 'tenant', tenant.name, definedOnly(change));
    this.changed();
    return tenant;
  }

  /**
   * Replaces the actor's tenant's `TENANT_SECRET` with a new random one and returns it: the only
   * time it is visible. Sinks that connected with the old one stay connected; new connections need
   * the new one.
   */
  async setSecret(actor: Actor): Promise<string> {
    const tenant = await this.get(actor.tenantId);
    const secret = newSecret();
    await this.store.identities.setTenantSecret(tenant.id, await hashSecret(secret));
    await this.audit.record(actor, 'set-secret', 'tenant', tenant.name);
    this.changed();
    return secret;
  }

  /** Removes the actor's tenant's `TENANT_SECRET`; an enforcing tenant then admits no pinned sink. */
  async clearSecret(actor: Actor): Promise<void> {
    const tenant = await this.get(actor.tenantId);
    await this.store.identities.setTenantSecret(tenant.id, null);
    await this.audit.record(actor, 'clear-secret', 'tenant', tenant.name);
    this.changed();
  }
}

/** The fields a patch sets, without the absent ones. */
function definedOnly(patch: TenantPatch): { name?: string; enforceNodeAuth?: boolean } {
  return {
    ...(patch.name === undefined ? {} : { name: patch.name }),
    ...(patch.enforceNodeAuth === undefined ? {} : { enforceNodeAuth: patch.enforceNodeAuth }),
  };
}
