import type { Role } from '@nexomatic/core';
import { router, viewerProcedure } from './trpc.js';

/** Who the caller is, as `session.me` answers. */
export interface SessionView {
  /** The caller's tenant: its id and name. */
  tenant: { id: string; name: string };
  /** The role the hub gives the caller (a user's token acts with the weaker of the two roles). */
  role: Role;
  /** Who the caller is in audit records: `token:<name>`, `user:<name>`, or what the app's `authenticate` says. */
  subject: string;
}

/** The caller's own session: any API caller (`Viewer` or `Admin`) may ask who it is. */
export const sessionRouter = router({
  /** The caller's tenant, role and subject: what a UI needs to know after sign-in. */
  me: viewerProcedure.query(async ({ ctx }): Promise<SessionView> => {
    const tenant = await ctx.services.tenants.get(ctx.caller.tenantId);
    return { tenant: { id: tenant.id, name: tenant.name }, role: ctx.caller.role, subject: ctx.caller.subject };
  }),
});
