import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventRecord, EventState } from '@nexomatic/core';
import type { NewEvent } from '../store/port.js';
import type { ResolvedMetricsOptions } from './options.js';

/** Default buckets of `nexomatic_dispatch_latency_seconds`: 5 ms to 1 h. */
export const DISPATCH_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/** Default buckets of `nexomatic_run_duration_seconds`: 10 ms to 1 h. */
export const RUN_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** Which limit refused or held back work: an Event Type's or the tenant's. */
export type LimitScope = 'event_type' | 'tenant';

const seconds = (ms: number) => Math.max(0, ms) / 1000;

/**
 * The metrics one hub records, in its own prom-client {@link Registry} (never the global one, so
 * two hubs in one process do not clash). The engine calls the `record` methods as things happen;
 * the gauges read from the store on each scrape (see `collectors.ts`). Names and labels are listed
 * in docs/observability.md.
 */
export class HubMetrics {
  /** This hub's registry: serve it, or merge it into the app's (`Registry.merge`). */
  readonly registry = new Registry();
  private readonly fired: Counter<'tenant' | 'event_type' | 'source_type'>;
  private readonly finishedCounter: Counter<'tenant' | 'event_type' | 'state'>;
  private readonly dispatchLatency: Histogram<'event_type'>;
  private readonly runDuration: Histogram<'event_type' | 'outcome'>;
  private readonly queueFullCounter: Counter<'tenant' | 'event_type' | 'limit'>;
  private readonly rateLimitedCounter: Counter<'tenant' | 'event_type' | 'limit'>;
  private readonly creditsExhaustedCounter: Counter<'sink_type'>;

  constructor(readonly options: ResolvedMetricsOptions) {
    const registers = [this.registry];
    this.fired = new Counter({
      name: 'nexomatic_events_fired_total',
      help: 'Events created (fired by a Source or client, re-runs and follow-ons), by tenant, Event Type and Source Type.',
      labelNames: ['tenant', 'event_type', 'source_type'],
      registers,
    });
    this.finishedCounter = new Counter({
      name: 'nexomatic_events_finished_total',
      help: 'Events that reached a terminal state (SUCCESS, WARNING, ERROR), by tenant, Event Type and state.',
      labelNames: ['tenant', 'event_type', 'state'],
      registers,
    });
    this.dispatchLatency = new Histogram({
      name: 'nexomatic_dispatch_latency_seconds',
      help: 'Time from when an attempt could be claimed (created, or its notBefore) to its dispatch to a sink, by Event Type.',
      labelNames: ['event_type'],
      buckets: options.buckets.dispatchLatency ?? DISPATCH_LATENCY_BUCKETS,
      registers,
    });
    this.runDuration = new Histogram({
      name: 'nexomatic_run_duration_seconds',
      help: 'Time from an attempt\'s dispatch to its recorded outcome, by Event Type and outcome.',
      labelNames: ['event_type', 'outcome'],
      buckets: options.buckets.runDuration ?? RUN_DURATION_BUCKETS,
      registers,
    });
    this.queueFullCounter = new Counter({
      name: 'nexomatic_queue_full_total',
      help: 'Fires refused with QUEUE_FULL, by tenant, Event Type (empty for the tenant limit) and limit.',
      labelNames: ['tenant', 'event_type', 'limit'],
      registers,
    });
    this.rateLimitedCounter = new Counter({
      name: 'nexomatic_rate_limited_total',
      help: 'Dispatch passes that held queued events of a group back because a rate limit had no token while the sink had free slots.',
      labelNames: ['tenant', 'event_type', 'limit'],
      registers,
    });
    this.creditsExhaustedCounter = new Counter({
      name: 'nexomatic_sink_credits_exhausted_total',
      help: 'Dispatches that took the last free slot (credit) of a sink, by Sink Type.',
      labelNames: ['sink_type'],
      registers,
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Events were created (only those actually inserted). */
  eventsFired(events: readonly Pick<NewEvent, 'tenantId' | 'eventType' | 'source' | 'failed'>[]): void {
    for (const event of events) {
      this.fired.inc({ tenant: event.tenantId, event_type: event.eventType, source_type: event.source.type });
      if (event.failed) this.finished(event, 'ERROR');
    }
  }

  /** An event reached a terminal state. */
  finished(event: Pick<EventRecord, 'tenantId' | 'eventType'>, state: EventState): void {
    this.finishedCounter.inc({ tenant: event.tenantId, event_type: event.eventType, state });
  }

  /** An attempt was claimed and dispatched at `at`; it could be claimed from `readyAt`. */
  dispatched(event: Pick<EventRecord, 'eventType'>, readyAt: Date, at: Date): void {
    this.dispatchLatency.observe({ event_type: event.eventType }, seconds(at.getTime() - readyAt.getTime()));
  }

  /** An attempt that started at `event.startedAt` ended with `outcome` at `finishedAt`. */
  ran(event: Pick<EventRecord, 'eventType' | 'startedAt'>, outcome: string, finishedAt: Date): void {
    if (!event.startedAt) return;
    this.runDuration.observe({ event_type: event.eventType, outcome }, seconds(finishedAt.getTime() - Date.parse(event.startedAt)));
  }

  /** A fire was refused with `QUEUE_FULL`. */
  queueFull(tenantId: string, eventType: string | null): void {
    this.queueFullCounter.inc({ tenant: tenantId, event_type: eventType ?? '', limit: eventType === null ? 'tenant' : 'event_type' });
  }

  /** A dispatch pass held a group's events back on a rate limit. */
  rateLimited(tenantId: string, eventType: string, limit: LimitScope): void {
    this.rateLimitedCounter.inc({ tenant: tenantId, event_type: eventType, limit });
  }

  /** A dispatch took a sink's last free slot. */
  creditsExhausted(sinkType: string): void {
    this.creditsExhaustedCounter.inc({ sink_type: sinkType });
  }
}
