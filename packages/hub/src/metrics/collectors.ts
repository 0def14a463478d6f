import { Gauge } from 'prom-client';
import { EventState, SinkStatus, type EventTypeDefinition } from '@nexomatic/core';
import type { SinkSession } from '../engine/session.js';
import { PLATFORM_SCOPE, type HubStore } from '../store/port.js';
import type { HubMetrics } from './hub-metrics.js';

/** Where the scrape-time gauges read from. */
export interface MetricsSource {
  store: HubStore;
  /** The sinks connected to this hub now. */
  sessions(): readonly SinkSession[];
}

/** What one scrape reads, once, for every gauge. */
interface Snapshot {
  /** `tenant \0 eventType` -> queued and running, from the store's queue counters. */
  depth: Map<string, { tenantId: string; eventType: string; queued: number; running: number }>;
  /** Per tenant, events by state (when `eventStates`). */
  states: Map<string, Record<EventState, number>>;
  /** `sinkType \0 status` -> how many sinks the store records so. */
  sinks: Map<string, number>;
}

/** Reads the store once for a scrape: queue counters, state counts, sinks. */
async function snapshot(source: MetricsSource, eventStates: boolean): Promise<Snapshot> {
  const { store } = source;
  const tenants = await store.identities.listTenants();
  const sinkTypes = new Set<string>((await store.definitions.list(PLATFORM_SCOPE, 'sinkType')).map((d) => d.name));
  const pairs = new Map<string, { tenantId: string; eventType: string }>();
  const add = (tenantId: string, eventType: string) => pairs.set(`${tenantId}\u0000${eventType}`, { tenantId, eventType });
  for (const tenant of tenants) {
    for (const definition of (await store.definitions.list(tenant.id, 'eventType')) as EventTypeDefinition[]) {
      add(tenant.id, definition.name);
      sinkTypes.add(definition.sinkType);
    }
  }
  // Groups with queued events whose Event Type is no longer defined still count.
  for (const sinkType of sinkTypes) for (const group of await store.events.queueGroups(sinkType, null)) add(group.tenantId, group.eventType);
  const depth: Snapshot['depth'] = new Map();
  for (const [key, pair] of pairs) depth.set(key, { ...pair, ...(await store.events.depth(pair.tenantId, pair.eventType)) });

  const states: Snapshot['states'] = new Map();
  if (eventStates) for (const tenant of tenants) states.set(tenant.id, await store.events.countByState(tenant.id));

  const sinks: Snapshot['sinks'] = new Map();
  const seen = new Set<string>();
  for (const sinkType of sinkTypes) for (const status of SinkStatus.options) sinks.set(`${sinkType}\u0000${status}`, 0);
  for (const tenant of tenants) {
    for (const sink of await store.sinks.list(tenant.id)) {
      if (seen.has(sink.id)) continue;
      seen.add(sink.id);
      if (!sinkTypes.has(sink.sinkType)) for (const status of SinkStatus.options) sinks.set(`${sink.sinkType}\u0000${status}`, 0);
      sinkTypes.add(sink.sinkType);
      const key = `${sink.sinkType}\u0000${sink.status}`;
      sinks.set(key, (sinks.get(key) ?? 0) + 1);
    }
  }
  return { depth, states, sinks };
}

/**
 * Registers the gauges read at scrape time: queue depth and running events per tenant and Event
 * Type (from the store's counters: cheap), events by state per tenant, sinks by status (as the
 * store records them), and the busy and free slots of the sinks connected to this hub. One scrape
 * reads the store once, shared by every gauge.
 */
export function registerCollectors(metrics: HubMetrics, source: MetricsSource): void {
  const registers = [metrics.registry];
  let current: Promise<Snapshot> | null = null;
  // prom-client collects every metric of a scrape at once: they share one snapshot.
  const read = (): Promise<Snapshot> => {
    if (!current) {
      current = snapshot(source, metrics.options.eventStates);
      const clear = () => void (current = null);
      current.then(clear, clear);
    }
    return current;
  };

  new Gauge({
    name: 'nexomatic_queue_depth',
    help: 'QUEUED events (delayed ones included), by tenant and Event Type, from the store\'s queue counters.',
    labelNames: ['tenant', 'event_type'],
    registers,
    async collect() {
      const { depth } = await read();
      this.reset();
      for (const d of depth.values()) this.set({ tenant: d.tenantId, event_type: d.eventType }, d.queued);
    },
  });
  new Gauge({
    name: 'nexomatic_events_running',
    help: 'RUNNING events, by tenant and Event Type, from the store\'s queue counters.',
    labelNames: ['tenant', 'event_type'],
    registers,
    async collect() {
      const { depth } = await read();
      this.reset();
      for (const d of depth.values()) this.set({ tenant: d.tenantId, event_type: d.eventType }, d.running);
    },
  });
  if (metrics.options.eventStates) {
    new Gauge({
      name: 'nexomatic_events',
      help: 'Events by tenant and state (every event ever stored: events are never deleted).',
      labelNames: ['tenant', 'state'],
      registers,
      async collect() {
        const { states } = await read();
        this.reset();
        for (const [tenant, counts] of states) for (const state of EventState.options) this.set({ tenant, state }, counts[state]);
      },
    });
  }
  new Gauge({
    name: 'nexomatic_sinks',
    help: 'Sinks by Sink Type and status, as the store records them (shared by every hub on the store).',
    labelNames: ['sink_type', 'status'],
    registers,
    async collect() {
      const { sinks } = await read();
      this.reset();
      for (const [key, count] of sinks) {
        const [sinkType, status] = key.split('\u0000') as [string, string];
        this.set({ sink_type: sinkType, status }, count);
      }
    },
  });
  new Gauge({
    name: 'nexomatic_sink_slots',
    help: 'Slots (credits) of the sinks connected to this hub: busy (tasks held) and free, by Sink Type.',
    labelNames: ['sink_type', 'state'],
    registers,
    collect() {
      this.reset();
      const slots = new Map<string, { busy: number; free: number }>();
      for (const session of source.sessions()) {
        const entry = slots.get(session.principal.sinkType) ?? { busy: 0, free: 0 };
        entry.busy += session.held.size;
        entry.free += Math.max(0, session.credits);
        slots.set(session.principal.sinkType, entry);
      }
      for (const [sinkType, { busy, free }] of slots) {
        this.set({ sink_type: sinkType, state: 'busy' }, busy);
        this.set({ sink_type: sinkType, state: 'free' }, free);
      }
    },
  });
}
