import { TRPCClientError } from '@trpc/client';
import { NEXOMATIC_ERROR_CODES, NexomaticError, type NexomaticErrorCode } from '@nexomatic/core';

const KNOWN = new Set<string>(NEXOMATIC_ERROR_CODES);

/** Turns what a call threw into a {@link NexomaticError} carrying the hub's code. */
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
    if (!data) return new NexomaticError('INTERNAL', `hub unreachable: ${error.message}`, { cause: error });
  }
  return NexomaticError.from(error);
}
