import type { EventTypeDefinition, Limits } from '@nexomatic/core';
import type { QueueGroup } from '../store/port.js';
import type { RateLimiter } from './rate-limiter.js';

/** How many events to claim from one group in this pass. */
export interface Allocation {
  group: QueueGroup;
  count: number;
}

/** What the planner needs to know beyond the groups. */
export interface PlanInput {
  groups: readonly QueueGroup[];
  credits: number;
  eventType: (group: QueueGroup) => EventTypeDefinition | undefined;
  /** Running events per tenant (all its Event Types). */
  tenantRunning: ReadonlyMap<string, number>;
  tenantLimits: Limits;
  limiter: RateLimiter;
  /** Rotates who goes first, so no tenant or Event Type is always served first. */
  turn: number;
}

const typeKey = (g: QueueGroup) => `type:${g.tenantId}:${g.eventType}`;
const tenantKey = (tenantId: string) => `tenant:${tenantId}`;

/** How many more events of a group may start now under its Event Type's limits. */
function groupAllowance(group: QueueGroup, eventType: EventTypeDefinition | undefined, limiter: RateLimiter): number {
  let allowance = group.queued;
  const limits = eventType?.limits;
  if (limits?.maxRunning !== undefined) allowance = Math.min(allowance, limits.maxRunning - group.running);
  if (limits?.rate) allowance = Math.min(allowance, limiter.available(typeKey(group), limits.rate));
  return Math.max(0, allowance);
}

/**
 * Shares a sink's free credits among the (tenant, Event Type) groups waiting for it:
 *
 * 1. **Limits.** A group gets no more than its Event Type's `maxRunning` headroom and rate tokens;
 *    a tenant no more than its own `maxRunning` headroom and rate tokens.
 * 2. **Priority.** Groups are served by tiers of their highest queued priority: a lower tier gets
 *    credits only when the higher tiers cannot use them.
 * 3. **Fairness.** Within a tier, credits go one at a time round-robin across tenants, and within a
 *    tenant round-robin across its Event Types, so one backlog cannot starve another.
 *
 * Rate tokens are taken for what is allocated; the caller refunds what it could not claim.
 */
export function plan(input: PlanInput): Allocation[] {
  const { limiter, tenantLimits } = input;
  const allowance = new Map<QueueGroup, number>();
  for (const group of input.groups) allowance.set(group, groupAllowance(group, input.eventType(group), limiter));
  const tenantAllowance = new Map<string, number>();
  for (const group of input.groups) {
    if (tenantAllowance.has(group.tenantId)) continue;
    let left = Number.POSITIVE_INFINITY;
    if (tenantLimits.maxRunning !== undefined) left = tenantLimits.maxRunning - (input.tenantRunning.get(group.tenantId) ?? 0);
    if (tenantLimits.rate) left = Math.min(left, limiter.available(tenantKey(group.tenantId), tenantLimits.rate));
    tenantAllowance.set(group.tenantId, Math.max(0, left));
  }

  const allocated = new Map<QueueGroup, number>();
  let credits = input.credits;
  const tiers = [...new Set(input.groups.map((g) => g.topPriority))].sort((a, b) => b - a);
  for (const tier of tiers) {
    if (credits <= 0) break;
    // tenant -> its groups in this tier, both rotated by turn
    const byTenant = new Map<string, QueueGroup[]>();
    for (const group of input.groups.filter((g) => g.topPriority === tier)) {
      byTenant.set(group.tenantId, [...(byTenant.get(group.tenantId) ?? []), group]);
    }
    const tenants = rotate([...byTenant.keys()].sort(), input.turn);
    const cursor = new Map<string, number>(tenants.map((t) => [t, input.turn]));
    let progress = true;
    while (credits > 0 && progress) {
      progress = false;
      for (const tenantId of tenants) {
        if (credits <= 0) break;
        if ((tenantAllowance.get(tenantId) ?? 0) <= 0) continue;
        const groups = byTenant.get(tenantId)!;
        for (let tries = 0; tries < groups.length; tries++) {
          const index = cursor.get(tenantId)! % groups.length;
          cursor.set(tenantId, index + 1);
          const group = groups[index]!;
          if ((allowance.get(group) ?? 0) <= 0) continue;
          allowance.set(group, allowance.get(group)! - 1);
          tenantAllowance.set(tenantId, tenantAllowance.get(tenantId)! - 1);
          allocated.set(group, (allocated.get(group) ?? 0) + 1);
          credits--;
          progress = true;
          break;
        }
      }
    }
  }

  const allocations = [...allocated].map(([group, count]) => ({ group, count }));
  for (const { group, count } of allocations) {
    const rate = input.eventType(group)?.limits.rate;
    if (rate) limiter.take(typeKey(group), rate, count);
    if (tenantLimits.rate) limiter.take(tenantKey(group.tenantId), tenantLimits.rate, count);
  }
  return allocations;
}

/** Gives back the rate tokens of allocated events that were not claimed. */
export function refund(group: QueueGroup, count: number, eventType: EventTypeDefinition | undefined, tenantLimits: Limits, limiter: RateLimiter): void {
  if (count <= 0) return;
  const rate = eventType?.limits.rate;
  if (rate) limiter.refund(typeKey(group), rate, count);
  if (tenantLimits.rate) limiter.refund(tenantKey(group.tenantId), tenantLimits.rate, count);
}

/** Milliseconds until a rate-limited group could start another event (0 when none waits on a rate). */
export function nextRateWindow(groups: readonly QueueGroup[], eventType: PlanInput['eventType'], tenantLimits: Limits, limiter: RateLimiter): number {
  let soonest = 0;
  for (const group of groups) {
    const rate = eventType(group)?.limits.rate;
    const waits = [
      rate ? limiter.msUntilToken(typeKey(group), rate) : 0,
      tenantLimits.rate ? limiter.msUntilToken(tenantKey(group.tenantId), tenantLimits.rate) : 0,
    ].filter((ms) => ms > 0);
    for (const ms of waits) soonest = soonest === 0 ? ms : Math.min(soonest, ms);
  }
  return soonest;
}

/**
 * The groups a plan left queued events of, while the sink still had free credits, because a rate
 * limit had no token: each with the limit that bound (the Event Type's first, then the tenant's).
 */
export function rateLimited(
  input: Pick<PlanInput, 'groups' | 'credits' | 'eventType' | 'tenantLimits' | 'limiter'>,
  allocations: readonly Allocation[],
): Array<{ group: QueueGroup; limit: 'event_type' | 'tenant' }> {
  const allocated = new Map(allocations.map((a) => [a.group, a.count]));
  if (allocations.reduce((n, a) => n + a.count, 0) >= input.credits) return [];
  const limited: Array<{ group: QueueGroup; limit: 'event_type' | 'tenant' }> = [];
  for (const group of input.groups) {
    if ((allocated.get(group) ?? 0) >= group.queued) continue;
    const rate = input.eventType(group)?.limits.rate;
    const tenantRate = input.tenantLimits.rate;
    if (rate && input.limiter.available(typeKey(group), rate) < 1) limited.push({ group, limit: 'event_type' });
    else if (tenantRate && input.limiter.available(tenantKey(group.tenantId), tenantRate) < 1) limited.push({ group, limit: 'tenant' });
  }
  return limited;
}

function rotate<T>(items: T[], turn: number): T[] {
  if (items.length === 0) return items;
  const k = turn % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
