import type { CreateIndexesOptions, Db } from 'mongodb';
import { CLAIM_SHAPES, QUEUED_ONLY, claimIndexKey, claimIndexName } from './claim-query.js';

/** The collections of the store, by aggregate; each name gets the store's `collectionPrefix`. */
export const COLLECTIONS = {
  events: 'events',
  counters: 'queue_counts',
  outbox: 'completion_outbox',
  definitions: 'definitions',
  sinks: 'sinks',
  tenants: 'tenants',
  users: 'users',
  tokens: 'tokens',
  clientSecrets: 'client_secrets',
  logs: 'logs',
  logChunks: 'log_chunks',
  secrets: 'secrets',
  audit: 'audit',
} as const;

/** A collection of the store, by its key in {@link COLLECTIONS}. */
export type CollectionKey = keyof typeof COLLECTIONS;

/** One index the store creates at start. */
export interface IndexDefinition {
  collection: CollectionKey;
  key: Record<string, 1 | -1>;
  options: CreateIndexesOptions & { name: string };
  /** What it serves, for the docs and the reader. */
  serves: string;
}

const RUNNING_ONLY = { state: 'RUNNING' } as const;

/**
 * Every index of the store (documented in `docs/mongodb.md`). Each claim shape has its own partial
 * index over `QUEUED` events whose key is the claim's equality fields then its order, so a claim
 * reads in order and its cost does not grow with finished events. Lease, deadline and held-event
 * scans are partial over `RUNNING` events for the same reason.
 */
export const INDEXES: readonly IndexDefinition[] = [
  ...CLAIM_SHAPES.map(
    (shape): IndexDefinition => ({
      collection: 'events',
      key: claimIndexKey(shape),
      options: { name: claimIndexName(shape), partialFilterExpression: QUEUED_ONLY },
      serves: `claim (${shape.byTenant ? 'tenant' : 'any tenant'}, ${shape.byType ? 'one Event Type' : 'any Event Type'})`,
    }),
  ),
  { collection: 'events', key: { sinkId: 1, seq: 1 }, options: { name: 'events_held', partialFilterExpression: RUNNING_ONLY }, serves: 'held, extendLeases' },
  { collection: 'events', key: { leaseExpiresAt: 1, seq: 1 }, options: { name: 'events_lease', partialFilterExpression: RUNNING_ONLY }, serves: 'expiredLeases' },
  { collection: 'events', key: { deadlineAt: 1, seq: 1 }, options: { name: 'events_deadline', partialFilterExpression: RUNNING_ONLY }, serves: 'overdue' },
  { collection: 'events', key: { createdAt: 1 }, options: { name: 'events_queued_age', partialFilterExpression: QUEUED_ONLY }, serves: 'queuedSinkTypes (starving Sink Types)' },
  {
    collection: 'events',
    key: { tenantId: 1, idempotencyKey: 1 },
    options: { name: 'events_idempotency', unique: true, partialFilterExpression: { idempotencyKey: { $type: 'string' } } },
    serves: 'idempotency keys (unique per tenant)',
  },
  { collection: 'events', key: { tenantId: 1, seq: -1 }, options: { name: 'events_tenant' }, serves: 'event lists' },
  { collection: 'events', key: { tenantId: 1, state: 1, seq: -1 }, options: { name: 'events_tenant_state' }, serves: 'lists by state, countByState' },
  { collection: 'events', key: { tenantId: 1, eventType: 1, seq: -1 }, options: { name: 'events_tenant_type' }, serves: 'lists by Event Type' },
  { collection: 'events', key: { tenantId: 1, sourceType: 1, seq: -1 }, options: { name: 'events_tenant_source' }, serves: 'lists by Source Type' },
  { collection: 'events', key: { tenantId: 1, rootEventId: 1, seq: -1 }, options: { name: 'events_root' }, serves: 'lists by chain root' },
  { collection: 'events', key: { tenantId: 1, parentEventId: 1, seq: -1 }, options: { name: 'events_parent' }, serves: 'lists by parent' },
  { collection: 'counters', key: { sinkType: 1, tenantId: 1, eventType: 1 }, options: { name: 'queue_counts_group' }, serves: 'queueGroups' },
  { collection: 'counters', key: { tenantId: 1, eventType: 1 }, options: { name: 'queue_counts_tenant' }, serves: 'depth' },
  { collection: 'outbox', key: { createdAt: 1 }, options: { name: 'outbox_age' }, serves: 'completion outbox recovery (standalone servers)' },
  { collection: 'definitions', key: { scope: 1, kind: 1, name: 1 }, options: { name: 'definitions_list' }, serves: 'definition lists' },
  {
    collection: 'definitions',
    key: { sourceToken: 1 },
    options: { name: 'definitions_source_token', unique: true, partialFilterExpression: { sourceToken: { $type: 'string' } } },
    serves: 'findSource (a Source token is unique across tenants)',
  },
  { collection: 'sinks', key: { tenantId: 1, name: 1 }, options: { name: 'sinks_tenant' }, serves: 'sink lists' },
  { collection: 'users', key: { tenantId: 1, name: 1 }, options: { name: 'users_tenant_name', unique: true }, serves: 'user names unique per tenant, user lists' },
  { collection: 'tokens', key: { tenantId: 1, createdAt: 1 }, options: { name: 'tokens_tenant' }, serves: 'token lists' },
  { collection: 'clientSecrets', key: { sinkType: 1, createdAt: 1 }, options: { name: 'client_secrets_type' }, serves: 'client secret lists' },
  { collection: 'logs', key: { eventId: 1, attempt: 1, seq: 1 }, options: { name: 'logs_event' }, serves: 'log queries of an event' },
  { collection: 'logs', key: { tenantId: 1, time: 1, eventId: 1, attempt: 1, seq: 1 }, options: { name: 'logs_tenant_time' }, serves: 'log queries of a tenant' },
  { collection: 'logs', key: { time: 1 }, options: { name: 'logs_time' }, serves: 'archivable (retention)' },
  { collection: 'logChunks', key: { eventId: 1, attempt: 1, minSeq: 1 }, options: { name: 'log_chunks_event' }, serves: 'archived chunks of an event; archived keys refused on append' },
  { collection: 'logChunks', key: { tenantId: 1, firstTime: 1 }, options: { name: 'log_chunks_tenant_time' }, serves: 'archived chunks of a tenant' },
  { collection: 'secrets', key: { tenantId: 1, key: 1 }, options: { name: 'secrets_tenant' }, serves: 'secret lists' },
  { collection: 'secrets', key: { keyVersion: 1 }, options: { name: 'secrets_key_version' }, serves: 'notOnVersion (rotation)' },
  { collection: 'audit', key: { tenantId: 1, seq: -1 }, options: { name: 'audit_tenant' }, serves: 'audit queries' },
  { collection: 'audit', key: { tenantId: 1, target: 1, seq: -1 }, options: { name: 'audit_tenant_target' }, serves: 'audit queries by target' },
];

/** Creates every index of {@link INDEXES} (a no-op for those that exist), one `createIndexes` per collection. */
export async function ensureIndexes(db: Db, prefix: string): Promise<void> {
  const byCollection = new Map<CollectionKey, IndexDefinition[]>();
  for (const index of INDEXES) byCollection.set(index.collection, [...(byCollection.get(index.collection) ?? []), index]);
  await Promise.all(
    [...byCollection].map(([collection, indexes]) =>
      db.collection(prefix + COLLECTIONS[collection]).createIndexes(
        indexes.map((index) => ({ key: index.key, ...index.options })),
      ),
    ),
  );
}
