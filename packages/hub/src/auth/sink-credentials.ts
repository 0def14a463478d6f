import { CREDENTIAL_HEADERS, NexomaticError } from '@nexomatic/core';
import type { IncomingHttpHeaders } from 'node:http';
import type { HubStore } from '../store/port.js';
import { PLATFORM_SCOPE } from '../store/port.js';
import { verifySecret } from './hash.js';
import { VerifiedCache } from './verified-cache.js';

/** Who a connected sink is: its Sink Type and the tenant it is pinned to, if any. */
export interface SinkPrincipal {
  sinkType: string;
  tenantId: string | null;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks the credentials a sink presents on its WebSocket upgrade: `CLIENT_ID` (its Sink Type),
 * `CLIENT_SECRET` (any of the Sink Type's valid secrets), an optional `TENANT_UUID` pin, and the
 * tenant's `TENANT_SECRET` when that tenant enforces node auth (or when one is presented at all:
 * a wrong credential is never ignored). Secrets are checked against scrypt hashes in constant time.
 */
export class SinkCredentials {
  private readonly cache = new VerifiedCache<SinkPrincipal>();

  constructor(private readonly store: HubStore) {}

  /** The sink's principal, or an `UNAUTHENTICATED` error that says nothing about which part was wrong. */
  async verify(headers: IncomingHttpHeaders): Promise<SinkPrincipal> {
    const clientId = header(headers, CREDENTIAL_HEADERS.clientId);
    const clientSecret = header(headers, CREDENTIAL_HEADERS.clientSecret);
    const tenantUuid = header(headers, CREDENTIAL_HEADERS.tenantUuid) ?? null;
    const tenantSecret = header(headers, CREDENTIAL_HEADERS.tenantSecret) ?? null;
    const refused = new NexomaticError('UNAUTHENTICATED', 'sink credentials refused');
    if (!clientId || !clientSecret) throw refused;
    const cacheKey = `${clientId}\u0000${clientSecret}\u0000${tenantUuid ?? ''}\u0000${tenantSecret ?? ''}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;

    const sinkType = await this.store.definitions.get(PLATFORM_SCOPE, 'sinkType', clientId);
    if (!sinkType) throw refused;
    const secrets = await this.store.identities.listClientSecrets(clientId);
    let ok = false;
    for (const secret of secrets) if (await verifySecret(clientSecret, secret.hash)) ok = true;
    if (!ok) throw refused;
    if (tenantUuid !== null && !(await this.tenantAdmits(tenantUuid, tenantSecret))) throw refused;

    const principal = { sinkType: clientId, tenantId: tenantUuid };
    this.cache.set(cacheKey, principal);
    return principal;
  }

  /**
   * Whether a sink pinned to `tenantId` may serve it: the tenant exists and, when it enforces node
   * auth or the sink presents a `TENANT_SECRET`, the secret matches the tenant's hash.
   */
  private async tenantAdmits(tenantId: string, secret: string | null): Promise<boolean> {
    const tenant = await this.store.identities.getTenant(tenantId);
    if (!tenant) return false;
    if (!tenant.enforceNodeAuth && secret === null) return true;
    const hash = await this.store.identities.getTenantSecret(tenantId);
    if (secret === null || hash === null) return false;
    return verifySecret(secret, hash);
  }

  /** Forgets verified credentials, after a rotation. */
  forget(): void {
    this.cache.clear();
  }
}
