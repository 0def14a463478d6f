import { createHash } from 'node:crypto';

/** The longest idempotency key an event takes (see `FireInput.idempotencyKey`). */
const MAX_KEY_LENGTH = 200;

/**
 * The idempotency key of a request to a Source: the Source's name and the sender's key (an
 * `Idempotency-Key`, a `webhook-id`, an Event Grid event id), so two Sources of one tenant never
 * share keys. A key that would be longer than an event allows is replaced by its SHA-256.
 */
export function sourceIdempotencyKey(kind: string, sourceName: string, senderKey: string): string {
  const key = `${kind}:${sourceName}:${senderKey}`;
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `${kind}:sha256:${createHash('sha256').update(key).digest('base64url')}`;
}

/** The options of a {@link ReplayCache}. */
export interface ReplayCacheOptions {
  /** Most keys remembered; the oldest are forgotten first. @default 100000 */
  maxEntries?: number;
  /** The clock, in milliseconds. @default Date.now */
  now?: () => number;
}

/**
 * Remembers, for a while, which event a signed message created, so a replay of the message within
 * its timestamp tolerance returns the same event even when the hub's idempotency window is
 * shorter than that tolerance. The store's idempotency keys are the durable, cross-hub guard; this
 * is the in-process floor under them. Bounded: past `maxEntries` the oldest keys are forgotten.
 */
export class ReplayCache {
  private readonly entries = new Map<string, { eventId: string; until: number }>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: ReplayCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** The event a key created, while it is remembered; otherwise undefined. */
  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.eventId;
  }

  /** Remembers that `key` created `eventId`, for `ttlMs`. */
  remember(key: string, eventId: string, ttlMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { eventId, until: this.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /**
   * The event a key created: the remembered one, the one a concurrent call for the same key is
   * creating, or a new one from `create` (then remembered for `ttlMs`). Concurrent replays of one
   * message thus wait for the first and share its event.
   */
  once(key: string, ttlMs: number, create: () => Promise<string>): Promise<string> {
    const known = this.get(key);
    if (known !== undefined) return Promise.resolve(known);
    const running = this.inflight.get(key);
    if (running) return running;
    const created = create()
      .then((eventId) => {
        this.remember(key, eventId, ttlMs);
        return eventId;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, created);
    return created;
  }

  /** How many keys are remembered (expired ones included until they are next read). */
  get size(): number {
    return this.entries.size;
  }
}
