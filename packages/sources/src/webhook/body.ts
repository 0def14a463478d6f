import { NexomaticError, type JsonObject } from '@nexomatic/core';

/** The default largest webhook body, in bytes (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Why a body was refused, in the `details.reason` of the `VALIDATION` error {@link readBody} and
 * {@link parseJsonObject} throw: `too-large` (HTTP 413), `not-utf8` and `not-json` (HTTP 400),
 * `not-object` (HTTP 400).
 */
export type BodyProblem = 'too-large' | 'not-utf8' | 'not-json' | 'not-object';

const refuse = (reason: BodyProblem, message: string, extra: Record<string, unknown> = {}) =>
  new NexomaticError('VALIDATION', message, { details: { reason, ...extra } });

/** The `reason` of a body error thrown by {@link readBody} or {@link parseJsonObject}, if it is one. */
export function bodyProblem(error: unknown): BodyProblem | null {
  if (!(error instanceof NexomaticError) || error.code !== 'VALIDATION') return null;
  const reason = (error.details as { reason?: unknown } | undefined)?.reason;
  return reason === 'too-large' || reason === 'not-utf8' || reason === 'not-json' || reason === 'not-object' ? reason : null;
}

/**
 * Reads a request body (any async iterable of byte chunks, such as Node's `IncomingMessage`) up
 * to `maxBytes`. A declared `contentLength` over the limit is refused before reading; a body that
 * grows past it is refused as soon as it does, and the rest is not read. Either way the error is
 * `VALIDATION` with `details.reason` `too-large`.
 */
export async function readBody(
  body: AsyncIterable<Uint8Array | string>,
  maxBytes: number = DEFAULT_MAX_BODY_BYTES,
  contentLength?: string | number,
): Promise<Buffer> {
  const tooLarge = () => refuse('too-large', `the body is larger than ${maxBytes} bytes`, { maxBytes });
  if (contentLength !== undefined && Number(contentLength) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += bytes.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, size);
}

/**
 * True when a `Content-Type` is JSON: `application/json`, or any `application/<x>+json` such as
 * `application/cloudevents+json`, with an optional UTF-8 charset parameter.
 */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [type = '', ...params] = contentType.toLowerCase().split(';').map((part) => part.trim());
  if (!/^application\/([a-z0-9.-]+\+)?json$/.test(type)) return false;
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

/** The body as UTF-8 text, or a `VALIDATION` error (`not-utf8`). */
export function decodeUtf8(body: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw refuse('not-utf8', 'the body is not valid UTF-8');
  }
}

/**
 * Parses a body as JSON, or throws a `VALIDATION` error saying what is wrong and where (for
 * example `the body is not valid JSON: Unexpected token } in JSON at position 12`).
 */
export function parseJson(body: Uint8Array): unknown {
  const text = decodeUtf8(body);
  if (text.trim() === '') throw refuse('not-json', 'the body is empty; send a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw refuse('not-json', `the body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Parses a body that must be a JSON object (an event's payload); see {@link parseJson}. */
export function parseJsonObject(body: Uint8Array): JsonObject {
  const value = parseJson(body);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw refuse('not-object', `the body must be a JSON object (the event's payload), not ${kind}`);
  }
  return value as JsonObject;
}
