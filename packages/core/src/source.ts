import type { EventRecord, FireInput } from './event.js';

/**
 * What a Source gets from the hub: a way to fire events, and nothing else. Sources are stateless:
 * they turn something outside into events and are done. The hub fills in the Source's type and id.
 */
export interface SourceContext {
  /** Fires one event; resolves once it is durably stored. */
  fire(input: FireInput): Promise<EventRecord>;
  /** Fires many events in one group commit; any invalid input rejects the whole batch. */
  fireBatch(inputs: readonly FireInput[]): Promise<EventRecord[]>;
}
