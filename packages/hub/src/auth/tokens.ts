import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NexomaticError, type Identity, type Role, type TokenMetadata } from '@nexomatic/core';
import type { Actor, AuditLog } from '../engine/audit.js';
import type { HubStore, StoredToken } from '../store/port.js';
import { hashSecret, newSecret, verifySecret } from './hash.js';
import { VerifiedCache } from './verified-cache.js';

const PREFIX = 'nxm_';

/** A newly created API token: the token, shown this once, and its id. */
export interface CreatedToken {
  id: string;
  /** The bearer token. Only its hash is stored: it cannot be shown again. */
  token: string;
}

/** What {@link ApiTokens.create} takes. */
export interface NewToken {
  tenantId: string;
  role: Role;
  name: string;
  expiresAt?: Date | null;
  /** The user the token acts for; the token's role cannot exceed the user's. */
  userId?: string | null;
}

/** The lesser of two roles. */
const weaker = (a: Role, b: Role): Role => (a === 'Admin' ? b : a);

/** What an API may show of a stored token: never the hash. */
export function tokenMetadata(token: StoredToken): TokenMetadata {
  return {
    id: token.id,
    tenantId: token.tenantId,
    name: token.name,
    role: token.role,
    userId: token.userId ?? null,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
  };
}

/**
 * API tokens: `nxm_<id>_<secret>`, stored as a scrypt hash of the secret, with a role per tenant,
 * an optional expiry, revocation, and optionally the user they act for (whose current role caps
 * theirs; a deleted user's tokens stop working). Creation and revocation are audited when an
 * {@link AuditLog} is given.
 */
export class ApiTokens {
  private readonly cache = new VerifiedCache<{ identity: Identity; expiresAt: number | null }>();

  constructor(
    private readonly store: HubStore,
    private readonly audit?: AuditLog,
  ) {}

  /**
   * Creates a token in `input.tenantId`; the returned value is the only time it is visible. The
   * user, when given, must be of the same tenant and hold at least the token's role.
   */
  async create(input: NewToken, subject = 'hub'): Promise<CreatedToken> {
    if (input.userId) {
      const user = await this.store.identities.getUser(input.tenantId, input.userId);
      if (!user) throw new NexomaticError('NOT_FOUND', `no user "${input.userId}"`);
      if (weaker(user.role, input.role) !== input.role) {
        throw new NexomaticError('FORBIDDEN', `a token of user "${user.name}" cannot have a role above the user's (${user.role})`);
      }
    }
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
      userId: input.userId ?? null,
    });
    await this.audit?.record({ tenantId: input.tenantId, subject }, 'create', 'token', input.name, {
      id,
      role: input.role,
      userId: input.userId ?? null,
      expiresAt: input.expiresAt?.toISOString() ?? null,
    });
    return { id, token: `${PREFIX}${id}_${secret}` };
  }

  /** A tenant's tokens, revoked and expired ones included; never a hash. */
  async list(tenantId: string): Promise<TokenMetadata[]> {
    return (await this.store.identities.listTokens(tenantId)).map(tokenMetadata);
  }

  /**
   * Revokes a token of the actor's tenant at once (idempotent) and returns it; a token of another
   * tenant is `NOT_FOUND`.
   */
  async revoke(actor: Actor, id: string): Promise<TokenMetadata> {
    const token = await this.store.identities.getToken(id);
    if (!token || token.tenantId !== actor.tenantId) throw new NexomaticError('NOT_FOUND', `no token "${id}"`);
    const revoked = await this.store.identities.revokeToken(id, new Date());
    this.cache.clear();
    if (revoked) await this.audit?.record(actor, 'revoke', 'token', token.name, { id });
    return tokenMetadata((await this.store.identities.getToken(id)) ?? token);
  }

  /** Forgets verified tokens, e.g. after a user changed. */
  forget(): void {
    this.cache.clear();
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
    let identity: Identity = { tenantId: stored.tenantId, role: stored.role, subject: `token:${stored.name}` };
    if (stored.userId) {
      const user = await this.store.identities.getUser(stored.tenantId, stored.userId);
      if (!user) return null;
      identity = { tenantId: stored.tenantId, role: weaker(stored.role, user.role), subject: `user:${user.name}` };
    }
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
