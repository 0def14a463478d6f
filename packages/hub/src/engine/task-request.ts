import { mergeParameters, resolveParameters, type EventRecord, type TaskRequest } from '@nexomatic/core';
import type { DefinitionService } from './definitions.js';

/**
 * The Task Request of a claimed event: its Action's and Event Type's parameters merged and
 * resolved against the payload (`STATIC` inline, `DATA` from the payload, `SECRET` as references).
 * Rejects when the Event Type is not runnable or a parameter cannot resolve (`PARAM_MISSING`).
 */
export async function taskRequest(definitions: DefinitionService, event: EventRecord): Promise<TaskRequest> {
  const { eventType, action } = await definitions.runnable(event.tenantId, event.eventType);
  const parameters = resolveParameters(mergeParameters(action.parameters, eventType.parameters), event.payload);
  return {
    eventId: event.id,
    attempt: event.attempt,
    tenantId: event.tenantId,
    eventType: event.eventType,
    module: event.module,
    payload: event.payload,
    parameters,
    rootEventId: event.rootEventId,
    chainDepth: event.chainDepth,
    leaseExpiresAt: event.leaseExpiresAt ?? new Date().toISOString(),
    timeoutMs: event.timeoutMs,
  };
}
