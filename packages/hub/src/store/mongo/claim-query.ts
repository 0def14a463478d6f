import type { Document, Filter, Sort } from 'mongodb';
import type { ClaimRequest } from '../port.js';
import type { EventDoc } from './documents.js';

/** Which optional equality filters a claim carries; each shape has its own index. */
export interface ClaimShape {
  byTenant: boolean;
  byType: boolean;
}

/** The shape of a claim request. */
export function claimShape(request: Pick<ClaimRequest, 'tenantId' | 'eventType'>): ClaimShape {
  return { byTenant: request.tenantId !== null, byType: request.eventType !== undefined };
}

/** The claim order: higher priority first, then older (lower `seq`) first. */
export const CLAIM_SORT = { priority: -1, seq: 1 } as const satisfies Sort;

/** The partial filter of every claim index: only `QUEUED` events are in them. */
export const QUEUED_ONLY = { state: 'QUEUED' } as const;

/**
 * The key of the claim index of a shape: the equality fields (`sinkType`, then the tenant and Event
 * Type it filters by), then the claim order, then `claimableAt`, so the `notBefore` test runs on
 * the index keys without fetching delayed events.
 */
export function claimIndexKey({ byTenant, byType }: ClaimShape): Record<string, 1 | -1> {
  return {
    sinkType: 1,
    ...(byTenant ? { tenantId: 1 } : {}),
    ...(byType ? { eventType: 1 } : {}),
    ...CLAIM_SORT,
    claimableAt: 1,
  };
}

/** The name of the claim index of a shape. */
export function claimIndexName({ byTenant, byType }: ClaimShape): string {
  if (byType) return byTenant ? 'events_claim_group' : 'events_claim_type';
  return byTenant ? 'events_claim_tenant' : 'events_claim';
}

/** Every claim shape, for creating the indexes. */
export const CLAIM_SHAPES: readonly ClaimShape[] = [
  { byTenant: false, byType: false },
  { byTenant: true, byType: false },
  { byTenant: false, byType: true },
  { byTenant: true, byType: true },
];

/**
 * The claim predicate: `QUEUED` (the claim index's partial filter, literally), the Sink Type and
 * the optional tenant and Event Type (the index's equality prefix), claimable at `now`, pinned to
 * no sink or to this one, and of one of the modules when any are given. No `$or`: a pinned-or-free
 * event is `pinnedSinkId $in [null, sinkId]`, and "no `notBefore`" is a `claimableAt` at the epoch.
 */
export function claimFilter(request: ClaimRequest): Filter<EventDoc> {
  const filter: Filter<EventDoc> = { ...QUEUED_ONLY, sinkType: request.sinkType };
  if (request.tenantId !== null) filter.tenantId = request.tenantId;
  if (request.eventType !== undefined) filter.eventType = request.eventType;
  filter.claimableAt = { $lte: request.now };
  filter.pinnedSinkId = { $in: [null, request.sinkId] };
  if (request.modules.length > 0) filter.module = { $in: [...request.modules] };
  return filter;
}

/**
 * The claim update, an aggregation pipeline so that the attempt's deadline is computed from the
 * document's own `timeoutMs` in the same atomic write: `RUNNING`, `attempt + 1`, the sink, lease,
 * start time and the claim's id. Every caller value is wrapped in `$literal`, so a sink id that
 * starts with `$` is never read as a field path.
 */
export function claimUpdate(request: ClaimRequest, claimId: string): Document[] {
  const now = { $literal: request.now };
  return [
    {
      $set: {
        state: { $literal: 'RUNNING' },
        attempt: { $add: ['$attempt', 1] },
        sinkId: { $literal: request.sinkId },
        leaseExpiresAt: { $literal: request.leaseExpiresAt },
        startedAt: now,
        updatedAt: now,
        deadlineAt: { $add: [now, '$timeoutMs'] },
        claimId: { $literal: claimId },
      },
    },
  ];
}
