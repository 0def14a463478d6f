import {
  Definitions,
  NexomaticError,
  parse,
  type ActionDefinition,
  type DefinitionKind,
  type DefinitionsInput,
  type EventTypeDefinition,
  type SourceDefinition,
} from '@nexomatic/core';
import { randomBytes } from 'node:crypto';
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

/** Told after a definition was created or updated (or removed) through this hub. */
export type DefinitionListener = (tenantId: string, kind: DefinitionKind, name: string) => void;

/** A new unguessable Source URL token. */
export function newSourceToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Event Types, Actions, Sink Types, Sources and Schedules: validated, cross-checked, stored; changes audited. */
export class DefinitionService {
  private readonly listeners = new Set<DefinitionListener>();

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
      if (outcome !== 'unchanged') for (const listener of this.listeners) listener(tenantId, kind, spec.name);
    };
    for (const spec of defs.sinkTypes) await write(PLATFORM_SCOPE, 'sinkType', spec);
    for (const spec of defs.actions) await write(tenantId, 'action', spec);
    for (const spec of defs.eventTypes) await write(tenantId, 'eventType', spec);
    for (const spec of defs.sources) await write(tenantId, 'source', await this.withToken(tenantId, spec));
    for (const spec of defs.schedules) await write(tenantId, 'schedule', spec);
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

  /** Calls `listener` after every definition this hub creates, updates or removes; returns an unsubscribe. */
  onChange(listener: DefinitionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A Source keeps the token it was given when first created; a new Source gets a new one. */
  private async withToken(tenantId: string, spec: SourceDefinition): Promise<SourceDefinition> {
    if (spec.token !== undefined) return spec;
    const stored = await this.store.definitions.get(tenantId, 'source', spec.name);
    return { ...spec, token: stored?.token ?? newSourceToken() };
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
    for (const [i, source] of defs.sources.entries()) {
      const targets = [...source.eventTypes, ...source.routes.map((r) => r.eventType)];
      for (const target of new Set(targets))
        if (!(await has('eventType', target, defs.eventTypes)))
          problems.push(`sources[${i}].eventTypes: no Event Type named "${target}"`);
    }
    for (const [i, schedule] of defs.schedules.entries()) {
      if (!(await has('eventType', schedule.eventType, defs.eventTypes)))
        problems.push(`schedules[${i}].eventType: no Event Type named "${schedule.eventType}"`);
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
