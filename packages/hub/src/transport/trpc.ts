import { initTRPC, TRPCError } from '@trpc/server';
import { NexomaticError } from '@nexomatic/core';
import type { HubContext } from './context.js';
import { errorShape, toTRPCError } from './errors.js';

const t = initTRPC.context<HubContext>().create({
  isDev: false,
  errorFormatter({ shape, error }) {
    const nexomatic = errorShape(error);
    return {
      message: nexomatic.message,
      code: shape.code,
      data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, nexomatic },
    };
  },
});

/** Builds routers. */
export const router = t.router;

/** Every procedure: NexomaticErrors thrown inside become typed tRPC errors. */
const base = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof NexomaticError) throw toTRPCError(result.error.cause);
  return result;
});

/** A call from a connected sink. */
export const sinkProcedure = base.use(({ ctx, next }) => {
  if (!ctx.sink) throw toTRPCError(new NexomaticError('UNAUTHENTICATED', 'this procedure is for sinks'));
  return next({ ctx: { ...ctx, sink: ctx.sink } });
});

/** A read by any API caller (`Viewer` or `Admin`). */
export const viewerProcedure = base.use(async ({ ctx, next }) => {
  const identity = await ctx.identity().catch((error: unknown) => {
    // A refusal is the caller's business; any other failure (a store error, a throwing
    // `authenticate`) is internal, and its message never reaches the client.
    if (error instanceof NexomaticError) throw toTRPCError(error);
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'internal error', cause: error });
  });
  return next({ ctx: { ...ctx, caller: identity } });
});

/** A change, by an `Admin` only. */
export const adminProcedure = viewerProcedure.use(({ ctx, next }) => {
  if (ctx.caller.role !== 'Admin') throw toTRPCError(new NexomaticError('FORBIDDEN', 'this needs the Admin role'));
  return next();
});
