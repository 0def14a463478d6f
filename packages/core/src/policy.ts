import { z } from 'zod';

/**
 * Error codes that never retry, whatever the policy says: retrying cannot change their outcome.
 * A module can add its own by throwing an error with `retryable: false`.
 */
export const NON_RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'VALIDATION',
  'PARAM_MISSING',
  'MODULE_NOT_FOUND',
  'RESULT_NOT_JSON',
  'RESULT_TOO_LARGE',
  'CANCELLED',
  'CHAIN_TOO_DEEP',
]);

/** Exponential backoff between attempts: `initialMs * factor^(attempt-1)`, capped, with jitter. */
export const Backoff = z.object({
  /** Delay before the second attempt. @default 1000 */
  initialMs: z.number().int().min(0).max(86_400_000).default(1000),
  /** Growth per attempt. @default 2 */
  factor: z.number().min(1).max(10).default(2),
  /** Longest delay. @default 60000 */
  maxMs: z.number().int().min(0).max(86_400_000).default(60_000),
  /** Random spread, as a fraction of the delay (0.2 = ±20 %). @default 0.2 */
  jitter: z.number().min(0).max(1).default(0.2),
});
/** Exponential backoff settings. */
export type Backoff = z.output<typeof Backoff>;

/** When and how often a failed attempt is tried again. */
export const RetryPolicy = z.object({
  /** Total attempts, the first included. @default 1 */
  maxAttempts: z.number().int().min(1).max(100).default(1),
  backoff: Backoff.default(Backoff.parse({})),
  /**
   * Only these error codes retry; when absent, every code retries except the
   * {@link NON_RETRYABLE_CODES} and errors a module marked `retryable: false`.
   */
  retryOn: z.array(z.string().min(1).max(100)).max(100).optional(),
});
/** A retry policy. */
export type RetryPolicy = z.output<typeof RetryPolicy>;

/** How many events of an Event Type (or a tenant) may wait, run, and start per interval. */
export const Limits = z.object({
  /** Most `QUEUED` events; firing more fails with `QUEUE_FULL` and accepts nothing. */
  maxQueued: z.number().int().min(1).optional(),
  /** Most `RUNNING` events at once. */
  maxRunning: z.number().int().min(1).optional(),
  /** Most dispatches per interval. */
  rate: z.object({ limit: z.number().int().min(1), intervalMs: z.number().int().min(1).max(86_400_000) }).optional(),
});
/** Queue, concurrency and rate limits. */
export type Limits = z.output<typeof Limits>;

/** The delay before attempt `attempt + 1`, after attempt `attempt` failed. */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** Math.max(0, attempt - 1));
  const spread = base * backoff.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(base + spread));
}

/** True when an error with this code (and retryable flag) may be tried again under the policy. */
export function isRetryable(policy: RetryPolicy, error: { code: string; retryable?: boolean | undefined } | null): boolean {
  if (!error || error.retryable === false || NON_RETRYABLE_CODES.has(error.code)) return false;
  return policy.retryOn === undefined || policy.retryOn.includes(error.code);
}
