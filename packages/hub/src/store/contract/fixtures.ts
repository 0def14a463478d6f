import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import type { ClaimRequest, Completion, HubStore, NewEvent } from '../port.js';

/** Makes the stores the contract suite runs against. */
export interface StoreFactory {
  /** A new, open store. Stores may share data with earlier ones: the suite uses unique names. */
  create(): Promise<HubStore>;
  /** A second store on the same data as `first` (another connection or process); enables the race tests. */
  createPeer?(first: HubStore): Promise<HubStore>;
  /** A new store on the data of `closed`, which the suite has closed; enables the durability test. */
  reopen?(closed: HubStore): Promise<HubStore>;
}

/** Opens stores for one test and closes them after it. */
export interface Harness {
  readonly factory: StoreFactory;
  store(): Promise<HubStore>;
  peer(first: HubStore): Promise<HubStore>;
  reopen(closed: HubStore): Promise<HubStore>;
}

/** A harness whose stores are closed after each test of the calling `describe`. */
export function useHarness(factory: StoreFactory): Harness {
  const open: HubStore[] = [];
  afterEach(async () => {
    const stores = open.splice(0).reverse();
    for (const store of stores) await store.close();
  });
  const track = (store: HubStore): HubStore => {
    open.push(store);
    return store;
  };
  return {
    factory,
    store: async () => track(await factory.create()),
    peer: async (first) => {
      if (!factory.createPeer) throw new Error('this factory has no createPeer');
      return track(await factory.createPeer(first));
    },
    reopen: async (closed) => {
      if (!factory.reopen) throw new Error('this factory has no reopen');
      return track(await factory.reopen(closed));
    },
  };
}

/** The clock of the suite: events are created from here on, one second apart. */
export const BASE = Date.UTC(2030, 0, 1);
/** The `now` of claims: a day after {@link BASE}, later than every event's creation. */
export const NOW = new Date(BASE + 86_400_000);
/** The lease given by claims. */
export const LEASE = new Date(NOW.getTime() + 60_000);
/** The `timeoutMs` of the scenario's events unless a test says otherwise. */
export const TIMEOUT_MS = 120_000;
/** The idempotency window of the scenario's keyed events unless a test says otherwise. */
export const IDEMPOTENCY_WINDOW_MS = 86_400_000;

/** Unique names for one test, so stores that share data do not see each other's records. */
export interface Scenario {
  tenantId: string;
  otherTenantId: string;
  sinkType: string;
  sinkId: string;
  /**
   * A new event of this scenario; each is one second younger than the one before. An event given an
   * `idempotencyKey` and no `idempotencyUntil` keeps its key for {@link IDEMPOTENCY_WINDOW_MS}.
   */
  event(overrides?: Partial<NewEvent>): NewEvent;
  /** A claim request of this scenario's sink for any tenant and module. */
  claim(overrides?: Partial<ClaimRequest>): ClaimRequest;
  /** A `SUCCESS` completion of an attempt. */
  completion(eventId: string, attempt: number, overrides?: Partial<Completion>): Completion;
}

/** Unique tenant, Sink Type and sink names for one test. */
export function scenario(): Scenario {
  const tenantId = randomUUID();
  const sinkType = `T${randomUUID().slice(0, 8)}:BASE`;
  const sinkId = randomUUID();
  let tick = 0;
  return {
    tenantId,
    otherTenantId: randomUUID(),
    sinkType,
    sinkId,
    event(overrides = {}) {
      const id = overrides.id ?? randomUUID();
      tick += 1;
      const createdAt = overrides.createdAt ?? new Date(BASE + tick * 1000);
      const keyed = overrides.idempotencyKey !== undefined && overrides.idempotencyKey !== null;
      return {
        id,
        tenantId,
        eventType: 'orders.placed',
        sinkType,
        module: 'orders.process',
        payload: { orderId: id, total: 42.5, lines: [{ sku: 'A-1', qty: 2 }], note: null },
        priority: 0,
        maxAttempts: 3,
        pinnedSinkId: null,
        source: { type: 'client' },
        parentEventId: null,
        rootEventId: id,
        chainDepth: 0,
        idempotencyKey: null,
        idempotencyUntil: keyed ? new Date(createdAt.getTime() + IDEMPOTENCY_WINDOW_MS) : null,
        notBefore: null,
        timeoutMs: TIMEOUT_MS,
        rerunOf: null,
        createdAt,
        ...overrides,
      };
    },
    claim(overrides = {}) {
      return { sinkId, sinkType, tenantId: null, modules: [], limit: 100, now: NOW, leaseExpiresAt: LEASE, ...overrides };
    },
    completion(eventId, attempt, overrides = {}) {
      return {
        eventId,
        attempt,
        outcome: 'SUCCESS',
        result: { ok: true },
        error: null,
        warnings: [],
        finishedAt: new Date(NOW.getTime() + 5000),
        followOns: [],
        ...overrides,
      };
    },
  };
}

/** The ids of records, in order. */
export function ids(records: ReadonlyArray<{ id: string }>): string[] {
  return records.map((record) => record.id);
}
