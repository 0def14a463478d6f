import type { HubStore } from '../store/port.js';

/**
 * The ids of the tenants that enforce node auth, which unpinned sinks never serve. Read from the
 * store at most once per `ttlMs` (so a change made by another hub instance is seen within it), and
 * at once after {@link EnforcingTenants.invalidate}, which this hub calls when a tenant changes.
 */
export class EnforcingTenants {
  private cached: { ids: ReadonlySet<string>; until: number } | null = null;
  private loading: Promise<ReadonlySet<string>> | null = null;
  /** Bumped by every invalidation, so a read under way then does not refill the cache. */
  private generation = 0;

  constructor(
    private readonly store: HubStore,
    private readonly ttlMs = 2_000,
  ) {}

  /** The enforcing tenants' ids. */
  async get(now = Date.now()): Promise<ReadonlySet<string>> {
    if (this.cached && this.cached.until > now) return this.cached.ids;
    if (!this.loading) {
      const loading = this.load(now).finally(() => {
        if (this.loading === loading) this.loading = null;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  /** Forgets the cached set; the next {@link EnforcingTenants.get} reads the store. */
  invalidate(): void {
    this.cached = null;
    this.loading = null;
    this.generation++;
  }

  private async load(now: number): Promise<ReadonlySet<string>> {
    const generation = this.generation;
    const ids = new Set((await this.store.identities.listTenants()).filter((t) => t.enforceNodeAuth).map((t) => t.id));
    if (generation === this.generation) this.cached = { ids, until: now + this.ttlMs };
    return ids;
  }
}
