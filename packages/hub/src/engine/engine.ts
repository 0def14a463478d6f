import {
  FireInput,
  NexomaticError,
  isTerminal,
  parse,
  type EventRecord,
  type EventSource,
  type Report,
  type ResultReport,
  type LogRecord,
} from '@nexomatic/core';
import type { SinkPrincipal } from '../auth/sink-credentials.js';
import type { NewEvent } from '../store/port.js';
import { Completer } from './completer.js';
import type { EngineContext } from './context.js';
import { Dispatcher } from './dispatcher.js';
import { newEvent, queuedRecord } from './new-event.js';
import type { SinkSession } from './session.js';

/** Where a fire comes from, when the input does not say. */
export interface FireContext {
  tenantId: string;
  source: EventSource;
}

/**
 * The hub's engine: accepts events, dispatches them, records outcomes and chains follow-ons.
 * Transports (tRPC, sources) call it; it calls only the store.
 */
export class Engine {
  readonly dispatcher: Dispatcher;
  readonly completer: Completer;
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;
  private lastStarvationCheck = 0;

  constructor(private readonly ctx: EngineContext) {
    this.completer = new Completer(ctx);
    this.dispatcher = new Dispatcher(ctx, this.completer);
    this.completer.onSettled = (sinkId, key) => this.dispatcher.release(sinkId, key);
    this.completer.onFollowOns = () => this.dispatcher.wake();
  }

  /** Starts the slow poll: events from other hubs, expired leases, starving Sink Types. */
  start(): void {
    this.timer = setInterval(() => void this.tick(), this.ctx.options.pollIntervalMs);
    this.timer.unref();
  }

  /**
   * Fires events: validates each input, resolves its Event Type and Action, stores them all in one
   * group commit and wakes the dispatcher. Returns the events in input order; an input whose
   * idempotency key was seen before returns the existing event. Any invalid input rejects the whole
   * batch before anything is stored.
   */
  async fire(inputs: readonly unknown[], context: FireContext): Promise<EventRecord[]> {
    const now = new Date();
    const seeds: NewEvent[] = [];
    for (const [i, raw] of inputs.entries()) {
      const input = parse(FireInput, raw, inputs.length === 1 ? 'event' : `events[${i}]`);
      const { eventType, action } = await this.ctx.definitions.runnable(context.tenantId, input.eventType);
      const source = input.source ?? context.source;
      if (!eventType.sourceTypes.includes(source.type)) {
        throw new NexomaticError('FORBIDDEN', `Event Type "${eventType.name}" may not be fired by source type "${source.type}"`);
      }
      seeds.push(
        newEvent({
          tenantId: context.tenantId,
          eventType,
          action,
          payload: input.payload,
          source,
          priority: input.priority,
          pinnedSinkId: input.pinnedSinkId,
          idempotencyKey: input.idempotencyKey,
          now,
        }),
      );
    }
    const inserted = await this.ctx.store.events.insert(seeds);
    if (inserted.some((r) => r.created)) this.dispatcher.wake();
    return Promise.all(
      inserted.map(async (result, i) => {
        if (result.created) return queuedRecord(seeds[i]!);
        const existing = await this.ctx.store.events.get(result.id, context.tenantId);
        if (!existing) throw new NexomaticError('INTERNAL', `event ${result.id} vanished`);
        return existing;
      }),
    );
  }

  /** One event of a tenant, or a `NOT_FOUND` error. */
  async get(tenantId: string, id: string): Promise<EventRecord> {
    const event = await this.ctx.store.events.get(id, tenantId);
    if (!event) throw new NexomaticError('NOT_FOUND', `no event ${id}`);
    return event;
  }

  /**
   * Waits until an event is finished or `timeoutMs` passes, then returns it as it is. Finishes in
   * this process wake the waiter at once; the poll interval catches finishes on other hubs.
   */
  async wait(tenantId: string, id: string, timeoutMs: number): Promise<EventRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = await this.get(tenantId, id);
      const left = deadline - Date.now();
      if (isTerminal(event.state) || left <= 0) return event;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, this.ctx.options.pollIntervalMs));
        const off = this.ctx.notifier.onFinished(id, done);
        function done() {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
    }
  }

  /** A sink (re)subscribed: see {@link Dispatcher.connect}. */
  connect(principal: SinkPrincipal, registration: Parameters<Dispatcher['connect']>[1]): Promise<SinkSession> {
    return this.dispatcher.connect(principal, registration);
  }

  /** A sink's subscription ended. */
  disconnect(session: SinkSession): Promise<void> {
    return this.dispatcher.disconnect(session);
  }

  /** Takes one batch of reports from a sink: logs are stored, results finish their attempts. */
  async report(sinkId: string, reports: readonly Report[]): Promise<void> {
    const logs = reports.filter((r): r is Extract<Report, { kind: 'log' }> => r.kind === 'log').map((r) => r.record);
    const results = reports.filter((r): r is ResultReport => r.kind === 'result');
    if (logs.length > 0) await this.storeLogs(sinkId, logs);
    if (results.length > 0) await this.completer.results(sinkId, results);
  }

  private async storeLogs(sinkId: string, records: LogRecord[]): Promise<void> {
    const session = this.dispatcher.session(sinkId);
    const byTenant = new Map<string, LogRecord[]>();
    for (const record of records) {
      let tenantId = session?.held.get(`${record.eventId}:${record.attempt}`)?.tenantId;
      if (!tenantId) {
        const event = await this.ctx.store.events.get(record.eventId, null);
        if (!event || event.sinkId !== sinkId) continue;
        tenantId = event.tenantId;
      }
      byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), record]);
    }
    for (const [tenantId, list] of byTenant) await this.ctx.store.logs.append(tenantId, list);
  }

  /** A sink's heartbeat: extends the leases of all its tasks. */
  async heartbeat(sinkId: string): Promise<void> {
    const now = new Date();
    await this.ctx.store.events.extendLeases(sinkId, new Date(now.getTime() + this.ctx.options.leaseMs));
    await this.ctx.store.sinks.touch(sinkId, now);
  }

  private async tick(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = new Date();
      await this.completer.expireLeases(now);
      this.dispatcher.wake();
      if (now.getTime() - this.lastStarvationCheck >= this.ctx.options.starvationWarningMs / 2) {
        this.lastStarvationCheck = now.getTime();
        await this.warnStarving(now);
      }
    } catch (error) {
      this.ctx.logger.error('engine tick failed', { error: String(error) });
    } finally {
      this.sweeping = false;
    }
  }

  /** Sink Types whose events wait longer than the threshold with no sink online here. */
  async starving(now = new Date()): Promise<Array<{ sinkType: string; count: number }>> {
    const waiting = await this.ctx.store.events.queuedSinkTypes(new Date(now.getTime() - this.ctx.options.starvationWarningMs));
    const online = new Set(this.dispatcher.connected().map((s) => s.principal.sinkType));
    return waiting.filter((w) => !online.has(w.sinkType));
  }

  private async warnStarving(now: Date): Promise<void> {
    for (const { sinkType, count } of await this.starving(now)) {
      this.ctx.logger.warn('events are waiting for a Sink Type with no online sink', { sinkType, count });
    }
  }

  /** Stops the poll, ends every sink session and waits for the dispatch pass under way. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.dispatcher.close();
    await this.dispatcher.settled();
  }
}
