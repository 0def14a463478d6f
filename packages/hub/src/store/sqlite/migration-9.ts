/**
 * Schema version 9: fewer indexes for every new event to maintain (see `bench/README.md`).
 *
 * - The engine claims one queue group at a time (Sink Type, tenant, Event Type), through
 *   `events_claim_group`; the three other claim indexes only served claim shapes the engine never
 *   makes. Those shapes still work, through `events_claim_group` and a sort (see `claim.ts`).
 * - `events_parent` keeps only events that have a parent: a lookup by parent never asks for NULL,
 *   and most events (every one a client, webhook or schedule fires) have none.
 *
 * Each index costs every insert, and the claim indexes every claim too, an entry to write and
 * pages to commit.
 */
export const MIGRATION_9 = `
  DROP INDEX events_claim;
  DROP INDEX events_claim_tenant;
  DROP INDEX events_claim_type;
  DROP INDEX events_parent;
  CREATE INDEX events_parent ON events (parent_event_id, seq) WHERE parent_event_id IS NOT NULL;
`;
