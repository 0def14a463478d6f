import { z } from 'zod';
import { NexomaticError, Role } from '@nexomatic/core';
import { tokenMetadata } from '../auth/tokens.js';
import { adminProcedure, router } from './trpc.js';

const TokenInput = z.object({
  name: z.string().min(1).max(200),
  role: Role,
  /** ISO date-time after which the token is refused; never when absent. */
  expiresAt: z.iso
    .datetime({ offset: true })
    .refine((value) => Date.parse(value) > Date.now(), 'must be in the future')
    .optional(),
  /** The user (of the caller's tenant) the token acts for; its role cannot exceed the user's. */
  userId: z.uuid().optional(),
});

/**
 * API tokens of the caller's tenant, for Admins only. A token's value is returned once, by
 * `create`; `list` and `revoke` return {@link TokenMetadata}, never a value or hash.
 */
export const tokensRouter = router({
  /** Creates a token with either role in the caller's tenant; the value is in this answer only. */
  create: adminProcedure.input(TokenInput).mutation(async ({ ctx, input }) => {
    const { tokens, store } = ctx.services;
    const created = await tokens.create(
      {
        tenantId: ctx.caller.tenantId,
        name: input.name,
        role: input.role,
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
        userId: input.userId ?? null,
      },
      ctx.caller.subject,
    );
    const stored = await store.identities.getToken(created.id);
    if (!stored) throw new NexomaticError('INTERNAL', 'the token was not stored');
    return { token: created.token, metadata: tokenMetadata(stored) };
  }),
  /** Every token of the tenant, revoked and expired ones included. */
  list: adminProcedure.query(({ ctx }) => ctx.services.tokens.list(ctx.caller.tenantId)),
  /** Revokes a token at once (idempotent); another tenant's token is `NOT_FOUND`. */
  revoke: adminProcedure
    .input(z.object({ id: z.string().min(1).max(100) }))
    .mutation(({ ctx, input }) => ctx.services.tokens.revoke(ctx.caller, input.id)),
});
