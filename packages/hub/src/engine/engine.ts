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
  type TraceContext,
} from '@nexomatic/core';
import { ROOT_CONTEXT, type Span } from '@opentelemetry/api';
import type { SinkPrincipal } from '../auth/sink-credentials.js';
import type { NewEvent } from '../store/port.js';
import { Completer } from './completer.js';
import type { EngineContext } from './context.js';
import { Dispatcher } from './dispatcher.js';
import type { Runnable } from './definitions.js';
import { newEvent, queuedRecord } from './new-event.js';
import type { SinkSession } from './session.js';
import { contextOf, endSpan, startFireSpan } from './tracing.js';

/** Where a fire comes from, when the input does not say. */
export interface FireContext {
  tenantId: string;
  source: EventSource;
  /** The caller's W3C trace context (e.g. a request's `traceparent`), for inputs that carry none. */
  traceContext?: TraceContext | undefined;
}

/**
 * The hub's engine: accepts events, dispatches them, records outcomes and chains follow-ons.
 * Transports (tRPC, sources) call it; it calls only the store.
 */
export class Engine {
  readonly dispatcher: Dispatcher;
  readonly completer: Completer;
  private timer: NodeJS.Timeout | null = null;
  private unwatch: (() => void) | null = null;
  private sweeping = false;
  private lastStarvationCheck = 0;

  constructor(private readonly ctx: EngineContext) {
    this.completer = new Completer(ctx);
    this.dispatcher = new Dispatcher(ctx, this.completer);
    this.completer.onSettled = (sinkId, key) => {
      this.dispatcher.release(sinkId, key);
      ctx.secretValues?.forget(key);
    };
    this.completer.claimed = (sinkId, key) => this.dispatcher.claimed(sinkId, key);
    this.completer.onWork = (at) => (at <= Date.now() ? this.dispatcher.wake() : this.dispatcher.wakeAt(at));
  }

  /**
   * Starts the slow poll (events from other hubs, expired leases, starving Sink Types) and, where
   * the store offers `watch` (MongoDB change streams), wakes the dispatcher on its notifications.
   */
  start(): void {
    this.timer = setInterval(() => void this.tick(), this.ctx.options.pollIntervalMs);
    this.timer.unref();
    this.unwatch = this.ctx.store.watch?.(() => this.dispatcher.wake()) ?? null;
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
    const spans: Span[] = [];
    const limits = new Map<string, number | undefined>();
    const runnables = new Map<string, Runnable>();
    let inserted;
    try {
      for (const [i, raw] of inputs.entries()) {
        const input = parse(FireInput, raw, inputs.length === 1 ? 'event' : `events[${i}]`);
        const runnable = runnables.get(input.eventType) ?? (await this.ctx.definitions.runnable(context.tenantId, input.eventType));
        runnables.set(input.eventType, runnable);
        const { eventType, action } = runnable;
        const source = input.source ?? context.source;
        if (!eventType.sourceTypes.includes(source.type)) {
          throw new NexomaticError('FORBIDDEN', `Event Type "${eventType.name}" may not be fired by source type "${source.type}"`);
        }
        const seed = newEvent({
          tenantId: context.tenantId,
          eventType,
          action,
          payload: input.payload,
          source,
          priority: input.priority,
          pinnedSinkId: input.pinnedSinkId,
          idempotencyKey: input.idempotencyKey,
          idempotencyWindowMs: this.ctx.options.idempotencyWindowMs,
          maxAttempts: input.maxAttempts,
          timeoutMs: input.timeoutMs,
          notBefore: input.notBefore ? new Date(input.notBefore) : undefined,
          now,
        });
        spans.push(startFireSpan(seed, contextOf(input.traceContext ?? context.traceContext)));
        seeds.push(seed);
        limits.set(eventType.name, eventType.limits.maxQueued);
      }
      await this.checkQueueDepth(context.tenantId, seeds, limits);
      inserted = await this.ctx.store.events.insert(seeds);
    } catch (error) {
      for (const span of spans) endSpan(span, error);
      throw error;
    }
    spans.forEach((span, i) => endSpan(span.setAttribute('nexomatic.event.created', inserted[i]?.created ?? false)));
    const created = seeds.filter((_, i) => inserted[i]?.created);
    this.ctx.metrics?.eventsFired(created);
    this.wakeFor(created);
    return Promise.all(
      inserted.map(async (result, i) => {
        if (result.created) return queuedRecord(seeds[i]!);
        const existing = await this.ctx.store.events.get(result.id, context.tenantId);
        if (!existing) throw new NexomaticError('INTERNAL', `event ${result.id} vanished`);
        return existing;
      }),
    );
  }

  /**
   * Refuses a batch that would take a queue past its maximum depth (`QUEUE_FULL`), for an Event Type
   * or the tenant; nothing of the batch is accepted. Checked against the store's counters just before
   * the insert, so concurrent fires may overshoot by at most one batch.
   */
  private async checkQueueDepth(tenantId: string, seeds: readonly NewEvent[], limits: ReadonlyMap<string, number | undefined>): Promise<void> {
    const perType = new Map<string, number>();
    for (const seed of seeds) perType.set(seed.eventType, (perType.get(seed.eventType) ?? 0) + 1);
    for (const [eventType, adding] of perType) {
      const max = limits.get(eventType);
      if (max === undefined) continue;
      const { queued } = await this.ctx.store.events.depth(tenantId, eventType);
      if (queued + adding > max) {
        this.ctx.metrics?.queueFull(tenantId, eventType);
        throw new NexomaticError('QUEUE_FULL', `Event Type "${eventType}" has ${queued} queued events; its maximum is ${max}`, {
          details: { eventType, queued, maxQueued: max },
        });
      }
    }
    const tenantMax = this.ctx.options.tenantLimits.maxQueued;
    if (tenantMax !== undefined) {
      const { queued } = await this.ctx.store.events.depth(tenantId);
      if (queued + seeds.length > tenantMax) {
        this.ctx.metrics?.queueFull(tenantId, null);
        throw new NexomaticError('QUEUE_FULL', `the tenant has ${queued} queued events; its maximum is ${tenantMax}`, {
          details: { queued, maxQueued: tenantMax },
        });
      }
    }
  }

  /** Wakes the dispatcher for new events: now, or when the earliest delayed one becomes due. */
  private wakeFor(events: readonly NewEvent[]): void {
    const now = Date.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (const event of events) soonest = Math.min(soonest, event.notBefore?.getTime() ?? now);
    if (soonest <= now) this.dispatcher.wake();
    else if (Number.isFinite(soonest)) this.dispatcher.wakeAt(soonest);
  }

  /** Cancels a `QUEUED` event: it ends `ERROR` with code `CANCELLED`. Any other state is a `CONFLICT`. */
  async cancel(tenantId: string, id: string): Promise<EventRecord> {
    const outcome = await this.ctx.store.events.cancel(tenantId, id, new Date());
    if (!outcome) throw new NexomaticError('NOT_FOUND', `no event ${id}`);
    const { event, cancelled } = outcome;
    if (!cancelled) throw new NexomaticError('CONFLICT', `only a QUEUED event can be cancelled; event ${id} is ${event.state}`);
    this.ctx.metrics?.finished(event, 'ERROR');
    this.ctx.notifier.finished(event);
    return event;
  }

  /**
   * Re-runs a finished event: a new event of the same Event Type and payload, linked to the original
   * by `rerunOf` (and outside its chain). Returns the new event.
   */
  async rerun(tenantId: string, id: string): Promise<EventRecord> {
    const original = await this.get(tenantId, id);
    if (!isTerminal(original.state)) {
      throw new NexomaticError('CONFLICT', `only a finished event can be re-run; event ${id} is ${original.state}`);
    }
    const { eventType, action } = await this.ctx.definitions.runnable(tenantId, original.eventType);
    const seed = newEvent({
      tenantId,
      eventType,
      action,
      payload: original.payload,
      source: { type: 'client', id: `rerun:${original.id}` },
      priority: original.priority,
      pinnedSinkId: original.pinnedSinkId ?? undefined,
      rerunOf: original.id,
      now: new Date(),
    });
    // A re-run starts its own trace, linked to the original's.
    const span = startFireSpan(seed, ROOT_CONTEXT, original.traceContext);
    try {
      await this.ctx.store.events.insert([seed]);
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
    endSpan(span);
    this.ctx.metrics?.eventsFired([seed]);
    this.dispatcher.wake();
    return queuedRecord(seed);
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

  /**
   * Takes one batch of reports from a sink: logs are stored, results finish their attempts. Secret
   * values resolved for an attempt are masked in its reports first.
   */
  async report(sinkId: string, batch: readonly Report[]): Promise<void> {
    const values = this.ctx.secretValues;
    const reports = values ? batch.map((report) => values.mask(report)) : batch;
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
      const list = byTenant.get(tenantId);
      if (list) list.push(record);
      else byTenant.set(tenantId, [record]);
    }
    for (const [tenantId, list] of byTenant) await this.ctx.logs.append(tenantId, list);
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
      for (const event of await this.completer.expireDeadlines(now)) {
        if (event.sinkId) this.dispatcher.session(event.sinkId)?.send({ kind: 'cancel', eventId: event.id, attempt: event.attempt, reason: 'TIMEOUT' });
      }
      await this.dispatcher.unstageStale(now.getTime());
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

  /**
   * Sink Types whose events (of one tenant, or of all) wait longer than the threshold with no sink
   * online here that could serve them.
   */
  async starving(tenantId: string | null = null, now = new Date()): Promise<Array<{ sinkType: string; count: number }>> {
    const waiting = await this.ctx.store.events.queuedSinkTypes(new Date(now.getTime() - this.ctx.options.starvationWarningMs), tenantId);
    const serving = this.dispatcher.connected().filter((s) => tenantId === null || s.principal.tenantId === null || s.principal.tenantId === tenantId);
    const online = new Set(serving.map((s) => s.principal.sinkType));
    return waiting.filter((w) => !online.has(w.sinkType));
  }

  private async warnStarving(now: Date): Promise<void> {
    for (const { sinkType, count } of await this.starving(null, now)) {
      this.ctx.logger.warn('events are waiting for a Sink Type with no online sink', { sinkType, count });
    }
  }

  /** Stops the poll, ends every sink session and waits for the dispatch pass under way. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unwatch?.();
    this.unwatch = null;
    await this.dispatcher.close();
  }
}
