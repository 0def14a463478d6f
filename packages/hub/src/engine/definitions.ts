import {
  Definitions,
  NexomaticError,
  parse,
  type ActionDefinition,
  type DefinitionKind,
  type DefinitionsInput,
  type EventTypeDefinition,
} from '@nexomatic/core';
import { PLATFORM_SCOPE, type DefinitionSpec, type HubStore } from '../store/port.js';
import type { AuditLog } from './audit.js';

/** What `apply` did to each definition. */
export interface ApplySummary {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/** An Event Type with the Action it runs. */
export interface Runnable {
  eventType: EventTypeDefinition;
  action: ActionDefinition;
}

/** Event Types, Actions and Sink Types: validated, cross-checked, stored; changes audited. */
export class DefinitionService {
  constructor(
    private readonly store: HubStore,
    private readonly audit?: AuditLog,
  ) {}

  /**
   * Upserts definitions idempotently: unchanged definitions are left alone. Every reference
   * (an Event Type's Sink Type and Action, an Action's `onSuccess` / `onFailure`) must resolve,
   * among these definitions or those stored, or nothing is applied. An apply that created or
   * updated anything is recorded in the audit log (`apply` on `definition`, as `subject`).
   */
  async apply(tenantId: string, input: DefinitionsInput, subject = 'hub'): Promise<ApplySummary> {
    const defs = parse(Definitions, input, 'definitions');
    await this.checkReferences(tenantId, defs);
    const summary: ApplySummary = { created: [], updated: [], unchanged: [] };
    const now = new Date();
    const write = async (scope: string, kind: DefinitionKind, spec: DefinitionSpec) => {
      const outcome = await this.store.definitions.upsert(scope, kind, spec, now);
      summary[outcome].push(`${kind}:${spec.name}`);
    };
    for (const spec of defs.sinkTypes) await write(PLATFORM_SCOPE, 'sinkType', spec);
    for (const spec of defs.actions) await write(tenantId, 'action', spec);
    for (const spec of defs.eventTypes) await write(tenantId, 'eventType', spec);
    const changed = [...summary.created, ...summary.updated];
    if (changed.length > 0) {
      const name = changed.join(', ');
      await this.audit?.record({ tenantId, subject }, 'apply', 'definition', name.length > 200 ? `${name.slice(0, 197)}...` : name, {
        created: summary.created,
        updated: summary.updated,
        unchanged: summary.unchanged.length,
      });
    }
    return summary;
  }

  private async checkReferences(tenantId: string, defs: Definitions): Promise<void> {
    const problems: string[] = [];
    const has = async (kind: 'eventType' | 'action' | 'sinkType', name: string, local: ReadonlyArray<{ name: string }>) =>
      local.some((d) => d.name === name) ||
      (await this.store.definitions.get(kind === 'sinkType' ? PLATFORM_SCOPE : tenantId, kind as 'action', name)) !== null;
    for (const [i, et] of defs.eventTypes.entries()) {
      if (!(await has('sinkType', et.sinkType, defs.sinkTypes)))
        problems.push(`eventTypes[${i}].sinkType: no Sink Type named "${et.sinkType}"`);
      if (!(await has('action', et.action, defs.actions)))
        problems.push(`eventTypes[${i}].action: no Action named "${et.action}"`);
    }
    for (const [i, action] of defs.actions.entries()) {
      for (const field of ['onSuccess', 'onFailure'] as const) {
        const target = action[field];
        if (target && !(await has('eventType', target, defs.eventTypes)))
          problems.push(`actions[${i}].${field}: no Event Type named "${target}"`);
      }
    }
    if (problems.length > 0) {
      throw new NexomaticError('VALIDATION', `invalid definitions: ${problems.join('; ')}`, {
        details: { fields: problems.map((p) => p.split(':')[0]) },
      });
    }
  }

  /** The Event Type and its Action, or a `NOT_FOUND` error naming what is missing. */
  async runnable(tenantId: string, eventTypeName: string): Promise<Runnable> {
    const eventType = await this.store.definitions.get(tenantId, 'eventType', eventTypeName);
    if (!eventType) throw new NexomaticError('NOT_FOUND', `no Event Type named "${eventTypeName}"`);
    const action = await this.store.definitions.get(tenantId, 'action', eventType.action);
    if (!action) throw new NexomaticError('NOT_FOUND', `Event Type "${eventTypeName}" names a missing Action "${eventType.action}"`);
    return { eventType, action };
  }

  /** Every stored definition of a kind, for a tenant (Sink Types are the platform's). */
  list(tenantId: string, kind: DefinitionKind): Promise<DefinitionSpec[]> {
    return this.store.definitions.list(kind === 'sinkType' ? PLATFORM_SCOPE : tenantId, kind);
  }
}
