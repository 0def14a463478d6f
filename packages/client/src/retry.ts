/**
 * Which failed calls the client retries, and how long it waits. Only a call that cannot do a thing
 * twice is retried: every query, and the mutations that are idempotent by key or by nature.
 */
import { TRPCClientError } from '@trpc/client';
import { answeredNotJson } from './errors.js';
import { z } from 'zod';

/** How the client retries calls that failed on the network. */
export const RetryOptions = z.object({
  /** Most attempts per call, the first included; 1 turns retrying off. @default 4 */
  attempts: z.number().int().min(1).max(20).default(4),
  /** Delay before the first retry; doubled each time, with jitter. @default 200 */
  baseDelayMs: z.number().int().min(0).max(60_000).default(200),
  /** Longest delay between two attempts. @default 5000 */
  maxDelayMs: z.number().int().min(0).max(300_000).default(5_000),
});
/** How the client retries calls that failed on the network. */
export type RetryOptions = z.output<typeof RetryOptions>;

/**
 * Mutations safe to send again: `events.fire` and `events.fireBatch` carry an idempotency key the
 * client generated once per call, `definitions.upsert` and `secrets.put` replace what they write.
 */
export const RETRY_SAFE_MUTATIONS: ReadonlySet<string> = new Set([
  'events.fire',
  'events.fireBatch',
  'definitions.upsert',
  'secrets.put',
]);

/** HTTP statuses of a proxy or a hub that is not there right now. */
const UNAVAILABLE = new Set([502, 503, 504]);

/**
 * True when a call failed before the hub could answer it: the connection failed or dropped, or a
 * proxy in front of the hub said the hub is unavailable, or the hub is shutting down (`CLOSED`).
 * An answer from the hub (validation, not found, forbidden, ...) is never transient, nor is an
 * answer that is not the hub's (a 404 page: the URL is wrong).
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const data = error.data as { httpStatus?: number; nexomatic?: { code?: string } } | undefined | null;
  if (data?.nexomatic?.code === 'CLOSED') return true;
  if (data?.httpStatus !== undefined && UNAVAILABLE.has(data.httpStatus)) return true;
  const meta = error.meta as { response?: { status?: number } } | undefined;
  if (meta?.response?.status !== undefined && UNAVAILABLE.has(meta.response.status)) return !data?.nexomatic;
  // No answer from the hub at all, unless something else answered (a page that is not JSON).
  return !data && !answeredNotJson(error);
}

/** Whether a failed call of `type` at `path` may be sent again after `attempts` attempts. */
export function shouldRetry(options: RetryOptions, type: string, path: string, error: unknown, attempts: number): boolean {
  if (attempts >= options.attempts || !isTransient(error)) return false;
  return type === 'query' || (type === 'mutation' && RETRY_SAFE_MUTATIONS.has(path));
}

/** The delay before attempt `attempts + 1`: exponential with full jitter over its upper half. */
export function retryDelay(options: RetryOptions, attempts: number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
