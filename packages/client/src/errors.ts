import { TRPCClientError } from '@trpc/client';
import { NEXOMATIC_ERROR_CODES, NexomaticError, type NexomaticErrorCode } from '@nexomatic/core';

const KNOWN = new Set<string>(NEXOMATIC_ERROR_CODES);

/**
 * Turns what a call threw into a {@link NexomaticError} carrying the hub's code. A call that got no
 * answer from the hub (connection refused or dropped, after the retries) is `INTERNAL` with
 * `details: { unreachable: true }` and a message starting `hub unreachable`.
 */
export function toNexomaticError(error: unknown): NexomaticError {
  if (error instanceof NexomaticError) return error;
  if (error instanceof TRPCClientError) {
    const data = error.data as { nexomatic?: { code?: string; message?: string; details?: unknown } } | undefined;
    const code = data?.nexomatic?.code;
    if (code && KNOWN.has(code)) {
      return new NexomaticError(code as NexomaticErrorCode, data?.nexomatic?.message ?? error.message, {
        cause: error,
        details: data?.nexomatic?.details,
      });
    }
    if (!data && answeredNotJson(error)) {
      return new NexomaticError(
        'INTERNAL',
        `the server answered, but not as a Nexomatic hub (${describeCause(error)}): is the URL the hub's base URL, with its basePath?`,
        { cause: error },
      );
    }
    if (!data) return new NexomaticError('INTERNAL', `hub unreachable: ${describeCause(error)}`, { cause: error, details: { unreachable: true } });
  }
  return NexomaticError.from(error);
}

/** True when a call got an answer that is not the hub's JSON (a web server's 404 page, a proxy's HTML). */
export function answeredNotJson(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current instanceof SyntaxError) return true;
    current = current.cause;
  }
  return false;
}

/** True when `error` says the hub could not be reached at all. */
export function isUnreachable(error: unknown): boolean {
  return error instanceof NexomaticError && (error.details as { unreachable?: boolean } | undefined)?.unreachable === true;
}

/** The deepest useful message of a network failure (`fetch failed` hides `ECONNREFUSED`). */
function describeCause(error: Error): string {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    messages.push(typeof code === 'string' && !current.message.includes(code) ? `${current.message} (${code})` : current.message);
    current = current.cause;
  }
  return [...new Set(messages)].join(': ');
}
