import {
  mergeParameters,
  resolveParameters,
  isNexomaticError,
  type ControlSignal,
  type EventRecord,
  type SinkRegistration,
  type SinkStatus,
  type TaskRequest,
} from '@nexomatic/core';
import type { SinkPrincipal } from '../auth/sink-credentials.js';
import type { EngineContext } from './context.js';
import type { Completer } from './completer.js';
import { SinkSession, taskKey } from './session.js';
import { DispatchPass } from './dispatch-pass.js';
import { ReadySinks } from './ready-sinks.js';
import { EnforcingTenants } from './enforcing-tenants.js';
import { nextRateWindow, plan, rateLimited, refund } from './planner.js';
import { endSpan, readyAt, startDispatchSpan, traceContextOf } from './tracing.js';
import { RateLimiter } from './rate-limiter.js';

/**
 * Hands queued events to connected sinks. Event-driven: {@link Dispatcher.wake} runs a pass at
 * once (an insert, a finished task, a new sink all wake it); a slow poll in the engine catches
 * events queued by other hub instances. Each pass claims, per sink and up to its free credits,
 * the best events the store has for it, so no sink ever holds more than its concurrency and the
 * queue is never loaded into memory.
 */
export class Dispatcher {
  private readonly sessions = new Map<string, SinkSession>();
  /** The sessions with free credits, per Sink Type: what a pass visits. */
  private readonly ready = new ReadySinks();
  private running = false;
  private again = false;
  private turn = 0;
  private idle: Promise<void> = Promise.resolve();
  private readonly limiter = new RateLimiter();
  private timer: NodeJS.Timeout | null = null;
  private timerAt: number | null = null;
  private readonly enforcing: EnforcingTenants;

  constructor(
    private readonly ctx: EngineContext,
    private readonly completer: Completer,
  ) {
    this.enforcing = new EnforcingTenants(ctx.store);
  }

  /** A tenant was created or changed (e.g. its node-auth enforcement): re-read them and run a pass. */
  tenantsChanged(): void {
    this.enforcing.invalidate();
    this.wake();
  }

  /** The connected sinks. */
  connected(): SinkSession[] {
    return [...this.sessions.values()];
  }

  session(sinkId: string): SinkSession | undefined {
    return this.sessions.get(sinkId);
  }

  /**
   * Registers a (re)connected sink: replaces an older session of the same sink, records it
   * `ONLINE`, and re-sends every task it still holds.
   */
  async connect(principal: SinkPrincipal, registration: Required<SinkRegistration>): Promise<SinkSession> {
    const session = new SinkSession(principal, registration);
    const now = new Date();
    await this.ctx.store.sinks.upsert({
      id: registration.sinkId,
      name: registration.name,
      sinkType: principal.sinkType,
      tenantId: principal.tenantId,
      status: 'ONLINE',
      version: registration.version,
      runtimes: registration.runtimes,
      modules: registration.modules,
      concurrency: registration.concurrency,
      connectedAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
    });
    // End the old session first, and let a dispatch pass under way for it finish, so that no claim
    // for this sink can land after the held tasks are read (it would never be sent).
    const old = this.sessions.get(registration.sinkId);
    if (old) {
      old.end();
      this.sessions.delete(registration.sinkId);
      this.ready.untrack(old);
    }
    await this.settled();
    const held = await this.ctx.store.events.held(registration.sinkId);
    // Count the re-sent tasks against the credits before any pass can see the session.
    await this.deliver(session, held);
    this.sessions.set(registration.sinkId, session);
    this.ready.track(session);
    this.ctx.logger.info('sink online', { sinkId: session.sinkId, name: registration.name, sinkType: principal.sinkType, resent: held.length });
    this.wake();
    return session;
  }

  /**
   * Forgets a disconnected sink; its tasks keep their leases and are re-sent if it returns. A sink
   * that was shutting down (`KILLING`, `FORCE_KILLING`) will not return: the tasks it still holds
   * (sent while it drained, or whose result never arrived) go back to the queue at once.
   */
  async disconnect(session: SinkSession): Promise<void> {
    session.end();
    if (this.sessions.get(session.sinkId) !== session) return;
    this.sessions.delete(session.sinkId);
    this.ready.untrack(session);
    await this.ctx.store.sinks.setStatus(session.sinkId, 'OFFLINE', new Date());
    this.ctx.logger.info('sink offline', { sinkId: session.sinkId, holding: session.held.size });
    if (session.status === 'KILLING' || session.status === 'FORCE_KILLING') await this.requeue(session);
  }

  /** Returns the attempts a departed sink still holds to `QUEUED` (same attempt, no retry spent). */
  private async requeue(session: SinkSession): Promise<void> {
    const held = [...session.held.values()];
    session.releaseAll();
    if (held.length === 0) return;
    const released = await this.ctx.store.events.release(held.map((t) => ({ eventId: t.eventId, attempt: t.attempt, notBefore: null })));
    this.ctx.logger.info('requeued the tasks of a sink that shut down', { sinkId: session.sinkId, count: released.filter(Boolean).length });
    this.wake();
  }

  /**
   * Sends a control signal to a sink connected to this hub and stops dispatching to it at once.
   * Returns false when the sink has no session here.
   */
  control(sinkId: string, signal: ControlSignal): boolean {
    const session = this.sessions.get(sinkId);
    if (!session) return false;
    session.status = CONTROL_STATUS[signal];
    session.send({ kind: 'control', signal });
    this.ctx.logger.info('control signal sent', { sinkId, signal });
    return true;
  }

  /**
   * Records the status a sink reported (`sink.status`). A draining status stops dispatch to its
   * session; `ONLINE` resumes it.
   */
  async reportStatus(sinkId: string, status: SinkStatus): Promise<void> {
    const session = this.sessions.get(sinkId);
    if (session) session.status = status;
    await this.ctx.store.sinks.setStatus(sinkId, status, new Date());
    this.ctx.logger.info('sink status', { sinkId, status });
    if (status === 'ONLINE') this.wake();
  }

  /** Runs a dispatch pass now, or right after the one under way. */
  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.idle = this.run().finally(() => (this.running = false));
  }

  /** Resolves when no pass is under way. */
  settled(): Promise<void> {
    return this.idle;
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      const pass = new DispatchPass(this.ctx, await this.enforcingTenants());
      // Only sessions with free credits, per Sink Type; each list rotates its start every pass
      // (round-robin across sinks). Once the groups of a tenant pin (or of unpinned sinks) ran dry
      // in this pass its sinks are skipped, and the Sink Type is left when all of them did.
      const types = this.ready.snapshot();
      const turn = this.turn++;
      for (let t = 0; t < types.length; t++) {
        const { sinkType, sessions, pins } = types[(turn + t) % types.length]!;
        const dry = new Set<string | null>();
        const start = turn % sessions.length;
        for (let i = 0; i < sessions.length && dry.size < pins; i++) {
          const session = sessions[(start + i) % sessions.length]!;
          const tenantId = session.principal.tenantId;
          if (dry.has(tenantId) || session.credits <= 0) continue;
          if (!pass.mayHaveWork(sinkType, tenantId)) {
            dry.add(tenantId);
            continue;
          }
          try {
            const claimedAny = await this.fill(session, pass);
            if (claimedAny && session.credits > 0) this.again = true;
          } catch (error) {
            this.ctx.logger.error('dispatch pass failed', { sinkId: session.sinkId, error: String(error) });
          }
        }
      }
      this.wakeForRates(pass);
    } while (this.again);
  }

  /** The tenants unpinned sinks must not serve; none when they cannot be read (then unpinned sinks get nothing this pass). */
  private async enforcingTenants(): Promise<ReadonlySet<string> | null> {
    try {
      return await this.enforcing.get();
    } catch (error) {
      this.ctx.logger.error('reading the tenants that enforce node auth failed', { error: String(error) });
      return null;
    }
  }

  /** Claims events for one sink's free credits, as the planner shares them out. */
  private async fill(session: SinkSession, pass: DispatchPass): Promise<boolean> {
    const { sinkType, tenantId } = session.principal;
    const groups = await pass.groups(sinkType, tenantId);
    if (groups.length === 0) return false;
    const eventType = await pass.eventTypes(groups);
    const planInput = {
      groups,
      credits: session.credits,
      eventType,
      tenantRunning: await pass.tenantRunning(groups),
      tenantLimits: this.ctx.options.tenantLimits,
      limiter: this.limiter,
      turn: this.turn,
    };
    const allocations = plan(planInput);
    if (this.ctx.metrics) {
      for (const { group, limit } of rateLimited(planInput, allocations)) this.ctx.metrics.rateLimited(group.tenantId, group.eventType, limit);
    }
    let claimedAny = false;
    for (const { group, count } of allocations) {
      const now = new Date();
      const claimed = await this.ctx.store.events.claim({
        sinkId: session.sinkId,
        sinkType,
        tenantId: group.tenantId,
        eventType: group.eventType,
        modules: session.registration.modules,
        limit: count,
        now,
        leaseExpiresAt: new Date(now.getTime() + this.ctx.options.leaseMs),
      });
      refund(group, count - claimed.length, eventType(group), this.ctx.options.tenantLimits, this.limiter);
      pass.claimed(group, claimed.length);
      if (claimed.length > 0) {
        claimedAny = true;
        for (const event of claimed) this.ctx.metrics?.dispatched(event, readyAt(event), now);
        await this.deliver(session, claimed, true);
      }
    }
    if (claimedAny && session.credits <= 0) this.ctx.metrics?.creditsExhausted(sinkType);
    return claimedAny;
  }

  /** When events wait only on a rate limit, runs a pass as soon as a token is due. */
  private wakeForRates(pass: DispatchPass): void {
    const ms = nextRateWindow(pass.allGroups(), pass.knownEventType, this.ctx.options.tenantLimits, this.limiter);
    if (ms > 0) this.wakeAt(Date.now() + ms);
  }

  /** Runs a pass at `when` (the earliest of the requested times wins). */
  wakeAt(when: number): void {
    if (this.timerAt !== null && this.timerAt <= when) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = when;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = null;
      this.wake();
    }, Math.max(0, when - Date.now()));
    this.timer.unref();
  }

  /**
   * Turns claimed events into Task Requests; an event whose parameters cannot resolve ends `ERROR`.
   * A fresh claim gets a `dispatch` span, whose context the Task Request carries; a re-send carries
   * the event's own.
   */
  private async deliver(session: SinkSession, events: EventRecord[], fresh = false): Promise<void> {
    // Sent together once all are built, so the subscription sends them as one batch when it can.
    const ready: Array<[TaskRequest, EventRecord]> = [];
    for (const event of events) {
      const span = fresh ? startDispatchSpan(event, readyAt(event), session.sinkId) : null;
      let task: TaskRequest;
      try {
        task = await this.taskRequest(event);
      } catch (error) {
        if (span) endSpan(span, error);
        const failure = isNexomaticError(error) ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: String(error) };
        await this.completer.finish(event, { outcome: 'ERROR', result: null, error: { ...failure, retryable: false }, warnings: [] });
        continue;
      }
      const traceContext = (span && traceContextOf(span)) ?? event.traceContext;
      ready.push([traceContext ? { ...task, traceContext } : task, event]);
      if (span) endSpan(span);
    }
    for (const [task, event] of ready) session.sendTask(task, event);
  }

  private async taskRequest(event: EventRecord): Promise<TaskRequest> {
    const { eventType, action } = await this.ctx.definitions.runnable(event.tenantId, event.eventType);
    const parameters = resolveParameters(mergeParameters(action.parameters, eventType.parameters), event.payload);
    return {
      eventId: event.id,
      attempt: event.attempt,
      tenantId: event.tenantId,
      eventType: event.eventType,
      module: event.module,
      payload: event.payload,
      parameters,
      rootEventId: event.rootEventId,
      chainDepth: event.chainDepth,
      leaseExpiresAt: event.leaseExpiresAt ?? new Date().toISOString(),
      timeoutMs: event.timeoutMs,
    };
  }

  /** The event of a task `sinkId` holds on this hub, as claimed (see {@link SinkSession.claimed}). */
  claimed(sinkId: string, key: string): EventRecord | undefined {
    return this.sessions.get(sinkId)?.claimed(key);
  }

  /** Frees the credit a task held on whichever session holds it. */
  release(sinkId: string | null, key: string): void {
    if (sinkId && this.sessions.get(sinkId)?.release(key)) this.wake();
  }

  /** Ends every session (hub shutdown). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.ready.clear();
    for (const session of this.sessions.values()) session.end();
    this.sessions.clear();
  }
}

/** The status a sink takes on for each control signal. */
export const CONTROL_STATUS: Readonly<Record<ControlSignal, SinkStatus>> = {
  RESET: 'RESETTING',
  KILL: 'KILLING',
  FORCE_KILL: 'FORCE_KILLING',
};

export { taskKey };
