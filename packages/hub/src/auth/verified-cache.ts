/**
 * Remembers recently verified secrets for a short time, so that scrypt (deliberately slow) runs
 * once per credential and minute instead of once per request. Keys are the presented secret's
 * full text; entries expire and the map is bounded.
 */
export class VerifiedCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly max = 1000,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, now = Date.now()): void {
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
