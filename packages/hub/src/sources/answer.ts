import type { IncomingMessage, ServerResponse } from 'node:http';
import { NexomaticError, type Logger } from '@nexomatic/core';
import { bodyProblem, isJsonContentType } from '@nexomatic/sources';

/** Seconds a sender is asked to wait after a 429 (a full queue drains at the sinks' pace). */
export const RETRY_AFTER_SECONDS = 5;

/** Sends a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Sends `{ error: { code, message } }`. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

/**
 * Refuses a request whose body was not read to the end: the connection is closed after the answer,
 * so the unread rest cannot be taken for the next request.
 */
export function refuseUnread(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  sendError(res, status, code, message, { connection: 'close' });
  req.resume();
}

/**
 * Answers a failure of a Source request with the status it deserves: body problems 413 / 400,
 * `VALIDATION` 400, `UNAUTHENTICATED` 401, `FORBIDDEN` 403, `NOT_FOUND` 404, `QUEUE_FULL` and
 * `RATE_LIMITED` 429 with `Retry-After`, `CLOSED` 503. Anything else is a logged 500 that says
 * only "internal error".
 */
export function answerFailure(req: IncomingMessage, res: ServerResponse, error: unknown, logger: Logger, source: string): void {
  const problem = bodyProblem(error);
  if (problem === 'too-large') return refuseUnread(req, res, 413, 'PAYLOAD_TOO_LARGE', (error as Error).message);
  if (error instanceof NexomaticError) {
    switch (error.code) {
      case 'VALIDATION':
      case 'PARAM_MISSING':
        return sendError(res, 400, error.code, error.message);
      case 'UNAUTHENTICATED':
        return sendError(res, 401, error.code, error.message);
      case 'FORBIDDEN':
        return sendError(res, 403, error.code, error.message);
      case 'NOT_FOUND':
        return sendError(res, 404, error.code, error.message);
      case 'QUEUE_FULL':
      case 'RATE_LIMITED':
        return sendError(res, 429, error.code, error.message, { 'retry-after': String(RETRY_AFTER_SECONDS) });
      case 'CLOSED':
        return sendError(res, 503, error.code, 'the hub is shutting down', { 'retry-after': String(RETRY_AFTER_SECONDS) });
      default:
        break;
    }
  }
  logger.error('internal error in a Source request', { source, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'internal error');
}

/**
 * Checks what can be checked before a body is read: its declared size (413), its `Content-Type`
 * (415, naming the `accepted` types) and its `Content-Encoding` (415 unless identity). Answers a
 * refusal itself and returns false; true when the body may be read.
 */
export function acceptsJsonBody(req: IncomingMessage, res: ServerResponse, maxBytes: number, accepted: string): boolean {
  const contentLength = header(req, 'content-length');
  if (contentLength !== undefined && Number(contentLength) > maxBytes) {
    refuseUnread(req, res, 413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
    return false;
  }
  const contentType = header(req, 'content-type');
  if (!isJsonContentType(contentType)) {
    refuseUnread(req, res, 415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${accepted}, not ${contentType ? `"${contentType}"` : 'absent'}`);
    return false;
  }
  const encoding = header(req, 'content-encoding')?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    refuseUnread(req, res, 415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Encoding "${encoding}" is not supported; send the body uncompressed`);
    return false;
  }
  return true;
}

/** A header's single value (the first, when repeated). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
