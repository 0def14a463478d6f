import {
  Definitions,
  NexomaticError,
  parse,
  type ActionDefinition,
  type DefinitionKind,
  type DefinitionsInput,
  type EventTypeDefinition,
  type SourceDefinition,
  type SourceType,
} from '@nexomatic/core';
import { randomBytes } from 'node:crypto';
import { PLATFORM_SCOPE, type DefinitionSpec, type HubStore } from '../store/port.js';
import type { AuditLog } from './audit.js';
import { APPLY_ORDER, comparable, emptyDiff, fieldChanges, type DefinitionsDiff } from './definitions-diff.js';

/** What `apply` did to each definition (each as `kind:name`). */
export interface ApplySummary {
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Removed by a prune: stored, but absent from the applied definitions. */
  removed: string[];
}

/** How to apply (or diff) definitions. */
export interface ApplyOptions {
  /**
   * Also remove stored definitions absent from the input, so the tenant's definitions become
   * exactly the input. A Sink Type other tenants' Event Types use is kept. @default false
   */
  prune?: boolean;
}

/** Where the definitions of each kind live in a {@link Definitions} input. */
const FIELD: Record<DefinitionKind, keyof Definitions> = {
  sinkType: 'sinkTypes',
  action: 'actions',
  eventType: 'eventTypes',
  source: 'sources',
  schedule: 'schedules',
};

/** An Event Type with the Action it runs. */
export interface Runnable {
  eventType: EventTypeDefinition;
  action: ActionDefinition;
}

/**
 * How long {@link DefinitionService.runnable} trusts a cached Event Type and Action, in
 * milliseconds: changes made through this hub invalidate the cache at once; this bounds how long a
 * change made by another hub on the same store goes unseen.
 */
export const RUNNABLE_TTL_MS = 1000;

/** Told after a definition was created or updated (or removed) through this hub. */
export type DefinitionListener = (tenantId: string, kind: DefinitionKind, name: string) => void;

/** A new unguessable Source URL token. */
export function newSourceToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Event Types, Actions, Sink Types, Sources and Schedules: validated, cross-checked, stored; changes audited. */
export class DefinitionService {
  private readonly listeners = new Set<DefinitionListener>();
  /** Runnables read recently, by tenant and Event Type name (see {@link RUNNABLE_TTL_MS}). */
  private readonly runnables = new Map<string, { runnable: Runnable; until: number }>();
  /** Bumped by every change, so a read that raced a change is not cached. */
  private generation = 0;

  constructor(
    private readonly store: HubStore,
    private readonly audit?: AuditLog,
  ) {
    // Any change through this hub may change what an Event Type runs: forget every cached runnable.
    this.listeners.add(() => {
      this.runnables.clear();
      this.generation++;
    });
  }

  /**
   * Upserts definitions idempotently: unchanged definitions are left alone. Every reference
   * (an Event Type's Sink Type and Action, an Action's `onSuccess` / `onFailure`) must resolve,
   * among these definitions or those stored, or nothing is applied. An apply that created or
   * updated anything is recorded in the audit log (`apply` on `definition`, as `subject`).
   *
   * With `prune`, stored definitions absent from the input are removed afterwards (each audited as
   * `remove`, and told to the `onChange` listeners), and every reference must resolve among the
   * input alone.
   */
  async apply(tenantId: string, input: DefinitionsInput, subject = 'hub', options: ApplyOptions = {}): Promise<ApplySummary> {
    const prune = options.prune === true;
    const defs = parse(Definitions, input, 'definitions');
    await this.checkReferences(tenantId, defs, prune);
    const summary: ApplySummary = { created: [], updated: [], unchanged: [], removed: [] };
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
    if (prune) await this.prune(tenantId, defs, subject, summary);
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

  /**
   * What {@link apply} with the same input and options would do, per kind: created, updated (with
   * each changing field), unchanged and removed. Changes nothing. A Source's hub-made `token` is not
   * compared. The input is validated (fields and references) exactly as `apply` validates it.
   */
  async diff(tenantId: string, input: DefinitionsInput, options: ApplyOptions = {}): Promise<DefinitionsDiff> {
    const prune = options.prune === true;
    const defs = parse(Definitions, input, 'definitions');
    await this.checkReferences(tenantId, defs, prune);
    const diff = emptyDiff();
    for (const kind of APPLY_ORDER) {
      const into = diff.kinds[kind];
      for (const spec of defs[FIELD[kind]] as DefinitionSpec[]) {
        const stored = await this.store.definitions.get(scopeOf(tenantId, kind), kind as 'action', spec.name);
        if (!stored) {
          into.created.push(spec.name);
          continue;
        }
        const changes = fieldChanges(comparable(kind, stored), comparable(kind, spec));
        if (changes.length === 0) into.unchanged.push(spec.name);
        else into.updated.push({ name: spec.name, changes });
      }
    }
    const absent = await this.absent(tenantId, defs);
    for (const { kind, name, keptBecause } of absent) {
      if (!prune) diff.kinds[kind].extra.push(name);
      else if (keptBecause) diff.kept.push({ kind, name, reason: keptBecause });
      else diff.kinds[kind].removed.push(name);
    }
    diff.changed = APPLY_ORDER.some((kind) => {
      const k = diff.kinds[kind];
      return k.created.length + k.updated.length + k.removed.length > 0;
    });
    return diff;
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

  /**
   * Stored definitions of the tenant (and Sink Types of the platform) absent from `defs`, in the
   * order a prune removes them; a Sink Type another tenant's Event Type uses says why it stays.
   */
  private async absent(tenantId: string, defs: Definitions): Promise<Array<{ kind: DefinitionKind; name: string; keptBecause?: string }>> {
    const found: Array<{ kind: DefinitionKind; name: string; keptBecause?: string }> = [];
    for (const kind of [...APPLY_ORDER].reverse()) {
      const wanted = new Set((defs[FIELD[kind]] as DefinitionSpec[]).map((d) => d.name));
      const stored = await this.store.definitions.list(scopeOf(tenantId, kind), kind);
      const missing = stored.filter((d) => !wanted.has(d.name)).map((d) => d.name);
      if (missing.length === 0) continue;
      const usedElsewhere = kind === 'sinkType' ? await this.sinkTypesOfOtherTenants(tenantId) : new Set<string>();
      for (const name of missing) {
        if (usedElsewhere.has(name)) found.push({ kind, name, keptBecause: 'Event Types of other tenants use this Sink Type' });
        else found.push({ kind, name });
      }
    }
    return found;
  }

  /** The Sink Types named by Event Types of every tenant but `tenantId` (Sink Types are shared). */
  private async sinkTypesOfOtherTenants(tenantId: string): Promise<Set<string>> {
    const used = new Set<string>();
    for (const tenant of await this.store.identities.listTenants()) {
      if (tenant.id === tenantId) continue;
      for (const et of (await this.store.definitions.list(tenant.id, 'eventType')) as EventTypeDefinition[]) used.add(et.sinkType);
    }
    return used;
  }

  /** Removes what {@link absent} finds (not what it keeps), audits and tells the listeners. */
  private async prune(tenantId: string, defs: Definitions, subject: string, summary: ApplySummary): Promise<void> {
    for (const { kind, name, keptBecause } of await this.absent(tenantId, defs)) {
      if (keptBecause) continue;
      if (!(await this.store.definitions.remove(scopeOf(tenantId, kind), kind, name))) continue;
      summary.removed.push(`${kind}:${name}`);
      for (const listener of this.listeners) listener(tenantId, kind, name);
      await this.audit?.record({ tenantId, subject }, 'remove', 'definition', `${kind}:${name}`);
    }
  }

  /** Every reference must resolve among `defs`, or (without `prune`) among the stored definitions. */
  private async checkReferences(tenantId: string, defs: Definitions, prune = false): Promise<void> {
    const problems: string[] = [];
    const has = async (kind: 'eventType' | 'action' | 'sinkType', name: string, local: ReadonlyArray<{ name: string }>) =>
      local.some((d) => d.name === name) ||
      (!prune && (await this.store.definitions.get(scopeOf(tenantId, kind), kind as 'action', name)) !== null);
    for (const [i, et] of defs.eventTypes.entries()) {
      if (!(await has('sinkType', et.sinkType, defs.sinkTypes)))
        problems.push(`eventTypes[${i}].sinkType: no Sink Type named "${et.sinkType}"`);
      if (!(await has('action', et.action, defs.actions)))
        problems.push(`eventTypes[${i}].action: no Action named "${et.action}"`);
    }
    const eventType = async (name: string): Promise<EventTypeDefinition | null> =>
      defs.eventTypes.find((d) => d.name === name) ??
      (prune ? null : await this.store.definitions.get(tenantId, 'eventType', name));
    // A Source or Schedule may fire only Event Types that exist and allow its Source Type.
    const checkFires = async (field: string, name: string, sourceType: SourceType) => {
      const target = await eventType(name);
      if (!target) problems.push(`${field}: no Event Type named "${name}"`);
      else if (!target.sourceTypes.includes(sourceType))
        problems.push(`${field}: Event Type "${name}" does not allow Source Type "${sourceType}"`);
    };
    for (const [i, source] of defs.sources.entries()) {
      const targets = [...source.eventTypes, ...source.routes.map((r) => r.eventType)];
      for (const target of new Set(targets)) await checkFires(`sources[${i}].eventTypes`, target, source.type);
    }
    for (const [i, schedule] of defs.schedules.entries()) {
      await checkFires(`schedules[${i}].eventType`, schedule.eventType, 'scheduler');
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

  /**
   * The Event Type and its Action, or a `NOT_FOUND` error naming what is missing. Read through a
   * short-lived cache (the dispatch path asks per event): a change through this hub is seen at
   * once, one through another hub within {@link RUNNABLE_TTL_MS}. Treat the result as read-only.
   */
  async runnable(tenantId: string, eventTypeName: string): Promise<Runnable> {
    const key = `${tenantId}\u0000${eventTypeName}`;
    const now = Date.now();
    const cached = this.runnables.get(key);
    if (cached && cached.until > now) return cached.runnable;
    const generation = this.generation;
    const runnable = await this.readRunnable(tenantId, eventTypeName);
    if (generation !== this.generation) return runnable;
    if (this.runnables.size >= 10_000) this.runnables.clear();
    this.runnables.set(key, { runnable, until: now + RUNNABLE_TTL_MS });
    return runnable;
  }

  /** {@link runnable} from the store, uncached. */
  private async readRunnable(tenantId: string, eventTypeName: string): Promise<Runnable> {
    const eventType = await this.store.definitions.get(tenantId, 'eventType', eventTypeName);
    if (!eventType) throw new NexomaticError('NOT_FOUND', `no Event Type named "${eventTypeName}"`);
    const action = await this.store.definitions.get(tenantId, 'action', eventType.action);
    if (!action) throw new NexomaticError('NOT_FOUND', `Event Type "${eventTypeName}" names a missing Action "${eventType.action}"`);
    return { eventType, action };
  }

  /** Every stored definition of a kind, for a tenant (Sink Types are the platform's). */
  list(tenantId: string, kind: DefinitionKind): Promise<DefinitionSpec[]> {
    return this.store.definitions.list(scopeOf(tenantId, kind), kind);
  }
}

/** Where definitions of a kind are stored: Sink Types belong to the platform, the rest to the tenant. */
function scopeOf(tenantId: string, kind: DefinitionKind): string {
  return kind === 'sinkType' ? PLATFORM_SCOPE : tenantId;
}
