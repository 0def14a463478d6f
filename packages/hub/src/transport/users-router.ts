import { z } from 'zod';
import { NewUser, UserPatch } from '../auth/users.js';
import { adminProcedure, router, viewerProcedure } from './trpc.js';

const UserId = z.object({ id: z.string().min(1).max(100) });

/** Users of the caller's tenant: any caller may list them, only an Admin may change them. */
export const usersRouter = router({
  /** Creates a user; a name already used in the tenant is a `CONFLICT`. */
  create: adminProcedure.input(NewUser).mutation(({ ctx, input }) => ctx.services.users.create(ctx.caller, input)),
  list: viewerProcedure.query(({ ctx }) => ctx.services.users.list(ctx.caller.tenantId)),
  /** Changes a user's name or role; their tokens act with the new role at once. */
  update: adminProcedure
    .input(UserId.extend(UserPatch.shape))
    .mutation(({ ctx, input: { id, ...patch } }) => ctx.services.users.update(ctx.caller, id, patch)),
  /** Deletes a user and revokes their tokens. */
  delete: adminProcedure.input(UserId).mutation(({ ctx, input }) => ctx.services.users.delete(ctx.caller, input.id)),
});
