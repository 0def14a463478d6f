import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NexomaticError, type Identity, type Role } from '@nexomatic/core';
import type { HubStore } from '../store/port.js';
import { hashSecret, newSecret, verifySecret } from './hash.js';
import { VerifiedCache } from './verified-cache.js';

const PREFIX = 'nxm_';

/** A newly created API token: the token, shown this once, and its id. */
export interface CreatedToken {
  id: string;
  /** The bearer token. Only its hash is stored: it cannot be shown again. */
  token: string;
}

/**
 * API tokens: `nxm_<id>_<secret>`, stored as a scrypt hash of the secret, with a role per tenant,
 * an optional expiry, and revocation.
 */
export class ApiTokens {
  private readonly cache = new VerifiedCache<{ identity: Identity; expiresAt: number | null }>();

  constructor(private readonly store: HubStore) {}

  /** Creates a token; the returned value is the only time it is visible. */
  async create(input: { tenantId: string; role: Role; name: string; expiresAt?: Date | null }): Promise<CreatedToken> {
    const id = randomUUID();
    const secret = newSecret();
    await this.store.identities.createToken({
      id,
      tenantId: input.tenantId,
      role: input.role,
      name: input.name,
      hash: await hashSecret(secret),
      createdAt: new Date(),
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
    });
    return { id, token: `${PREFIX}${id}_${secret}` };
  }

  /** Revokes a token at once. */
  async revoke(id: string): Promise<boolean> {
    const revoked = await this.store.identities.revokeToken(id, new Date());
    this.cache.clear();
    return revoked;
  }

  /** The identity a bearer token stands for, or null when it is unknown, wrong, expired or revoked. */
  async verify(token: string): Promise<Identity | null> {
    const now = Date.now();
    const cached = this.cache.get(token, now);
    if (cached) return cached.expiresAt === null || cached.expiresAt > now ? cached.identity : null;
    if (!token.startsWith(PREFIX)) return null;
    const rest = token.slice(PREFIX.length);
    const split = rest.indexOf('_'); // the id is a UUID (no '_'); the secret is base64url and may hold '_'
    if (split <= 0) return null;
    const stored = await this.store.identities.getToken(rest.slice(0, split));
    if (!stored || stored.revokedAt) return null;
    if (stored.expiresAt && stored.expiresAt.getTime() <= now) return null;
    if (!(await verifySecret(rest.slice(split + 1), stored.hash))) return null;
    const identity: Identity = { tenantId: stored.tenantId, role: stored.role, subject: `token:${stored.name}` };
    this.cache.set(token, { identity, expiresAt: stored.expiresAt?.getTime() ?? null }, now);
    return identity;
  }

  /** The identity of a request's `Authorization: Bearer` header, or an `UNAUTHENTICATED` error. */
  async fromRequest(req: IncomingMessage): Promise<Identity> {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const identity = match ? await this.verify(match[1]!) : null;
    if (!identity) throw new NexomaticError('UNAUTHENTICATED', 'a valid API token is required (Authorization: Bearer <token>)');
    return identity;
  }
}
