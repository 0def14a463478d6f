import { EventEmitter } from 'node:events';

/**
 * Tells live tails in this process that an event has new log records. It carries no records: a
 * tail reads them from the store after its position, so a slow reader never buffers without bound.
 */
export class LogNotifier {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  /** Announces new records of these events. */
  published(tenantId: string, eventIds: Iterable<string>): void {
    for (const eventId of new Set(eventIds)) this.emitter.emit(`${tenantId}\u0000${eventId}`);
  }

  /** Calls `listener` whenever the event has new records; returns an unsubscribe function. */
  subscribe(tenantId: string, eventId: string, listener: () => void): () => void {
    const key = `${tenantId}\u0000${eventId}`;
    this.emitter.on(key, listener);
    return () => this.emitter.off(key, listener);
  }
}
