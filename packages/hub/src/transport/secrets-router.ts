import { z } from 'zod';
import { SecretInput, SecretKey } from '../vault/secrets.js';
import { adminProcedure, router, viewerProcedure } from './trpc.js';

/**
 * Secrets of the caller's tenant, write-only: `put` and `delete` (Admin) and `list` (metadata
 * only). No procedure here returns a value; `put` answers with metadata, never the value.
 */
export const secretsRouter = router({
  /** Creates or replaces a secret; returns its metadata. */
  put: adminProcedure.input(SecretInput).mutation(({ ctx, input }) => ctx.services.secrets.put(ctx.caller, input)),
  /** Deletes a secret; `NOT_FOUND` when the tenant has none with this key. */
  delete: adminProcedure.input(z.object({ key: SecretKey })).mutation(async ({ ctx, input }) => {
    await ctx.services.secrets.delete(ctx.caller, input.key);
    return { deleted: true as const };
  }),
  /** The metadata of the tenant's secrets (key, key version, times), by key. */
  list: viewerProcedure.query(({ ctx }) => ctx.services.secrets.list(ctx.caller.tenantId)),
});
