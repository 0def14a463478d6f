import type { IncomingMessage, ServerResponse } from 'node:http';
import { NexomaticError, traceContextFromHeaders, type SourceDefinition } from '@nexomatic/core';
import {
  answerAbuseProtection,
  eventGridFireInput,
  parseEventGridPush,
  parseJson,
  readBody,
  routeEvent,
  validationAnswer,
} from '@nexomatic/sources';
import type { HubServices } from '../transport/context.js';
import { acceptsJsonBody, answerFailure, header, refuseUnread, sendError, sendJson } from './answer.js';
import { sameSecret } from './source-service.js';

/**
 * True when the request carries the Source's shared key (`aeg-sas-key` header, or `code` in the
 * query string), or the Source has none. A key Secret that does not exist refuses every request.
 */
async function authorized(services: HubServices, tenantId: string, source: SourceDefinition, req: IncomingMessage, query: URLSearchParams): Promise<boolean> {
  if (!source.sharedKeySecret) return true;
  const presented = header(req, 'aeg-sas-key') ?? query.get('code') ?? undefined;
  if (!presented) return false;
  let values: string[];
  try {
    values = await services.sources.secretValues(tenantId, [source.sharedKeySecret]);
  } catch (error) {
    throw new NexomaticError('INTERNAL', `the shared key of Source "${source.name}" cannot be read`, { cause: error });
  }
  if (values.length === 0) {
    services.options.logger.warn('an Event Grid Source names no existing Secret as its shared key: every delivery is refused', {
      source: source.name,
      secret: source.sharedKeySecret,
    });
    return false;
  }
  return sameSecret(presented, values[0]!);
}

/**
 * Serves an Event Grid Source's push endpoint (`<base>eventgrid/<token>`): the CloudEvents
 * abuse-protection `OPTIONS` handshake, the subscription validation handshake (answered
 * `{ validationResponse }`), and deliveries in the Event Grid schema or CloudEvents 1.0, single or
 * batched. Each delivered event becomes one Nexomatic event of the Event Type the mapping table
 * names (the Source's first Event Type when no route matches), all stored in one commit, answered
 * `202 { ids }`. Redeliveries return the same events (idempotency key from each event's source
 * and id). The handshakes need only the URL token; deliveries also need the shared key when the
 * Source has one (401 otherwise). Other refusals are those of a webhook (404, 405, 413, 415, 400,
 * 403, 429).
 */
export async function handleEventGrid(
  services: HubServices,
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
  query: URLSearchParams,
  notFound: () => void,
): Promise<void> {
  const found = await services.sources.find(token, 'eventgrid');
  if (!found) return notFound();
  const { tenantId, source } = found;
  try {
    if (req.method === 'OPTIONS') {
      const answer = answerAbuseProtection({
        'webhook-request-origin': header(req, 'webhook-request-origin'),
        'webhook-request-rate': header(req, 'webhook-request-rate'),
      });
      if (answer.status !== 200) return sendError(res, answer.status, 'VALIDATION', answer.message ?? 'refused', answer.headers);
      res.writeHead(200, answer.headers).end();
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST, OPTIONS');
      return refuseUnread(req, res, 405, 'METHOD_NOT_ALLOWED', 'an Event Grid endpoint takes POST and OPTIONS');
    }
    const limit = services.options.maxBodyBytes;
    if (!acceptsJsonBody(req, res, limit, 'application/json or application/cloudevents(-batch)+json')) return;
    const push = await parseEventGridPush(parseJson(await readBody(req, limit)), header(req, 'content-type'));
    if (push.kind === 'validation') {
      services.options.logger.info('Event Grid subscription validated', { source: source.name });
      return sendJson(res, 200, validationAnswer(push.validationCode));
    }
    if (!(await authorized(services, tenantId, source, req, query))) {
      return sendError(res, 401, 'UNAUTHENTICATED', 'a valid shared key is required (aeg-sas-key header or code query parameter)');
    }
    const inputs = push.events.map((event) => eventGridFireInput(event, routeEvent(source.routes, event, source.eventTypes[0]!)!, source.name));
    const events = await services.engine.fire(inputs, {
      tenantId,
      source: { type: 'eventgrid', id: source.name },
      traceContext: traceContextFromHeaders(req.headers),
    });
    sendJson(res, 202, { ids: events.map((e) => e.id) });
  } catch (error) {
    answerFailure(req, res, error, services.options.logger, source.name);
  }
}
