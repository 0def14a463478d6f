/** Options of a {@link NonRetryableError}. */
export interface NonRetryableErrorOptions {
  /** The error code the task ends with. @default 'MODULE_ERROR' */
  code?: string;
  /** The error that caused it. */
  cause?: unknown;
}

/**
 * An error a module throws when retrying cannot help (bad input, a record that does not exist...):
 * the task ends `ERROR` with `retryable: false`, and the hub does not try the event again, whatever
 * its retry policy says.
 *
 * The sink reads the `retryable` property, not the class, so a module that cannot import
 * `@nexomatic/sink` does the same with any error:
 * `throw Object.assign(new Error('bad input'), { code: 'BAD_INPUT', retryable: false })`.
 *
 * @example
 * ```ts
 * import { NonRetryableError } from '@nexomatic/sink';
 *
 * export async function run(ctx, payload) {
 *   if (!payload.orderId) throw new NonRetryableError('orderId is missing', { code: 'BAD_INPUT' });
 * }
 * ```
 */
export class NonRetryableError extends Error {
  /** Always false: the hub does not retry the event. */
  readonly retryable = false as const;
  /** The error code the task ends with; `MODULE_ERROR` when absent. */
  readonly code: string | undefined;

  constructor(message: string, options: NonRetryableErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'NonRetryableError';
    this.code = options.code;
  }
}
