import { randomBytes } from 'node:crypto';
import type { Logger, ScheduleDefinition } from '@nexomatic/core';
import { Scheduler, type ContextFor, type SchedulesReader } from '@nexomatic/sources';
import type { DefinitionService } from '../engine/definitions.js';
import type { HubStore } from '../store/port.js';
import type { ResolvedSchedulerSettings } from './scheduler-options.js';

/** What the hub's Scheduler needs from the hub. */
export interface HubSchedulerDeps {
  store: HubStore;
  definitions: DefinitionService;
  settings: ResolvedSchedulerSettings;
  logger: Logger;
  /** The SourceContext a tenant's Schedule fires through. */
  context: ContextFor;
}

/** The Scheduler as the hub runs it: synced on every Schedule change and on a slow poll. */
export interface HubScheduler {
  /** Brings the Agenda jobs in step with every tenant's stored Schedules now. */
  sync(): Promise<void>;
  /** Stops the poll and the Scheduler (waits briefly for running ticks); the store stays open. */
  close(): Promise<void>;
}

/** Reads every tenant's Schedules from the store (a Schedule's scope is its tenant). */
export function storeSchedules(store: HubStore): SchedulesReader {
  return {
    tenants: async () => (await store.identities.listTenants()).map((tenant) => tenant.id),
    list: async (tenantId) => (await store.definitions.list(tenantId, 'schedule')) as ScheduleDefinition[],
    get: (tenantId, name) => store.definitions.get(tenantId, 'schedule', name),
  };
}

/**
 * Starts the Scheduler source on the store's Agenda backend (`store.schedulerBackend()`): it syncs
 * every tenant's Schedules at once, again after each Schedule this hub creates, updates or removes,
 * and every `syncIntervalMs` for changes made through other hubs. Returns null when disabled.
 */
export async function startHubScheduler(deps: HubSchedulerDeps): Promise<HubScheduler | null> {
  const { settings, logger } = deps;
  if (!settings.enabled) return null;
  if (typeof deps.store.schedulerBackend !== 'function') {
    logger.warn('scheduler: not started, the store has no schedulerBackend() (Schedules will not fire)');
    return null;
  }
  const scheduler = await Scheduler.start({
    backend: deps.store.schedulerBackend(),
    schedules: storeSchedules(deps.store),
    context: deps.context,
    logger,
    pollIntervalMs: settings.pollIntervalMs,
    lockLifetimeMs: settings.lockLifetimeMs,
    name: `nexomatic-hub-${process.pid}-${randomBytes(3).toString('hex')}`,
  });
  const failed = (error: unknown) =>
    logger.warn('scheduler: sync failed', { error: error instanceof Error ? error.message : String(error) });
  const unsubscribe = deps.definitions.onChange((tenantId, kind, name) => {
    if (kind === 'schedule') scheduler.syncSchedule(tenantId, name).catch(failed);
  });
  const timer = setInterval(() => scheduler.sync().catch(failed), settings.syncIntervalMs);
  timer.unref();
  let closing: Promise<void> | null = null;
  return {
    sync: () => scheduler.sync(),
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        unsubscribe();
        await scheduler.close();
      })();
      return closing;
    },
  };
}
