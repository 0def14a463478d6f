import { NexomaticError, type ControlSignal, type SinkView } from '@nexomatic/core';
import type { HubStore } from '../store/port.js';
import type { Actor, AuditLog } from './audit.js';
import type { Dispatcher } from './dispatcher.js';

/**
 * What an Admin sees of and does to sinks: the list with running tasks, and control signals.
 * Every call is scoped to the sinks a tenant can see (pinned to it, or serving every tenant).
 */
export class SinkControl {
  constructor(
    private readonly store: HubStore,
    private readonly dispatcher: Dispatcher,
    private readonly audit: AuditLog,
  ) {}

  /**
   * The sinks visible to a tenant, each with its running tasks: from
   * its session when connected to this hub, else counted from the store.
   */
  async list(tenantId: string): Promise<SinkView[]> {
    const records = await this.store.sinks.list(tenantId);
    return Promise.all(
      records.map(async (record) => {
        const session = this.dispatcher.session(record.id);
        const running = session ? session.held.size : (await this.store.events.held(record.id)).length;
        return { ...record, running };
      }),
    );
  }

  /**
   * Sends a control signal to a sink the actor's tenant can see, and audits it. `NOT_FOUND` for a
   * sink the tenant cannot see; `CONFLICT` when the sink is not connected to this hub.
   */
  async send(actor: Actor, sinkId: string, signal: ControlSignal): Promise<void> {
    const record = await this.store.sinks.get(sinkId);
    if (!record || (record.tenantId !== null && record.tenantId !== actor.tenantId)) {
      throw new NexomaticError('NOT_FOUND', `no sink ${sinkId}`);
    }
    if (!this.dispatcher.control(sinkId, signal)) {
      throw new NexomaticError('CONFLICT', `sink ${record.name} (${sinkId}) is ${record.status} and not connected to this hub; a control signal needs a connected sink`);
    }
    await this.audit.record(actor, 'control', 'sink', record.name, { sinkId, signal });
  }
}
