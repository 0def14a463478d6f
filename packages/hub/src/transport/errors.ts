import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { NexomaticError, formatIssues, type NexomaticErrorCode } from '@nexomatic/core';
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

/**
 * What a client sees of an error: the Nexomatic code, a message and safe details, never a stack
 * trace. Input that failed validation names every field; internal errors say only that.
 */
export function errorShape(error: TRPCError): { message: string; code: string; details?: unknown } {
  const cause = error.cause;
  if (cause instanceof NexomaticError) {
    return cause.details === undefined
      ? { code: cause.code, message: cause.message }
      : { code: cause.code, message: cause.message, details: cause.details };
  }
  if (cause instanceof ZodError) {
    return { code: 'VALIDATION', message: `invalid input: ${formatIssues(cause.issues)}` };
  }
  if (error.code === 'INTERNAL_SERVER_ERROR') return { code: 'INTERNAL', message: 'internal error' };
  return { code: error.code, message: error.message };
}
