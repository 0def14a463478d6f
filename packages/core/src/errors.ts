/**
 * The one error class of Nexomatic. Every failure that crosses a package or the wire carries a
 * {@link NexomaticErrorCode}, so callers branch on codes, never on messages.
 */

/** Every code a {@link NexomaticError} can carry. */
export const NEXOMATIC_ERROR_CODES = [
  /** Input failed validation; the message names the field. */
  'VALIDATION',
  /** A referenced record does not exist (or is not visible to the caller's tenant). */
  'NOT_FOUND',
  /** Credentials are missing or wrong. */
  'UNAUTHENTICATED',
  /** The caller is known but may not do this. */
  'FORBIDDEN',
  /** The record changed or exists already. */
  'CONFLICT',
  /** A `DATA` parameter names a path the payload does not have. */
  'PARAM_MISSING',
  /** A module raised or returned an error. */
  'MODULE_ERROR',
  /** The module named by an Action cannot be found on the sink. */
  'MODULE_NOT_FOUND',
  /** The module returned a value that is not JSON. */
  'RESULT_NOT_JSON',
  /** The module's result is larger than a result may be. */
  'RESULT_TOO_LARGE',
  /** The task ran longer than its timeout. */
  'TIMEOUT',
  /** The sink holding the task went away and did not come back within its lease. */
  'SINK_LOST',
  /** The task was killed by a `FORCE_KILL` control signal. */
  'KILLED',
  /** The event was cancelled while `QUEUED`. */
  'CANCELLED',
  /** A chain of follow-on events reached the maximum depth. */
  'CHAIN_TOO_DEEP',
  /** A queue is over its maximum depth; nothing was accepted. */
  'QUEUE_FULL',
  /** A rate limit refused the request. */
  'RATE_LIMITED',
  /** The hub or sink is shutting down. */
  'CLOSED',
  /** A store or transport failed. */
  'INTERNAL',
] as const;

/** A code carried by a {@link NexomaticError}. */
export type NexomaticErrorCode = (typeof NEXOMATIC_ERROR_CODES)[number];

/** The plain-data form of an error, as stored on an event and sent over the wire. */
export interface ErrorData {
  code: string;
  message: string;
  details?: unknown;
}

/**
 * The error class thrown by every Nexomatic package.
 *
 * @example
 * ```ts
 * throw new NexomaticError('NOT_FOUND', `event ${id} not found`);
 * ```
 */
export class NexomaticError extends Error {
  /** What went wrong, as a stable code. */
  readonly code: NexomaticErrorCode;
  /** Extra data safe to show to the caller. */
  readonly details?: unknown;

  constructor(code: NexomaticErrorCode, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NexomaticError';
    this.code = code;
    if (options.details !== undefined) this.details = options.details;
  }

  /** Wraps anything thrown into a NexomaticError, keeping the original as `cause`. */
  static from(cause: unknown, code: NexomaticErrorCode = 'INTERNAL'): NexomaticError {
    if (cause instanceof NexomaticError) return cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    return new NexomaticError(code, message, { cause });
  }

  /** The plain-data form, for storage and the wire. */
  toData(): ErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** True when `value` is a NexomaticError with the given code. */
export function isNexomaticError(value: unknown, code?: NexomaticErrorCode): value is NexomaticError {
  return value instanceof NexomaticError && (code === undefined || value.code === code);
}
