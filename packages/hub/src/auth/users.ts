import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NexomaticError, Role, parse, type User } from '@nexomatic/core';
import type { Actor, AuditLog } from '../engine/audit.js';
import type { HubStore } from '../store/port.js';
import type { ApiTokens } from './tokens.js';

/** What {@link UserService.create} takes. */
export const NewUser = z.object({
  /** An e-mail address or other name unique within the tenant. */
  name: z.string().min(1).max(200),
  role: Role,
});
/** What {@link UserService.create} takes. */
export type NewUser = z.infer<typeof NewUser>;

/** A change to a user; absent fields stay as they are. */
export const UserPatch = z.object({ name: z.string().min(1).max(200).optional(), role: Role.optional() });
/** A change to a user. */
export type UserPatch = z.infer<typeof UserPatch>;

/**
 * The users of a tenant, always the actor's own tenant. Every change is audited. A user's tokens
 * act with at most the user's current role, so demoting or deleting a user takes effect on their
 * tokens at once; deleting a user also revokes them.
 */
export class UserService {
  constructor(
    private readonly store: HubStore,
    private readonly tokens: ApiTokens,
    private readonly audit: AuditLog,
  ) {}

  /** Creates a user in the actor's tenant; a name already used there is a `CONFLICT`. */
  async create(actor: Actor, input: NewUser): Promise<User> {
    const { name, role } = parse(NewUser, input, 'user');
    const user: User = { id: randomUUID(), tenantId: actor.tenantId, name, role, createdAt: new Date().toISOString() };
    await this.store.identities.createUser(user);
    await this.audit.record(actor, 'create', 'user', name, { id: user.id, role });
    return user;
  }

  /** The users of a tenant, by name. */
  list(tenantId: string): Promise<User[]> {
    return this.store.identities.listUsers(tenantId);
  }

  /** Changes a user's name or role; another tenant's user is `NOT_FOUND`. */
  async update(actor: Actor, id: string, patch: UserPatch): Promise<User> {
    const change = parse(UserPatch, patch, 'user');
    const user = await this.get(actor.tenantId, id);
    const updated: User = { ...user, name: change.name ?? user.name, role: change.role ?? user.role };
    if (!(await this.store.identities.updateUser(updated))) throw notFound(id);
    this.tokens.forget();
    await this.audit.record(actor, 'update', 'user', updated.name, { id, ...(change.name ? { from: user.name } : {}), role: updated.role });
    return updated;
  }

  /** Deletes a user and revokes their tokens; another tenant's user is `NOT_FOUND`. */
  async delete(actor: Actor, id: string): Promise<User> {
    const user = await this.get(actor.tenantId, id);
    if (!(await this.store.identities.deleteUser(actor.tenantId, id))) throw notFound(id);
    const owned = (await this.store.identities.listTokens(actor.tenantId)).filter((t) => t.userId === id && !t.revokedAt);
    for (const token of owned) await this.tokens.revoke(actor, token.id);
    this.tokens.forget();
    await this.audit.record(actor, 'delete', 'user', user.name, { id, revokedTokens: owned.length });
    return user;
  }

  private async get(tenantId: string, id: string): Promise<User> {
    const user = await this.store.identities.getUser(tenantId, id);
    if (!user) throw notFound(id);
    return user;
  }
}

const notFound = (id: string) => new NexomaticError('NOT_FOUND', `no user "${id}"`);
