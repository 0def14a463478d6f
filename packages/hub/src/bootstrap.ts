import { randomUUID } from 'node:crypto';
import type { Tenant } from '@nexomatic/core';
import type { ApiTokens } from './auth/tokens.js';
import type { HubStore } from './store/port.js';

/** What a hub's first start created. */
export interface Bootstrap {
  /** The first (default) tenant. */
  tenant: Tenant;
  /** An Admin token for that tenant, present only on the start that created it. */
  adminToken: string | null;
}

/** On first start (no tenant yet), creates the default tenant and an Admin token for it. */
export async function bootstrap(store: HubStore, tokens: ApiTokens): Promise<Bootstrap> {
  const [existing] = await store.identities.listTenants();
  if (existing) return { tenant: existing, adminToken: null };
  const tenant: Tenant = { id: randomUUID(), name: 'default', enforceNodeAuth: false, createdAt: new Date().toISOString() };
  await store.identities.createTenant(tenant);
  const { token } = await tokens.create({ tenantId: tenant.id, role: 'Admin', name: 'bootstrap-admin' });
  return { tenant, adminToken: token };
}
