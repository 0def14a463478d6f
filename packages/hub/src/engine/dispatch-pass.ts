import type { EventTypeDefinition } from '@nexomatic/core';
import type { QueueGroup } from '../store/port.js';
import type { EngineContext } from './context.js';

/**
 * What one dispatch pass reads once and shares between the sinks it serves: the queue groups per
 * Sink Type (updated as events are claimed), the Event Types, the tenants' running counts.
 */
export class DispatchPass {
  private readonly groupsByKey = new Map<string, QueueGroup[]>();
  private readonly types = new Map<string, EventTypeDefinition | undefined>();
  private readonly running = new Map<string, number>();

  /**
   * @param enforcing - the tenants that enforce node auth: an unpinned sink is never given their
   *   groups (they wait for a sink pinned to them, which presented their `TENANT_SECRET`). Null
   *   when unknown: unpinned sinks then get nothing in this pass (fail closed).
   */
  constructor(
    private readonly ctx: EngineContext,
    private readonly enforcing: ReadonlySet<string> | null = new Set(),
  ) {}

  /** The groups waiting for a Sink Type (one tenant's, for a pinned sink; no enforcing tenant's, for an unpinned one). */
  async groups(sinkType: string, tenantId: string | null): Promise<QueueGroup[]> {
    if (tenantId === null && this.enforcing === null) return [];
    const key = groupsKey(sinkType, tenantId);
    let groups = this.groupsByKey.get(key);
    if (!groups) {
      groups = await this.ctx.store.events.queueGroups(sinkType, tenantId);
      this.groupsByKey.set(key, groups);
    }
    return this.available(groups, tenantId);
  }

  /**
   * Whether a sink of this Sink Type (and pinned tenant) may still find work in this pass: false
   * once its groups were read and none is left for it, true while they are unknown.
   */
  mayHaveWork(sinkType: string, tenantId: string | null): boolean {
    if (tenantId === null && this.enforcing === null) return false;
    const groups = this.groupsByKey.get(groupsKey(sinkType, tenantId));
    return !groups || groups.some((g) => this.serves(g, tenantId));
  }

  private available(groups: readonly QueueGroup[], tenantId: string | null): QueueGroup[] {
    return groups.filter((g) => this.serves(g, tenantId));
  }

  /** A group still has queued events a sink pinned to `tenantId` (or unpinned, for null) may take. */
  private serves(group: QueueGroup, tenantId: string | null): boolean {
    return group.queued > 0 && (tenantId !== null || this.enforcing?.has(group.tenantId) === false);
  }

  /** Every group read in this pass. */
  allGroups(): QueueGroup[] {
    return [...this.groupsByKey.values()].flat().filter((g) => g.queued > 0);
  }

  /** Loads the Event Types of the groups; returns the lookup. */
  async eventTypes(groups: readonly QueueGroup[]): Promise<(group: QueueGroup) => EventTypeDefinition | undefined> {
    for (const group of groups) {
      const key = `${group.tenantId}\u0000${group.eventType}`;
      if (!this.types.has(key)) {
        this.types.set(key, (await this.ctx.store.definitions.get(group.tenantId, 'eventType', group.eventType)) ?? undefined);
      }
    }
    return this.knownEventType;
  }

  /** The Event Type of a group, if this pass loaded it. */
  readonly knownEventType = (group: QueueGroup): EventTypeDefinition | undefined =>
    this.types.get(`${group.tenantId}\u0000${group.eventType}`);

  /** Running events per tenant of the groups, when a tenant limit on running events is set. */
  async tenantRunning(groups: readonly QueueGroup[]): Promise<Map<string, number>> {
    if (this.ctx.options.tenantLimits.maxRunning === undefined) return this.running;
    for (const { tenantId } of groups) {
      if (!this.running.has(tenantId)) this.running.set(tenantId, (await this.ctx.store.events.depth(tenantId)).running);
    }
    return this.running;
  }

  /** Records a claim, so later sinks in the pass see the group as it now is. */
  claimed(group: QueueGroup, count: number): void {
    group.queued -= count;
    group.running += count;
    if (this.running.has(group.tenantId)) this.running.set(group.tenantId, this.running.get(group.tenantId)! + count);
  }
}

function groupsKey(sinkType: string, tenantId: string | null): string {
  return `${sinkType}\u0000${tenantId ?? ''}`;
}
