import type { IncomingMessage, ServerResponse } from 'node:http';
import { NexomaticError, traceContextFromHeaders, type SourceDefinition } from '@nexomatic/core';
import {
  parseJsonObject,
  readBody,
  sourceIdempotencyKey,
  verifyGithubSignature,
  verifyStandardWebhook,
  type SignatureOutcome,
} from '@nexomatic/sources';
import type { HubServices } from '../transport/context.js';
import { acceptsJsonBody, answerFailure, header, refuseUnread, sendError, sendJson } from './answer.js';

/** What a signature check decided: refused (already answered), or passed with the sender's signed message id. */
type Verified = { refused: true } | { refused: false; signedId: string | null };

/**
 * Verifies a signed Source's request on the raw body. A Source whose signing Secrets are all
 * missing refuses every request (and says so in the hub's log): it cannot tell senders apart.
 */
async function verify(services: HubServices, tenantId: string, source: SourceDefinition, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<Verified> {
  const signature = source.signature;
  if (!signature) return { refused: false, signedId: null };
  let secrets: string[];
  try {
    secrets = await services.sources.secretValues(tenantId, signature.secrets);
  } catch (error) {
    throw new NexomaticError('INTERNAL', `the signing secrets of Source "${source.name}" cannot be read`, { cause: error });
  }
  if (secrets.length === 0) {
    services.options.logger.warn('a signed Source names no existing Secret: every request is refused', { source: source.name, secrets: signature.secrets });
    sendError(res, 401, 'UNAUTHENTICATED', 'the signature cannot be verified');
    return { refused: true };
  }
  let outcome: SignatureOutcome;
  if (signature.scheme === 'standard') {
    outcome = verifyStandardWebhook({
      body,
      headers: { 'webhook-id': header(req, 'webhook-id'), 'webhook-timestamp': header(req, 'webhook-timestamp'), 'webhook-signature': header(req, 'webhook-signature') },
      secrets,
      toleranceSeconds: signature.toleranceSeconds,
    });
  } else {
    outcome = verifyGithubSignature({ body, signature: header(req, 'x-hub-signature-256'), secrets });
  }
  if (!outcome.ok) {
    sendError(res, 401, 'UNAUTHENTICATED', outcome.message);
    return { refused: true };
  }
  return { refused: false, signedId: signature.scheme === 'standard' ? header(req, 'webhook-id')!.trim() : null };
}

/**
 * Serves a POST to a webhook Source's URL (`<base>hooks/<token>` or `<base>hooks/<token>/<eventType>`):
 * the JSON body becomes the payload of one event of the Source's Event Type, answered `202 { id }`
 * once the event is durably stored. An unknown or disabled token goes to `notFound` (the hub's
 * usual 404, no hint). Then: 405 for another method, 413 for a body over `maxBodyBytes`, 415 for a
 * non-JSON content type, 401 for a missing, wrong or stale signature, 403 for an Event Type the
 * Source may not fire (or that does not allow Source Type `webhook`), 400 for a body that is not a
 * JSON object, 429 with `Retry-After` when the queue is full.
 *
 * Idempotency: a Standard Webhooks Source uses the signed `webhook-id`; any other uses
 * `Idempotency-Key`, else `webhook-id`, else (GitHub) `X-GitHub-Delivery`. A retry with the same
 * key answers with the event the first request created.
 */
export async function handleWebhook(
  services: HubServices,
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
  eventTypeSegment: string | null,
  notFound: () => void,
): Promise<void> {
  const found = await services.sources.find(token, 'webhook');
  if (!found) return notFound();
  const { tenantId, source } = found;
  try {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return refuseUnread(req, res, 405, 'METHOD_NOT_ALLOWED', 'a webhook takes POST');
    }
    const limit = services.options.maxBodyBytes;
    if (!acceptsJsonBody(req, res, limit, 'application/json (UTF-8)')) return;
    const body = await readBody(req, limit);
    const verified = await verify(services, tenantId, source, req, body, res);
    if (verified.refused) return;
    const eventType = eventTypeSegment ?? source.eventTypes[0]!;
    if (!source.eventTypes.includes(eventType)) {
      return sendError(res, 403, 'FORBIDDEN', `Source "${source.name}" may not fire Event Type "${eventType}"`);
    }
    const payload = parseJsonObject(body);
    const senderKey =
      verified.signedId ?? (['idempotency-key', 'webhook-id', 'x-github-delivery'].map((name) => header(req, name)?.trim()).find((v) => v) || undefined);
    const idempotencyKey = senderKey ? sourceIdempotencyKey('webhook', source.name, senderKey) : undefined;
    const fire = async () => {
      const [event] = await services.engine.fire([{ eventType, payload, ...(idempotencyKey ? { idempotencyKey } : {}) }], {
        tenantId,
        source: { type: 'webhook', id: source.name },
        traceContext: traceContextFromHeaders(req.headers),
      });
      return event!.id;
    };
    // A signed message stays valid while its timestamp is within the tolerance, either side of now:
    // replays (even concurrent ones) share the first event, whatever the hub's idempotency window.
    const id =
      verified.signedId !== null && idempotencyKey
        ? await services.sources.replays.once(`${tenantId}:${idempotencyKey}`, 2 * source.signature!.toleranceSeconds * 1000, fire)
        : await fire();
    sendJson(res, 202, { id });
  } catch (error) {
    answerFailure(req, res, error, services.options.logger, source.name);
  }
}
