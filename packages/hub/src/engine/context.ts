import { EventEmitter } from 'node:events';
import type { EventRecord, Logger } from '@nexomatic/core';
import type { ResolvedHubOptions } from '../options.js';
import type { HubStore } from '../store/port.js';
import type { DefinitionService } from './definitions.js';
import type { ResolvedValues } from '../vault/resolved-values.js';
import type { LogService } from '../logs/service.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';

/** Tells waiters in this process that events changed state. */
export class EventNotifier {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  /** Announces that an event reached a terminal state. */
  finished(event: Pick<EventRecord, 'id'>): void {
    this.emitter.emit(event.id);
  }

  /** Calls `listener` once when the event finishes; returns an unsubscribe function. */
  onFinished(eventId: string, listener: () => void): () => void {
    this.emitter.once(eventId, listener);
    return () => this.emitter.off(eventId, listener);
  }
}

/** What every part of the engine shares. */
export interface EngineContext {
  store: HubStore;
  definitions: DefinitionService;
  options: ResolvedHubOptions;
  logger: Logger;
  notifier: EventNotifier;
  /** The secret values resolved per running attempt: reports are masked with them before they are stored. */
  secretValues?: ResolvedValues;
  /** Task logs: the engine appends through it, so live tails see new records. */
  logs: LogService;
  /** Records this hub's metrics; absent when metrics are disabled. */
  metrics?: HubMetrics;
}
