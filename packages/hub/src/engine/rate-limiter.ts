/** A dispatch rate: at most `limit` per `intervalMs`. */
export interface Rate {
  limit: number;
  intervalMs: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets, one per key (an Event Type of a tenant, or a tenant): a bucket holds up to `limit`
 * tokens and refills continuously at `limit` per `intervalMs`. Kept in this hub's memory, so with
 * several hubs each enforces the rate on its own dispatches.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  private bucket(key: string, rate: Rate): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: rate.limit, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(rate.limit, bucket.tokens + ((now - bucket.at) * rate.limit) / rate.intervalMs);
    bucket.at = now;
    return bucket;
  }

  /** Whole tokens available now. */
  available(key: string, rate: Rate): number {
    return Math.floor(this.bucket(key, rate).tokens);
  }

  /** Takes `n` tokens (the caller checked {@link RateLimiter.available}). */
  take(key: string, rate: Rate, n: number): void {
    this.bucket(key, rate).tokens -= n;
  }

  /** Gives back tokens taken for dispatches that did not happen. */
  refund(key: string, rate: Rate, n: number): void {
    const bucket = this.bucket(key, rate);
    bucket.tokens = Math.min(rate.limit, bucket.tokens + n);
  }

  /** Milliseconds until the bucket holds one whole token. */
  msUntilToken(key: string, rate: Rate): number {
    const missing = 1 - this.bucket(key, rate).tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * rate.intervalMs) / rate.limit);
  }
}
