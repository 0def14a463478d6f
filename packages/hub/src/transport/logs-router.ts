import { tracked } from '@trpc/server';
import { z } from 'zod';
import { LogQueryInput, toLogQuery } from '../logs/query.js';
import { router, viewerProcedure } from './trpc.js';

/** Where a live tail starts: after `(attempt, seq)`; a reconnecting client's `lastEventId` wins. */
const TailInput = z.object({
  eventId: z.string().min(1).max(100),
  /** Only this attempt's records. */
  attempt: z.number().int().min(1).optional(),
  /** Start after this record (e.g. the last one a query returned); from the first when absent. */
  after: z.object({ attempt: z.number().int().min(1), seq: z.number().int().min(0) }).optional(),
  /** Set by tRPC clients when they resubscribe: the id (`<attempt>:<seq>`) of the last record received. */
  lastEventId: z
    .string()
    .regex(/^\d+:\d+$/, 'must be "<attempt>:<seq>"')
    .nullish(),
});

/** The position a tracked id stands for. */
function positionOf(id: string): { attempt: number; seq: number } {
  const [attempt, seq] = id.split(':').map(Number);
  return { attempt: attempt!, seq: seq! };
}

/** Task logs: queries over live and archived records, and a live tail. Every call is scoped to the caller's tenant. */
export const logsRouter = router({
  /**
   * A page of the tenant's log records: by event (and attempt) in `(attempt, seq)` order, or across
   * events in time order; filtered by lowest level, time range and text; live and archived alike.
   * Pass `nextCursor` as `cursor` for the next page.
   */
  query: viewerProcedure.input(LogQueryInput).query(async ({ ctx, input }) => {
    if (input.eventId !== undefined) await ctx.services.engine.get(ctx.caller.tenantId, input.eventId);
    return ctx.services.logs.query(ctx.caller.tenantId, toLogQuery(input));
  }),

  /**
   * Follows an event's records: those stored (after `after`), then each new one as it arrives, in
   * `(attempt, seq)` order, until the client unsubscribes. Served over the hub's WebSocket (with an
   * API token on the upgrade) and over HTTP as server-sent events; each record's id is
   * `<attempt>:<seq>`, so a reconnecting client resumes where it stopped.
   */
  tail: viewerProcedure.input(TailInput).subscription(async function* ({ ctx, input, signal }) {
    await ctx.services.engine.get(ctx.caller.tenantId, input.eventId);
    const after = input.lastEventId ? positionOf(input.lastEventId) : input.after;
    const stop = signal ?? new AbortController().signal;
    const records = ctx.services.logs.tail(
      ctx.caller.tenantId,
      { eventId: input.eventId, ...(input.attempt !== undefined ? { attempt: input.attempt } : {}), ...(after ? { after } : {}) },
      stop,
    );
    for await (const record of records) yield tracked(`${record.attempt}:${record.seq}`, record);
  }),
});
