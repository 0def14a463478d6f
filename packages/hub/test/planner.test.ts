import { describe, expect, it } from 'vitest';
import { EventTypeDefinition, type Limits } from '@nexomatic/core';
import { plan, refund } from '../src/engine/planner.js';
import { RateLimiter } from '../src/engine/rate-limiter.js';
import type { QueueGroup } from '../src/store/port.js';

const group = (tenantId: string, eventType: string, queued: number, extra: Partial<QueueGroup> = {}): QueueGroup => ({
  tenantId,
  eventType,
  queued,
  running: 0,
  topPriority: 0,
  ...extra,
});
const type = (name: string, limits: Limits = {}) => EventTypeDefinition.parse({ name, sinkType: 'S', action: 'a', limits });

function run(groups: QueueGroup[], credits: number, types: Record<string, Limits> = {}, tenantLimits: Limits = {}, limiter = new RateLimiter(), turn = 0) {
  const defs = new Map(Object.entries(types).map(([name, limits]) => [name, type(name, limits)]));
  const allocations = plan({
    groups,
    credits,
    eventType: (g) => defs.get(g.eventType) ?? type(g.eventType),
    tenantRunning: new Map(),
    tenantLimits,
    limiter,
    turn,
  });
  return Object.fromEntries(allocations.map((a) => [`${a.group.tenantId}/${a.group.eventType}`, a.count]));
}

describe('the dispatch planner', () => {
  it('shares credits evenly between tenants, however large one backlog is', () => {
    expect(run([group('a', 'x', 10_000), group('b', 'x', 3)], 4)).toEqual({ 'a/x': 2, 'b/x': 2 });
    expect(run([group('a', 'x', 10_000), group('b', 'x', 1)], 4)).toEqual({ 'a/x': 3, 'b/x': 1 });
  });

  it('shares a tenant’s credits evenly between its Event Types', () => {
    expect(run([group('a', 'big', 500), group('a', 'small', 500)], 6)).toEqual({ 'a/big': 3, 'a/small': 3 });
  });

  it('rotates who goes first between passes, so an odd credit does not always go to the same tenant', () => {
    const first = run([group('a', 'x', 9), group('b', 'x', 9)], 1, {}, {}, new RateLimiter(), 0);
    const second = run([group('a', 'x', 9), group('b', 'x', 9)], 1, {}, {}, new RateLimiter(), 1);
    expect(Object.keys(first)).not.toEqual(Object.keys(second));
  });

  it('serves higher priority tiers first and gives lower tiers only what is left', () => {
    const groups = [group('a', 'urgent', 2, { topPriority: 10 }), group('b', 'bulk', 100)];
    expect(run(groups, 5)).toEqual({ 'a/urgent': 2, 'b/bulk': 3 });
  });

  it('never exceeds an Event Type’s maxRunning headroom', () => {
    expect(run([group('a', 'x', 50, { running: 3 })], 10, { x: { maxRunning: 5 } })).toEqual({ 'a/x': 2 });
    expect(run([group('a', 'x', 50, { running: 5 })], 10, { x: { maxRunning: 5 } })).toEqual({});
  });

  it('takes rate tokens for what it allocates, and a refund gives them back', () => {
    const limiter = new RateLimiter(() => 1_000);
    const limits = { x: { rate: { limit: 3, intervalMs: 60_000 } } };
    const g = group('a', 'x', 50);
    expect(run([g], 10, limits, {}, limiter)).toEqual({ 'a/x': 3 });
    expect(run([g], 10, limits, {}, limiter)).toEqual({});
    refund(g, 2, type('x', limits.x), {}, limiter);
    expect(run([g], 10, limits, {}, limiter)).toEqual({ 'a/x': 2 });
  });

  it('applies tenant limits across the tenant’s Event Types', () => {
    expect(run([group('a', 'x', 10), group('a', 'y', 10), group('b', 'x', 10)], 9, {}, { rate: { limit: 2, intervalMs: 60_000 } })).toEqual({
      'a/x': 1,
      'a/y': 1,
      'b/x': 2,
    });
  });
});

describe('the rate limiter', () => {
  it('refills continuously up to its limit', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const rate = { limit: 10, intervalMs: 1000 };
    expect(limiter.available('k', rate)).toBe(10);
    limiter.take('k', rate, 10);
    expect(limiter.available('k', rate)).toBe(0);
    expect(limiter.msUntilToken('k', rate)).toBe(100);
    now = 350;
    expect(limiter.available('k', rate)).toBe(3);
    now = 10_000;
    expect(limiter.available('k', rate)).toBe(10);
  });
});
