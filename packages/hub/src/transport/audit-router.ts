import { AuditTarget } from '@nexomatic/core';
import { z } from 'zod';
import { adminProcedure, router } from './trpc.js';

/** An audit query over the wire: ISO times, a cursor from the previous page. */
export const AuditQueryInput = z.object({
  target: AuditTarget.optional(),
  /** Only records at or after this time. */
  from: z.iso.datetime().optional(),
  /** Only records before this time. */
  to: z.iso.datetime().optional(),
  cursor: z.string().min(1).max(200).optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

/** The audit log of the caller's tenant, newest first; Admin only. */
export const auditRouter = router({
  query: adminProcedure.input(AuditQueryInput.default({ limit: 50 })).query(({ ctx, input }) =>
    ctx.services.store.audit.query(ctx.caller.tenantId, {
      limit: input.limit,
      ...(input.target ? { target: input.target } : {}),
      ...(input.from ? { from: new Date(input.from) } : {}),
      ...(input.to ? { to: new Date(input.to) } : {}),
      ...(input.cursor ? { cursor: input.cursor } : {}),
    }),
  ),
});
