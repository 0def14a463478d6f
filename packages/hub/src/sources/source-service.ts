import { timingSafeEqual } from 'node:crypto';
import { NexomaticError, type EventGridRoute, type SourceDefinition, type WebhookSignature } from '@nexomatic/core';
import { ReplayCache } from '@nexomatic/sources';
import type { Actor, AuditLog } from '../engine/audit.js';
import { newSourceToken } from '../engine/definitions.js';
import type { HubStore } from '../store/port.js';
import type { Vault } from '../vault/cipher.js';

/** A Source as the API shows it: its definition and where it is reached. */
export interface SourceView {
  name: string;
  type: SourceDefinition['type'];
  enabled: boolean;
  eventTypes: string[];
  description: string | null;
  signature: WebhookSignature | null;
  routes: EventGridRoute[];
  sharedKeySecret: string | null;
  /** The URL token; null for a `Viewer` (a token is a credential that fires events). */
  token: string | null;
  /**
   * Its paths on the hub (base path included): a webhook's `hooks/<token>` (which fires the first
   * Event Type) then `hooks/<token>/<eventType>` for each when it has several; an Event Grid
   * Source's `eventgrid/<token>`. Empty for a `Viewer`.
   */
  paths: string[];
}

/** A Source found by its URL token, with its tenant. */
export interface FoundSource {
  tenantId: string;
  source: SourceDefinition;
}

/** True when two strings are equal, in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The hub's side of Sources: finds a Source by its URL token, reads the Secrets it verifies
 * requests with, lists Sources with their paths, and rotates tokens (audited).
 */
export class SourceService {
  /** Signed messages already fired, by idempotency key (replays within the timestamp tolerance). */
  readonly replays = new ReplayCache();

  constructor(
    private readonly store: HubStore,
    private readonly vault: Vault,
    private readonly audit: AuditLog,
    private readonly basePath: string,
  ) {}

  /** The enabled Source of a type whose token this is; null for any other token (unknown, disabled, another type). */
  async find(token: string, type: SourceDefinition['type']): Promise<FoundSource | null> {
    if (token.length < 16 || token.length > 200) return null;
    const found = await this.store.definitions.findSource(token);
    if (!found || !found.source.enabled || found.source.type !== type) return null;
    return found;
  }

  /** The values of the tenant's Secrets under `keys`, skipping keys that do not exist. */
  async secretValues(tenantId: string, keys: readonly string[]): Promise<string[]> {
    const values: string[] = [];
    for (const key of keys) {
      const secret = await this.store.secrets.get(tenantId, key);
      if (secret) values.push(this.vault.open(secret));
    }
    return values;
  }

  /** The paths a Source is reached at (see {@link SourceView.paths}). */
  pathsOf(source: SourceDefinition): string[] {
    if (!source.token) return [];
    if (source.type === 'eventgrid') return [`${this.basePath}eventgrid/${source.token}`];
    const bare = `${this.basePath}hooks/${source.token}`;
    return source.eventTypes.length === 1 ? [bare] : [bare, ...source.eventTypes.map((name) => `${bare}/${encodeURIComponent(name)}`)];
  }

  /** A Source as the API shows it; without `showToken`, its token and paths are left out. */
  view(source: SourceDefinition, showToken: boolean): SourceView {
    return {
      name: source.name,
      type: source.type,
      enabled: source.enabled,
      eventTypes: source.eventTypes,
      description: source.description ?? null,
      signature: source.signature ?? null,
      routes: source.routes,
      sharedKeySecret: source.sharedKeySecret ?? null,
      token: showToken ? (source.token ?? null) : null,
      paths: showToken ? this.pathsOf(source) : [],
    };
  }

  /** The tenant's Sources, by name. */
  async list(tenantId: string, showTokens: boolean): Promise<SourceView[]> {
    const sources = (await this.store.definitions.list(tenantId, 'source')) as SourceDefinition[];
    return sources.map((source) => this.view(source, showTokens)).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Gives a Source a new URL token: the old URL answers 404 at once. Audited (`rotate-token` on
   * `source`). `NOT_FOUND` for a Source the tenant does not have.
   */
  async rotateToken(actor: Actor, name: string): Promise<SourceView> {
    const source = await this.store.definitions.get(actor.tenantId, 'source', name);
    if (!source) throw new NexomaticError('NOT_FOUND', `no Source named "${name}"`);
    const rotated: SourceDefinition = { ...source, token: newSourceToken() };
    await this.store.definitions.upsert(actor.tenantId, 'source', rotated, new Date());
    await this.audit.record(actor, 'rotate-token', 'source', name);
    return this.view(rotated, true);
  }
}
