import { isNexomaticError, type ControlSignal, type EventRecord, type SinkRegistration, type SinkStatus, type TaskRequest } from '@nexomatic/core';
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
import { handBackStaged, STAGE_MAX_MS } from './stage.js';
import { taskRequest } from './task-request.js';

/**
 * Hands queued events to connected sinks. Event-driven: {@link Dispatcher.wake} runs a pass at
 * once (an insert, a finished task, a new sink all wake it); a slow poll in the engine catches
 * events queued by other hub instances. Each pass claims, per sink and up to its free credits,
 * the best events the store has for it, so no sink ever holds more than its concurrency and the
 * queue is never loaded into memory.
 *
 * A pass then **stages** tasks for busy sinks: once every sink of the pass had its free credits
 * filled, a sink with none left that finishes tasks quickly gets a few more claimed for it (as
 * many as it finished in the last `STAGE_WINDOW_MS` or so, up to its concurrency), kept on
 * the hub and sent the moment a credit frees. The sink's next task then leaves as its result
 * arrives, not after a claim, and the sink never waits for the hub between tasks. Staged tasks
 * go back to the queue, their attempt undone, when the sink leaves or drains, when the hub
 * closes, or after {@link STAGE_MAX_MS}.
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
    await this.unstage(session);
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

  /** Hands a sink's staged tasks (staged before `before`) back to the queue, and runs a pass. */
  private async unstage(session: SinkSession, before = Infinity): Promise<void> {
    if ((await handBackStaged(this.ctx, session, before)) > 0) this.wake();
  }

  /** Hands back every task staged longer than {@link STAGE_MAX_MS}; the engine's poll calls it. */
  async unstageStale(now = Date.now()): Promise<void> {
    for (const session of this.sessions.values()) {
      if (session.stagedCount > 0) await this.unstage(session, now - STAGE_MAX_MS);
    }
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
    void this.unstage(session);
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
    if (session?.draining) await this.unstage(session);
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
            const claimedAny = await this.fill(session, pass, session.credits);
            if (claimedAny && session.credits > 0) this.again = true;
          } catch (error) {
            this.ctx.logger.error('dispatch pass failed', { sinkId: session.sinkId, error: String(error) });
          }
        }
      }
      await this.stageForBusySinks(pass);
      this.wakeForRates(pass);
    } while (this.again);
  }

  /**
   * Stages tasks for the sinks this pass left with no free credit (see the class comment), after
   * every sink with credits had its turn, so staging never takes an event a free sink could run now.
   */
  private async stageForBusySinks(pass: DispatchPass): Promise<void> {
    if (!this.ctx.options.stageTasks) return;
    const now = Date.now();
    for (const session of this.sessions.values()) {
      const room = session.stageRoom(now);
      if (room <= 0 || !pass.mayHaveWork(session.principal.sinkType, session.principal.tenantId)) continue;
      try {
        await this.fill(session, pass, room);
      } catch (error) {
        this.ctx.logger.error('staging tasks failed', { sinkId: session.sinkId, error: String(error) });
      }
    }
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

  /**
   * Claims up to `credits` events for one sink, as the planner shares them out: its free credits
   * (the tasks are sent), or its room to stage (they are staged: see {@link deliver}).
   */
  private async fill(session: SinkSession, pass: DispatchPass, credits: number): Promise<boolean> {
    const { sinkType, tenantId } = session.principal;
    const groups = await pass.groups(sinkType, tenantId);
    if (groups.length === 0) return false;
    const eventType = await pass.eventTypes(groups);
    const planInput = {
      groups,
      credits,
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
        await this.deliver(session, claimed, true);
      }
    }
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
        task = await taskRequest(this.ctx.definitions, event);
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
    // Past the sink's credits (a re-send after a reconnect, a staging fill) tasks are staged.
    const now = new Date();
    for (const [task, event] of ready) {
      if (session.stage(task, event, now.getTime()) && fresh) this.sent(session, event, now);
    }
  }

  /**
   * Counts a freshly claimed task sent to a sink (now, or later from the stage): its dispatch
   * latency, and whether it took the sink's last free credit.
   */
  private sent(session: SinkSession, event: EventRecord, at: Date): void {
    this.ctx.metrics?.dispatched(event, readyAt(event), at);
    if (session.credits <= 0) this.ctx.metrics?.creditsExhausted(session.principal.sinkType);
  }

  /** The event of a task `sinkId` holds on this hub, as claimed (see {@link SinkSession.claimed}). */
  claimed(sinkId: string, key: string): EventRecord | undefined {
    return this.sessions.get(sinkId)?.claimed(key);
  }

  /**
   * Frees the credit a task held on whichever session holds it; a task staged for the sink takes
   * it at once, and counts as dispatched then.
   */
  release(sinkId: string | null, key: string): void {
    const session = sinkId ? this.sessions.get(sinkId) : undefined;
    if (!session?.release(key)) return;
    const staged = session.sendStaged();
    if (staged) this.sent(session, staged.record, new Date());
    this.wake();
  }

  /**
   * Ends every session (hub shutdown), waits for the pass under way, and hands the tasks staged for
   * the sinks back to the queue.
   */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.ready.clear();
    const sessions = [...this.sessions.values()];
    for (const session of sessions) session.end();
    this.sessions.clear();
    await this.settled();
    // Straight to the store: no pass runs on a closed dispatcher.
    for (const session of sessions) await handBackStaged(this.ctx, session);
  }
}

/** The status a sink takes on for each control signal. */
export const CONTROL_STATUS: Readonly<Record<ControlSignal, SinkStatus>> = {
  RESET: 'RESETTING',
  KILL: 'KILLING',
  FORCE_KILL: 'FORCE_KILLING',
};

export { taskKey };
