import { createHash } from 'node:crypto';

const digest = (secret: string): string => createHash('sha256').update(secret).digest('base64url');

/**
 * Remembers recently verified secrets for a short time, so that scrypt (deliberately slow) runs
 * once per credential and minute instead of once per request. Keys are the presented secret's
 * full text, held only as a SHA-256 digest: the map never keeps a secret, and a lookup compares
 * digests, never the secret itself. Entries expire and the map is bounded.
 */
export class VerifiedCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly max = 1000,
  ) {}

  get(secret: string, now = Date.now()): V | undefined {
    const key = digest(secret);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(secret: string, value: V, now = Date.now()): void {
    const key = digest(secret);
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, until: now + this.ttlMs });
  }

  /** Forgets everything, e.g. after a credential was revoked or rotated. */
  clear(): void {
    this.entries.clear();
  }
}
