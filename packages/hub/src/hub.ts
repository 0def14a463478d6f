import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  type DefinitionsInput,
  type EventPage,
  type EventQuery,
  type EventRecord,
  type EventSource,
  type FireInput,
  type SourceContext,
  type Role,
  type ControlSignal,
  type SecretMetadata,
  type SinkView,
  type Tenant,
} from '@nexomatic/core';
import { ClientSecrets, type ClientSecretInfo } from './auth/client-secrets.js';
import { SinkCredentials } from './auth/sink-credentials.js';
import { TenantService, type NewTenant, type TenantPatch } from './auth/tenants.js';
import { ApiTokens, type CreatedToken } from './auth/tokens.js';
import { UserService } from './auth/users.js';
import { bootstrap } from './bootstrap.js';
import { EventNotifier, type EngineContext } from './engine/context.js';
import { DefinitionService, type ApplyOptions, type ApplySummary } from './engine/definitions.js';
import { Engine } from './engine/engine.js';
import { AuditLog } from './engine/audit.js';
import { SinkControl } from './engine/sink-control.js';
import { startHubScheduler, type HubScheduler } from './sources/scheduler.js';
import { SourceService, type SourceView } from './sources/source-service.js';
import { Vault } from './vault/cipher.js';
import { resolveMasterKeys } from './vault/keys.js';
import { ResolvedValues } from './vault/resolved-values.js';
import { SecretResolver } from './vault/resolver.js';
import { SecretService, assertVaultUsable } from './vault/secrets.js';
import { resolveHubOptions, type HubOptions, type ResolvedHubOptions } from './options.js';
import type { HubStore } from './store/port.js';
import type { HubServices } from './transport/context.js';
import { createRequestHandler, identityOf, type RequestHandler } from './transport/http.js';
import type { Registry } from 'prom-client';
import { HubMetrics } from './metrics/hub-metrics.js';
import { registerCollectors } from './metrics/collectors.js';
import { createMetricsHandler } from './metrics/endpoint.js';
import { SinkSocketServer, type UpgradeHandler } from './transport/upgrade.js';
import { HubLogs } from './logs/hub-logs.js';

/** Where a hub started by {@link Hub.listen} is reachable. */
export interface Listening {
  port: number;
  /** `http://host:port` plus the base path. */
  url: string;
}

/**
 * A running hub. Mount it in your own server with {@link Hub.handler} and {@link Hub.attach}, or
 * run it alone with {@link Hub.listen}. Always {@link Hub.close} it.
 */
export interface Hub {
  /** The options in force, defaults filled in. */
  readonly options: ResolvedHubOptions;
  /** The store the hub remembers everything in. */
  readonly store: HubStore;
  /** The default tenant's id (created on first start). */
  readonly tenantId: string;
  /** The Admin token created on first start; null on every later start (only its hash is kept). */
  readonly initialAdminToken: string | null;
  /**
   * This hub's own Prometheus registry (served at `<basePath>metrics`), to merge into the app's
   * (`Registry.merge([hub.metrics, register])`); null when `metrics.enabled` is false.
   */
  readonly metrics: Registry | null;
  /** A Node request handler for the API; usable with `http.createServer` or as Express middleware. */
  readonly handler: RequestHandler;
  /** The upgrade listener for the sinks' WebSocket; returns false for other paths. */
  readonly handleUpgrade: UpgradeHandler;
  /** Serves sinks' WebSockets on an existing HTTP server (adds an `upgrade` listener). */
  attach(server: Server): void;
  /** Starts a standalone HTTP server. @param port - 0 picks a free port. */
  listen(port: number, host?: string): Promise<Listening>;
  /**
   * Upserts Event Types, Actions, Sink Types, Sources and Schedules idempotently (the default tenant
   * unless `tenantId`); with `{ prune: true }` it also removes the tenant's definitions absent from the input.
   */
  apply(definitions: DefinitionsInput, tenantId?: string, options?: ApplyOptions): Promise<ApplySummary>;
  /** Fires one event from in-process code (Source Type `custom` unless the input says). */
  fire(input: FireInput, tenantId?: string): Promise<EventRecord>;
  /** The {@link SourceContext} a Source fires through; its events carry `source`. */
  sourceContext(source: EventSource, tenantId?: string): SourceContext;
  /** Fires many events in one group commit. */
  fireBatch(inputs: readonly FireInput[], tenantId?: string): Promise<EventRecord[]>;
  /** One event, or a `NOT_FOUND` error. */
  getEvent(id: string, tenantId?: string): Promise<EventRecord>;
  /** A page of events, newest first. */
  listEvents(query?: EventQuery, tenantId?: string): Promise<EventPage>;
  /** Waits until the event finishes or `timeoutMs` passes, then returns it. */
  waitForEvent(id: string, timeoutMs?: number, tenantId?: string): Promise<EventRecord>;
  /** Cancels a `QUEUED` event: it ends `ERROR` with code `CANCELLED`; any other state is a `CONFLICT`. */
  cancelEvent(id: string, tenantId?: string): Promise<EventRecord>;
  /** Re-runs a finished event as a new event linked to it by `rerunOf`; returns the new event. */
  rerunEvent(id: string, tenantId?: string): Promise<EventRecord>;
  /**
   * Sends a control signal to a sink connected to this hub (audited as the hub): `RESET` (graceful
   * restart), `KILL` (graceful shutdown) or `FORCE_KILL` (immediate). The hub stops dispatching to
   * it at once. `NOT_FOUND` for an unknown sink (or one pinned to another tenant than `tenantId`,
   * when given), `CONFLICT` when it is not connected here.
   */
  controlSink(sinkId: string, signal: ControlSignal, tenantId?: string): Promise<void>;
  /** The sinks visible to a tenant, with status, last-seen time, version, runtimes and running tasks. */
  listSinks(tenantId?: string): Promise<SinkView[]>;
  /** Sink Types whose events have waited past `starvationWarningMs` with no sink online. */
  starving(): Promise<Array<{ sinkType: string; count: number }>>;
  /**
   * Creates a new `CLIENT_SECRET` for a Sink Type and returns it (only its hash is kept). A Sink
   * Type has at most two valid secrets, so one can be rotated without downtime: the oldest is retired.
   */
  createClientSecret(sinkType: string): Promise<string>;
  /** Revokes one `CLIENT_SECRET` of a Sink Type at once (see {@link Hub.listClientSecrets} for ids); `NOT_FOUND` when absent. */
  revokeClientSecret(sinkType: string, id: string): Promise<void>;
  /** The valid `CLIENT_SECRET`s of a Sink Type, oldest first: ids and creation times, never secrets or hashes. */
  listClientSecrets(sinkType: string): Promise<ClientSecretInfo[]>;
  /** Creates an API token; the value is returned this once. With `userId`, its role cannot exceed the user's. */
  createToken(input: { role: Role; name: string; tenantId?: string; expiresAt?: Date | null; userId?: string | null }): Promise<CreatedToken>;
  /** Creates a tenant (a new isolation boundary) and returns it; give it an Admin token with {@link Hub.createToken}. */
  createTenant(input: NewTenant): Promise<Tenant>;
  /** Changes a tenant's name or `enforceNodeAuth`; unpinned sinks stop serving an enforcing tenant at once. */
  updateTenant(tenantId: string, patch: TenantPatch): Promise<Tenant>;
  /**
   * Sets a new random `TENANT_SECRET` for a tenant and returns it, this once (only its scrypt hash
   * is kept). Sinks pinned to the tenant present it as `TENANT_SECRET` when the tenant enforces node auth.
   */
  setTenantSecret(tenantId: string): Promise<string>;
  /**
   * Creates or replaces a secret (the default tenant unless `tenantId`), encrypted with the newest
   * master key; returns its metadata, never the value. Audited as the hub.
   */
  putSecret(key: string, value: string, tenantId?: string): Promise<SecretMetadata>;
  /** Deletes a secret, or fails `NOT_FOUND`. Audited as the hub. */
  deleteSecret(key: string, tenantId?: string): Promise<void>;
  /** The metadata of a tenant's secrets: keys, key versions and times, never values. */
  listSecrets(tenantId?: string): Promise<SecretMetadata[]>;
  /**
   * Re-encrypts every secret not on the newest master key version and returns how many. After it,
   * older keys can be removed from `masterKeys`.
   */
  rotateSecrets(): Promise<number>;
  /** The tenant's Sources (webhooks, Event Grid endpoints) with their tokens and paths (`hooks/<token>`, under the base path). */
  listSources(tenantId?: string): Promise<SourceView[]>;
  /** Gives a Source a new URL token (audited as the hub); the old URL answers 404 at once. */
  rotateSourceToken(name: string, tenantId?: string): Promise<SourceView>;
  /** Task logs: query (live and archived alike), live tail, and archiving on demand (see docs/logs.md). */
  readonly logs: HubLogs;
  /** Stops serving, ends sink connections, flushes and closes what the hub owns. Idempotent. */
  close(): Promise<void>;
}

/**
 * Creates a hub: validates the options, opens the store (an embedded SQLite file under `dataDir`
 * unless one is given), bootstraps the default tenant and starts the dispatcher.
 *
 * @example
 * ```ts
 * const hub = await createHub({ dataDir: './.nexomatic' });
 * await hub.apply({ sinkTypes: [...], actions: [...], eventTypes: [...] });
 * const { url } = await hub.listen(4000);
 * ```
 */
export async function createHub(options: HubOptions = {}): Promise<Hub> {
  const resolved = resolveHubOptions(options);
  const vault = new Vault(resolveMasterKeys(resolved.masterKeys));
  const ownsStore = resolved.store === undefined;
  const store =
    resolved.store ?? (await (await import('./store/sqlite/index.js')).sqliteStore({ path: join(resolved.dataDir, 'hub.db') }));
  const logger = resolved.logger;
  try {
    await assertVaultUsable(store, vault);
  } catch (error) {
    if (ownsStore) await store.close();
    throw error;
  }
  const audit = new AuditLog(store, logger);
  const tokens = new ApiTokens(store, audit);
  const credentials = new SinkCredentials(store);
  const first = await bootstrap(store, tokens);
  const definitions = new DefinitionService(store, audit);
  const secretValues = new ResolvedValues();
  const metrics = resolved.metrics.enabled ? new HubMetrics(resolved.metrics) : undefined;
  const logs = new HubLogs(store, resolved.logs, logger, first.tenant.id);
  const ctx: EngineContext = { store, definitions, options: resolved, logger, notifier: new EventNotifier(), secretValues, metrics, logs: logs.service };
  const engine = new Engine(ctx);
  if (metrics) registerCollectors(metrics, { store, sessions: () => engine.dispatcher.connected() });
  const secrets = new SecretService(store, vault, audit);
  const resolver = new SecretResolver(store, definitions, vault, audit, secretValues, logger);
  const tenants = new TenantService(store, audit, () => {
    credentials.forget();
    engine.dispatcher.tenantsChanged();
  });
  const clientSecrets = new ClientSecrets(store, audit, first.tenant.id, () => credentials.forget());
  const services: HubServices = {
    engine,
    definitions,
    store,
    tokens,
    authenticate: resolved.authenticate,
    options: resolved,
    secrets,
    resolver,
    audit,
    tenants,
    users: new UserService(store, tokens, audit),
    sinks: new SinkControl(store, engine.dispatcher, audit),
    sources: new SourceService(store, vault, audit, resolved.basePath),
    logs: logs.service,
    ...(metrics ? { metrics: createMetricsHandler({ metrics, tenantId: first.tenant.id, identify: (req) => identityOf(services, req)(), logger }) } : {}),
  };
  const sockets = new SinkSocketServer(services, credentials);
  const handler = createRequestHandler(services);
  const servers: Server[] = [];
  engine.start();
  logs.start();
  if (first.adminToken) {
    logger.info('first start: created the default tenant and an Admin token, shown once as hub.initialAdminToken (the quickstart prints it)', {
      tenantId: first.tenant.id,
    });
  }

  const tenantOf = (tenantId?: string) => tenantId ?? first.tenant.id;
  let closing: Promise<void> | null = null;
  let scheduler: HubScheduler | null = null;

  const hub: Hub = {
    options: resolved,
    store,
    tenantId: first.tenant.id,
    initialAdminToken: first.adminToken,
    metrics: metrics?.registry ?? null,
    handler,
    handleUpgrade: sockets.handleUpgrade,
    attach(server) {
      server.on('upgrade', sockets.handleUpgrade);
    },
    async listen(port, host = '127.0.0.1') {
      const server = createServer(handler);
      server.on('upgrade', (req, socket, head) => {
        if (!sockets.handleUpgrade(req, socket, head)) socket.destroy();
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const actual = (server.address() as AddressInfo).port;
      return { port: actual, url: `http://${host}:${actual}${resolved.basePath.replace(/\/$/, '')}` };
    },
    apply: (defs, tenantId, options) => definitions.apply(tenantOf(tenantId), defs, 'hub', options),
    async fire(input, tenantId) {
      const [event] = await engine.fire([input], { tenantId: tenantOf(tenantId), source: { type: 'custom' } });
      return event!;
    },
    fireBatch: (inputs, tenantId) => engine.fire(inputs, { tenantId: tenantOf(tenantId), source: { type: 'custom' } }),
    sourceContext(source, tenantId) {
      const context = { tenantId: tenantOf(tenantId), source };
      return {
        fire: async (input) => (await engine.fire([input], context))[0]!,
        fireBatch: (inputs) => engine.fire(inputs, context),
      };
    },
    getEvent: (id, tenantId) => engine.get(tenantOf(tenantId), id),
    listEvents: (query = {}, tenantId) => store.events.list(tenantOf(tenantId), query),
    waitForEvent: (id, timeoutMs = 30_000, tenantId) => engine.wait(tenantOf(tenantId), id, timeoutMs),
    starving: () => engine.starving(),
    controlSink: (sinkId, signal, tenantId) => services.sinks.send({ tenantId: tenantOf(tenantId), subject: 'hub' }, sinkId, signal),
    listSinks: (tenantId) => services.sinks.list(tenantOf(tenantId)),
    cancelEvent: (id, tenantId) => engine.cancel(tenantOf(tenantId), id),
    rerunEvent: (id, tenantId) => engine.rerun(tenantOf(tenantId), id),
    createClientSecret: (sinkType) => clientSecrets.create(sinkType),
    revokeClientSecret: (sinkType, id) => clientSecrets.revoke(sinkType, id),
    listClientSecrets: (sinkType) => clientSecrets.list(sinkType),
    createToken: (input) => tokens.create({ ...input, tenantId: tenantOf(input.tenantId) }),
    createTenant: (input) => tenants.create(input),
    updateTenant: (tenantId, patch) => tenants.update({ tenantId, subject: 'hub' }, patch),
    setTenantSecret: (tenantId) => tenants.setSecret({ tenantId, subject: 'hub' }),
    putSecret: (key, value, tenantId) => secrets.put({ tenantId: tenantOf(tenantId), subject: 'hub' }, { key, value }),
    deleteSecret: (key, tenantId) => secrets.delete({ tenantId: tenantOf(tenantId), subject: 'hub' }, key),
    listSecrets: (tenantId) => secrets.list(tenantOf(tenantId)),
    rotateSecrets: () => secrets.rotate(),
    listSources: (tenantId) => services.sources.list(tenantOf(tenantId), true),
    rotateSourceToken: (name, tenantId) => services.sources.rotateToken({ tenantId: tenantOf(tenantId), subject: 'hub' }, name),
    logs,
    close() {
      closing ??= (async () => {
        await scheduler?.close();
        await engine.close();
        await logs.close();
        await sockets.close();
        await Promise.all(
          servers.map((server) => new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          })),
        );
        if (ownsStore) await store.close();
      })();
      return closing;
    },
  };
  try {
    scheduler = await startHubScheduler({
      store,
      definitions,
      settings: resolved.scheduler,
      logger,
      context: (tenantId, source) => hub.sourceContext(source, tenantId),
    });
  } catch (error) {
    await hub.close();
    throw error;
  }
  return hub;
}
