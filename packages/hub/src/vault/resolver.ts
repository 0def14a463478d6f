import { NexomaticError, isTerminal, mergeParameters, type Logger } from '@nexomatic/core';
import type { SinkPrincipal } from '../auth/sink-credentials.js';
import type { AuditLog } from '../engine/audit.js';
import type { DefinitionService } from '../engine/definitions.js';
import type { HubStore } from '../store/port.js';
import type { Vault } from './cipher.js';
import type { ResolvedValues } from './resolved-values.js';

/** A sink's request for one secret value. */
export interface ResolveRequest {
  sinkId: string;
  eventId: string;
  attempt: number;
  key: string;
}

/** Why a resolve was refused, as the audit log records it. */
export type RefusalReason = 'not-own-sink' | 'unknown-event' | 'finished-event' | 'not-held' | 'not-referenced' | 'no-such-secret';

const EXPLAIN: Record<RefusalReason, string> = {
  'not-own-sink': 'the sink is not registered with these credentials',
  'unknown-event': 'no such event',
  'finished-event': 'the event has finished',
  'not-held': 'the sink does not hold the lease on this attempt of the event',
  'not-referenced': "no SECRET parameter of the event's Event Type or Action references this key",
  'no-such-secret': "the event's tenant has no secret with this key",
};

/**
 * The one way a secret value leaves the hub: a sink resolving a key for a task it holds. Allowed
 * only when the sink is the caller's own, the event is `RUNNING` on that sink with that attempt
 * and an unexpired lease, a `SECRET` parameter of the event's merged parameters (Action's,
 * overridden by the Event Type's) names the key, and the event's tenant has the secret. Every
 * refusal is `FORBIDDEN`, names no value, and is recorded in the audit log.
 */
export class SecretResolver {
  constructor(
    private readonly store: HubStore,
    private readonly definitions: DefinitionService,
    private readonly vault: Vault,
    private readonly audit: AuditLog,
    private readonly resolved: ResolvedValues,
    private readonly logger: Logger,
  ) {}

  /** The secret's value, or a `FORBIDDEN` error (audited). */
  async resolve(principal: SinkPrincipal, request: ResolveRequest): Promise<string> {
    const { sinkId, eventId, attempt, key } = request;
    const sink = await this.store.sinks.get(sinkId);
    const event = await this.store.events.get(eventId, null);
    const refuse = (reason: RefusalReason) => this.refuse(event?.tenantId ?? principal.tenantId, request, reason);
    if (!sink || sink.sinkType !== principal.sinkType || sink.tenantId !== principal.tenantId) return refuse('not-own-sink');
    if (!event || (principal.tenantId !== null && event.tenantId !== principal.tenantId)) return refuse('unknown-event');
    if (isTerminal(event.state)) return refuse('finished-event');
    const leased = event.leaseExpiresAt !== null && Date.parse(event.leaseExpiresAt) > Date.now();
    if (event.state !== 'RUNNING' || event.sinkId !== sinkId || event.attempt !== attempt || !leased) return refuse('not-held');
    const { eventType, action } = await this.definitions.runnable(event.tenantId, event.eventType);
    const referenced = mergeParameters(action.parameters, eventType.parameters).some((p) => p.type === 'SECRET' && p.key === key);
    if (!referenced) return refuse('not-referenced');
    const secret = await this.store.secrets.get(event.tenantId, key);
    if (!secret) return refuse('no-such-secret');
    const value = this.vault.open(secret);
    this.resolved.remember(eventId, attempt, value);
    this.logger.debug('secret resolved', { key, eventId, attempt, sinkId });
    return value;
  }

  private async refuse(tenantId: string | null, { sinkId, eventId, attempt, key }: ResolveRequest, reason: RefusalReason): Promise<never> {
    const details = { eventId, sinkId, reason };
    if (tenantId !== null) await this.audit.record({ tenantId, subject: `sink:${sinkId}` }, 'resolve-refused', 'secret', key, details);
    this.logger.warn('secret resolve refused', { key, eventId, attempt, sinkId, reason });
    throw new NexomaticError('FORBIDDEN', `secret ${key} refused for event ${eventId} attempt ${attempt}: ${EXPLAIN[reason]}`, { details: { reason } });
  }
}
