import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { NexomaticError, formatIssues, type Logger, type NexomaticErrorCode } from '@nexomatic/core';
import { ZodError } from 'zod';

const TRPC_CODE: Partial<Record<NexomaticErrorCode, TRPC_ERROR_CODE_KEY>> = {
  VALIDATION: 'BAD_REQUEST',
  PARAM_MISSING: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  CONFLICT: 'CONFLICT',
  QUEUE_FULL: 'TOO_MANY_REQUESTS',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  CLOSED: 'SERVICE_UNAVAILABLE',
};

/** Turns a NexomaticError into the TRPCError the transport sends. */
export function toTRPCError(error: NexomaticError): TRPCError {
  return new TRPCError({ code: TRPC_CODE[error.code] ?? 'INTERNAL_SERVER_ERROR', message: error.message, cause: error });
}

/** The whole of what a client learns about an internal failure. */
const INTERNAL = { code: 'INTERNAL', message: 'internal error' } as const;

/**
 * What a client sees of an error: the Nexomatic code, a message and safe details, never a stack
 * trace. Input that failed validation names every field; internal errors (a store or driver
 * failure, a bug), whose messages may hold anything, say only that.
 */
export function errorShape(error: TRPCError): { message: string; code: string; details?: unknown } {
  const cause = error.cause;
  if (cause instanceof NexomaticError) {
    if (cause.code === 'INTERNAL') return { ...INTERNAL };
    return cause.details === undefined
      ? { code: cause.code, message: cause.message }
      : { code: cause.code, message: cause.message, details: cause.details };
  }
  if (cause instanceof ZodError) {
    return { code: 'VALIDATION', message: `invalid input: ${formatIssues(cause.issues)}` };
  }
  if (error.code === 'INTERNAL_SERVER_ERROR') return { ...INTERNAL };
  return { code: error.code, message: error.message };
}

/** True when a client sees only "internal error" for this error. */
export function isInternal(error: TRPCError): boolean {
  return errorShape(error).code === 'INTERNAL';
}

/**
 * The transports' `onError`: an internal failure is logged here, in the hub, since the client
 * learns nothing about it.
 */
export function logInternalError(logger: Logger) {
  return ({ error, path }: { error: TRPCError; path?: string | undefined }): void => {
    if (!isInternal(error)) return;
    const cause = error.cause ?? error;
    logger.error('internal error in an API or sink call', {
      path: path ?? null,
      error: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
    });
  };
}
