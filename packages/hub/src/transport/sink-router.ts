import { tracked } from '@trpc/server';
import { z } from 'zod';
import { Heartbeat, NexomaticError, ReportBatch, ReportedSinkStatus, SinkRegistration, type HubHello, type HubMessage } from '@nexomatic/core';
import { HUB_VERSION } from '../version.js';
import { PLATFORM_SCOPE } from '../store/port.js';
import type { HubContext } from './context.js';
import { toTRPCError } from './errors.js';
import type { SinkPrincipal } from '../auth/sink-credentials.js';
import { router, sinkProcedure } from './trpc.js';
import { SecretKey } from '../vault/secrets.js';

/** A sink's request for one secret of a task it holds. */
const ResolveSecretInput = z.object({ sinkId: z.uuid(), eventId: z.string().min(1).max(100), attempt: z.number().int().min(1), key: SecretKey });

/**
 * Checks that `sinkId` is a sink of the caller's own Sink Type and tenant pin; with `mayBeNew`, an
 * id never seen before passes too (a first registration).
 */
async function ownSink(ctx: HubContext & { sink: SinkPrincipal }, sinkId: string, mayBeNew = false): Promise<void> {
  // A sink connected to this hub passed this check when it registered: no store read per report.
  const live = ctx.services.engine.dispatcher.session(sinkId)?.principal;
  if (live && live.sinkType === ctx.sink.sinkType && live.tenantId === ctx.sink.tenantId) return;
  const record = await ctx.services.store.sinks.get(sinkId);
  if (!record && mayBeNew) return;
  if (!record || record.sinkType !== ctx.sink.sinkType || record.tenantId !== ctx.sink.tenantId) {
    throw toTRPCError(new NexomaticError('FORBIDDEN', `sink ${sinkId} is not registered with these credentials`));
  }
}

function deliveryId(message: HubMessage, n: number): string {
  if (message.kind === 'task') return `${message.task.eventId}:${message.task.attempt}`;
  if (message.kind === 'tasks') return `tasks:${message.tasks[0]!.eventId}:${message.tasks[0]!.attempt}:${message.tasks.length}`;
  return `control:${n}`;
}

/**
 * The procedures sinks call over their WebSocket. Subscribing to `tasks` registers the sink, so a
 * reconnect (which re-subscribes) re-registers it and receives the tasks it still holds.
 */
export const sinkRouter = router({
  /** Connection settings the sink should follow. */
  hello: sinkProcedure.query(async ({ ctx }): Promise<HubHello> => {
    const { heartbeatIntervalMs, leaseMs } = ctx.services.options;
    const sinkType = await ctx.services.store.definitions.get(PLATFORM_SCOPE, 'sinkType', ctx.sink.sinkType);
    return { hubVersion: HUB_VERSION, heartbeatIntervalMs, leaseMs, desiredVersion: sinkType?.sinkVersion ?? null };
  }),

  /** Registers the sink and streams its Task Requests and control signals. */
  tasks: sinkProcedure.input(SinkRegistration).subscription(async function* ({ ctx, input, signal }) {
    // A sink id registered by other credentials (another Sink Type or tenant pin) cannot be taken
    // over: re-registering would re-send that sink's held tasks to the caller.
    await ownSink(ctx, input.sinkId, true);
    const session = await ctx.services.engine.connect(ctx.sink, input);
    let n = 0;
    try {
      for await (const message of session.messages(signal)) yield tracked(deliveryId(message, ++n), message);
    } finally {
      await ctx.services.engine.disconnect(session);
    }
  }),

  /** One batch of started, log and result reports. Idempotent. */
  report: sinkProcedure.input(ReportBatch).mutation(async ({ ctx, input }) => {
    await ownSink(ctx, input.sinkId);
    await ctx.services.engine.report(input.sinkId, input.reports);
    return { accepted: input.reports.length };
  }),

  /**
   * Resolves one secret for a task the sink holds: only for its own sink id, an event `RUNNING`
   * on it with this attempt, and a key a `SECRET` parameter of that event references. Every
   * refusal is `FORBIDDEN` and audited (see `vault/resolver.ts`).
   */
  resolveSecret: sinkProcedure.input(ResolveSecretInput).mutation(async ({ ctx, input }) => ({
    value: await ctx.services.resolver.resolve(ctx.sink, input),
  })),

  /**
   * The sink says what it is doing: `RESETTING`, `KILLING` or `FORCE_KILLING` after a control signal
   * or a SIGTERM/SIGINT (the hub then sends it no new tasks), `ONLINE` when it takes tasks again.
   */
  status: sinkProcedure.input(z.object({ sinkId: z.uuid(), status: ReportedSinkStatus })).mutation(async ({ ctx, input }) => {
    await ownSink(ctx, input.sinkId);
    await ctx.services.engine.dispatcher.reportStatus(input.sinkId, input.status);
    return { ok: true as const };
  }),

  /** Extends the leases of all the sink's tasks. */
  heartbeat: sinkProcedure.input(Heartbeat).mutation(async ({ ctx, input }) => {
    await ownSink(ctx, input.sinkId);
    await ctx.services.engine.heartbeat(input.sinkId);
    return { ok: true as const };
  }),
});
