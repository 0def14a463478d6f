import type { EventRecord, Json, JsonObject, Logger, ResultReport } from '@nexomatic/core';
import type { NewEvent } from '../store/port.js';
import type { DefinitionService } from './definitions.js';
import { newEvent } from './new-event.js';

/** The payload of an On Success follow-on: the result itself when it is an object, else `{ result }`. */
export function successPayload(result: Json | null): JsonObject {
  return result !== null && typeof result === 'object' && !Array.isArray(result) ? result : { result };
}

/** The payload of an On Failure follow-on: the error and a reference to the failed event. */
export function failurePayload(event: EventRecord, error: ResultReport['error']): JsonObject {
  return {
    error: error ?? { code: 'MODULE_ERROR', message: 'unknown error' },
    failedEvent: { id: event.id, eventType: event.eventType, attempt: event.attempt, payload: event.payload },
  };
}

/**
 * The follow-on events a finished attempt creates: `SUCCESS` and `WARNING` fire the Action's
 * `onSuccess`, `ERROR` fires `onFailure`. A follow-on past the maximum chain depth is born `ERROR`
 * with code `CHAIN_TOO_DEEP`, so a looping chain ends visibly.
 */
export async function followOns(
  definitions: DefinitionService,
  event: EventRecord,
  outcome: Pick<ResultReport, 'outcome' | 'result' | 'error'>,
  maxChainDepth: number,
  now: Date,
  logger: Logger,
): Promise<NewEvent[]> {
  let source;
  try {
    source = await definitions.runnable(event.tenantId, event.eventType);
  } catch (error) {
    logger.error('cannot chain: the finished event has no runnable Event Type', { eventId: event.id, error: String(error) });
    return [];
  }
  const target = outcome.outcome === 'ERROR' ? source.action.onFailure : source.action.onSuccess;
  if (!target) return [];
  let next;
  try {
    next = await definitions.runnable(event.tenantId, target);
  } catch (error) {
    logger.error('cannot chain: the follow-on Event Type is missing', { eventId: event.id, target, error: String(error) });
    return [];
  }
  const payload = outcome.outcome === 'ERROR' ? failurePayload(event, outcome.error) : successPayload(outcome.result);
  const tooDeep = event.chainDepth + 1 > maxChainDepth;
  return [
    newEvent({
      tenantId: event.tenantId,
      eventType: next.eventType,
      action: next.action,
      payload,
      source: { type: 'custom', id: `chain:${event.id}` },
      parent: event,
      now,
      failed: tooDeep
        ? { code: 'CHAIN_TOO_DEEP', message: `chain depth ${event.chainDepth + 1} exceeds the maximum of ${maxChainDepth}` }
        : undefined,
    }),
  ];
}
