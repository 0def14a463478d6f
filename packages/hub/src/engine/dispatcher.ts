import {
  mergeParameters,
  resolveParameters,
  isNexomaticError,
  type EventRecord,
  type SinkRegistration,
  type TaskRequest,
} from '@nexomatic/core';
import type { SinkPrincipal } from '../auth/sink-credentials.js';
import type { EngineContext } from './context.js';
import type { Completer } from './completer.js';
import { SinkSession, taskKey } from './session.js';

/**
 * Hands queued events to connected sinks. Event-driven: {@link Dispatcher.wake} runs a pass at
 * once (an insert, a finished task, a new sink all wake it); a slow poll in the engine catches
 * events queued by other hub instances. Each pass claims, per sink and up to its free credits,
 * the best events the store has for it, so no sink ever holds more than its concurrency and the
 * queue is never loaded into memory.
 */
export class Dispatcher {
  private readonly sessions = new Map<string, SinkSession>();
  private running = false;
  private again = false;
  private turn = 0;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: EngineContext,
    private readonly completer: Completer,
  ) {}

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
    const held = await this.ctx.store.events.held(registration.sinkId);
    this.sessions.get(registration.sinkId)?.end();
    this.sessions.set(registration.sinkId, session);
    await this.deliver(session, held);
    this.ctx.logger.info('sink online', { sinkId: session.sinkId, name: registration.name, sinkType: principal.sinkType, resent: held.length });
    this.wake();
    return session;
  }

  /** Forgets a disconnected sink; its tasks keep their leases and are re-sent if it returns. */
  async disconnect(session: SinkSession): Promise<void> {
    session.end();
    if (this.sessions.get(session.sinkId) !== session) return;
    this.sessions.delete(session.sinkId);
    await this.ctx.store.sinks.setStatus(session.sinkId, 'OFFLINE', new Date());
    this.ctx.logger.info('sink offline', { sinkId: session.sinkId, holding: session.held.size });
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
      const sessions = this.connected();
      const start = sessions.length === 0 ? 0 : this.turn++ % sessions.length;
      for (let i = 0; i < sessions.length; i++) {
        const session = sessions[(start + i) % sessions.length]!;
        const limit = session.credits;
        if (limit <= 0) continue;
        try {
          const now = new Date();
          const claimed = await this.ctx.store.events.claim({
            sinkId: session.sinkId,
            sinkType: session.principal.sinkType,
            tenantId: session.principal.tenantId,
            modules: session.registration.modules,
            limit,
            now,
            leaseExpiresAt: new Date(now.getTime() + this.ctx.options.leaseMs),
          });
          if (claimed.length > 0) await this.deliver(session, claimed);
          if (claimed.length === limit) this.again = true;
        } catch (error) {
          this.ctx.logger.error('dispatch pass failed', { sinkId: session.sinkId, error: String(error) });
        }
      }
    } while (this.again);
  }

  /** Turns claimed events into Task Requests; an event whose parameters cannot resolve ends `ERROR`. */
  private async deliver(session: SinkSession, events: EventRecord[]): Promise<void> {
    for (const event of events) {
      let task: TaskRequest;
      try {
        task = await this.taskRequest(event);
      } catch (error) {
        const failure = isNexomaticError(error) ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: String(error) };
        await this.completer.finish(event, { outcome: 'ERROR', result: null, error: failure, warnings: [] });
        continue;
      }
      session.sendTask(task);
    }
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
    };
  }

  /** Frees the credit a task held on whichever session holds it. */
  release(sinkId: string | null, key: string): void {
    if (sinkId && this.sessions.get(sinkId)?.release(key)) this.wake();
  }

  /** Ends every session (hub shutdown). */
  close(): void {
    for (const session of this.sessions.values()) session.end();
    this.sessions.clear();
  }
}

export { taskKey };
