import { TenantPatch } from '../auth/tenants.js';
import { adminProcedure, router, viewerProcedure } from './trpc.js';

/** The caller's own tenant: read by anyone, changed by its Admins. No procedure reaches another tenant. */
export const tenantsRouter = router({
  /** The caller's tenant, with `enforceNodeAuth` and whether a `TENANT_SECRET` is set (never the secret). */
  current: viewerProcedure.query(({ ctx }) => ctx.services.tenants.view(ctx.caller.tenantId)),
  /** Changes the caller's tenant's name or node-auth enforcement. */
  update: adminProcedure.input(TenantPatch).mutation(({ ctx, input }) => ctx.services.tenants.update(ctx.caller, input)),
  /**
   * Sets a new random `TENANT_SECRET` for the caller's tenant and returns it, this once; sinks
   * pinned to the tenant must present it on their next connection.
   */
  rotateSecret: adminProcedure.mutation(async ({ ctx }) => ({
    tenantSecret: await ctx.services.tenants.setSecret(ctx.caller),
  })),
});
