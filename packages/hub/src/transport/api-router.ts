import { ControlSignal, DefinitionKind, Definitions, EventQuery, FireInput, traceContextFromHeaders } from '@nexomatic/core';
import { z } from 'zod';
import { adminProcedure, router, viewerProcedure } from './trpc.js';

const EventId = z.object({ id: z.string().min(1).max(100) });
const clientSource = { type: 'client' as const };
/** Where a client's fire comes from: its tenant, and the request's `traceparent` for inputs without a `traceContext`. */
const clientFire = (ctx: { caller: { tenantId: string }; req: { headers: Record<string, string | string[] | undefined> } }) => ({
  tenantId: ctx.caller.tenantId,
  source: clientSource,
  traceContext: traceContextFromHeaders(ctx.req.headers),
});

/** Events: fire, read, list, wait. Every call is scoped to the caller's tenant. */
export const eventsRouter = router({
  /** Fires one event; the same `idempotencyKey` returns the existing event. */
  fire: adminProcedure.input(FireInput).mutation(async ({ ctx, input }) => {
    const [event] = await ctx.services.engine.fire([input], clientFire(ctx));
    return event!;
  }),
  /** Fires many events in one group commit; any invalid input rejects the whole batch. */
  fireBatch: adminProcedure
    .input(z.object({ events: z.array(FireInput).min(1).max(10_000) }))
    .mutation(({ ctx, input }) => ctx.services.engine.fire(input.events, clientFire(ctx))),
  get: viewerProcedure.input(EventId).query(({ ctx, input }) => ctx.services.engine.get(ctx.caller.tenantId, input.id)),
  list: viewerProcedure
    .input(EventQuery.default({ limit: 50 }))
    .query(({ ctx, input }) => ctx.services.store.events.list(ctx.caller.tenantId, input)),
  /** Waits up to `timeoutMs` (at most 30 s) for the event to finish, then returns it as it is. */
  wait: viewerProcedure
    .input(EventId.extend({ timeoutMs: z.number().int().min(0).max(30_000).default(25_000) }))
    .query(({ ctx, input }) => ctx.services.engine.wait(ctx.caller.tenantId, input.id, input.timeoutMs)),
  /** Cancels a `QUEUED` event (it ends `ERROR` with code `CANCELLED`). */
  cancel: adminProcedure.input(EventId).mutation(({ ctx, input }) => ctx.services.engine.cancel(ctx.caller.tenantId, input.id)),
  /** Re-runs a finished event as a new event linked by `rerunOf`. */
  rerun: adminProcedure.input(EventId).mutation(({ ctx, input }) => ctx.services.engine.rerun(ctx.caller.tenantId, input.id)),
  counts: viewerProcedure.query(({ ctx }) => ctx.services.store.events.countByState(ctx.caller.tenantId)),
  /** The logs of an event, in `(attempt, seq)` order, live and archived alike: the first page of `logs.query` for the event. */
  logs: viewerProcedure
    .input(EventId.extend({ attempt: z.number().int().min(1).optional(), limit: z.number().int().min(1).max(10_000).default(1000) }))
    .query(async ({ ctx, input }) => {
      await ctx.services.engine.get(ctx.caller.tenantId, input.id);
      const page = await ctx.services.logs.query(ctx.caller.tenantId, {
        eventId: input.id,
        ...(input.attempt !== undefined ? { attempt: input.attempt } : {}),
        limit: input.limit,
      });
      return page.items;
    }),
});

/** Definitions with the apply options: `prune` also removes stored definitions the input leaves out. */
const DefinitionsWithOptions = Definitions.extend({ prune: z.boolean().default(false) });

/** Definitions: Event Types, Actions, Sink Types, Sources, Schedules. */
export const definitionsRouter = router({
  /**
   * Upserts definitions idempotently (`hub.apply` over the wire; `apply` is a reserved name in tRPC);
   * with `prune`, also removes the stored ones the input leaves out. A malformed one is refused with
   * an error naming the field.
   */
  upsert: adminProcedure.input(DefinitionsWithOptions).mutation(({ ctx, input }) => {
    const { prune, ...definitions } = input;
    return ctx.services.definitions.apply(ctx.caller.tenantId, definitions, ctx.caller.subject, { prune });
  }),
  /** What `upsert` with the same input would change, per kind and field; changes nothing (a Viewer may ask). */
  diff: viewerProcedure.input(DefinitionsWithOptions).query(({ ctx, input }) => {
    const { prune, ...definitions } = input;
    return ctx.services.definitions.diff(ctx.caller.tenantId, definitions, { prune });
  }),
  /** Every definition of a kind; a Source's URL token (a credential) is shown to an `Admin` only. */
  list: viewerProcedure
    .input(z.object({ kind: DefinitionKind }))
    .query(async ({ ctx, input }) => {
      const specs = await ctx.services.definitions.list(ctx.caller.tenantId, input.kind);
      if (input.kind !== 'source' || ctx.caller.role === 'Admin') return specs;
      return specs.map((spec) => ({ ...spec, token: undefined }));
    }),
});

/** Sinks visible to the caller's tenant, with their status. */
export const sinksRouter = router({
  /** Each sink's status, last-seen time, version, runtimes and `running` tasks. */
  list: viewerProcedure.query(({ ctx }) => ctx.services.sinks.list(ctx.caller.tenantId)),
  /**
   * Sends `RESET`, `KILL` or `FORCE_KILL` to a connected sink (Admin; audited). A sink the tenant
   * cannot see is `NOT_FOUND`; one not connected to this hub is `CONFLICT`.
   */
  control: adminProcedure
    .input(z.object({ sinkId: z.uuid(), signal: ControlSignal }))
    .mutation(async ({ ctx, input }) => {
      await ctx.services.sinks.send(ctx.caller, input.sinkId, input.signal);
      return { sent: true as const };
    }),
  /** Sink Types whose events wait with no sink online. */
  starving: viewerProcedure.query(({ ctx }) => ctx.services.engine.starving(ctx.caller.tenantId)),
});
