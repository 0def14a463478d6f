import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  NexomaticError,
  type DefinitionsInput,
  type EventPage,
  type EventQuery,
  type EventRecord,
  type EventSource,
  type FireInput,
  type SourceContext,
  type Role,
} from '@nexomatic/core';
import { hashSecret, newSecret } from './auth/hash.js';
import { SinkCredentials } from './auth/sink-credentials.js';
import { ApiTokens, type CreatedToken } from './auth/tokens.js';
import { bootstrap } from './bootstrap.js';
import { EventNotifier, type EngineContext } from './engine/context.js';
import { DefinitionService, type ApplySummary } from './engine/definitions.js';
import { Engine } from './engine/engine.js';
import { resolveHubOptions, type HubOptions, type ResolvedHubOptions } from './options.js';
import type { HubStore } from './store/port.js';
import type { HubServices } from './transport/context.js';
import { createRequestHandler, type RequestHandler } from './transport/http.js';
import { SinkSocketServer, type UpgradeHandler } from './transport/upgrade.js';

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
  /** A Node request handler for the API; usable with `http.createServer` or as Express middleware. */
  readonly handler: RequestHandler;
  /** The upgrade listener for the sinks' WebSocket; returns false for other paths. */
  readonly handleUpgrade: UpgradeHandler;
  /** Serves sinks' WebSockets on an existing HTTP server (adds an `upgrade` listener). */
  attach(server: Server): void;
  /** Starts a standalone HTTP server. @param port - 0 picks a free port. */
  listen(port: number, host?: string): Promise<Listening>;
  /** Upserts Event Types, Actions and Sink Types idempotently (the default tenant unless `tenantId`). */
  apply(definitions: DefinitionsInput, tenantId?: string): Promise<ApplySummary>;
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
  /** Sink Types whose events have waited past `starvationWarningMs` with no sink online. */
  starving(): Promise<Array<{ sinkType: string; count: number }>>;
  /**
   * Creates a new `CLIENT_SECRET` for a Sink Type and returns it (only its hash is kept). A Sink
   * Type has at most two valid secrets, so one can be rotated without downtime: the oldest is retired.
   */
  createClientSecret(sinkType: string): Promise<string>;
  /** Creates an API token; the value is returned this once. */
  createToken(input: { role: Role; name: string; tenantId?: string; expiresAt?: Date | null }): Promise<CreatedToken>;
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
  const ownsStore = resolved.store === undefined;
  const store =
    resolved.store ?? (await (await import('./store/sqlite/index.js')).sqliteStore({ path: join(resolved.dataDir, 'hub.db') }));
  const logger = resolved.logger;
  const tokens = new ApiTokens(store);
  const credentials = new SinkCredentials(store);
  const first = await bootstrap(store, tokens);
  const definitions = new DefinitionService(store);
  const ctx: EngineContext = { store, definitions, options: resolved, logger, notifier: new EventNotifier() };
  const engine = new Engine(ctx);
  const services: HubServices = { engine, definitions, store, tokens, authenticate: resolved.authenticate, options: resolved };
  const sockets = new SinkSocketServer(services, credentials);
  const handler = createRequestHandler(services);
  const servers: Server[] = [];
  engine.start();
  if (first.adminToken) logger.info('created the default tenant and an Admin token', { tenantId: first.tenant.id });

  const tenantOf = (tenantId?: string) => tenantId ?? first.tenant.id;
  let closing: Promise<void> | null = null;

  const hub: Hub = {
    options: resolved,
    store,
    tenantId: first.tenant.id,
    initialAdminToken: first.adminToken,
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
    apply: (defs, tenantId) => definitions.apply(tenantOf(tenantId), defs),
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
    cancelEvent: (id, tenantId) => engine.cancel(tenantOf(tenantId), id),
    rerunEvent: (id, tenantId) => engine.rerun(tenantOf(tenantId), id),
    async createClientSecret(sinkType) {
      if (!(await store.definitions.get('', 'sinkType', sinkType))) {
        throw new NexomaticError('NOT_FOUND', `no Sink Type named "${sinkType}"`);
      }
      const secret = newSecret();
      await store.identities.addClientSecret(sinkType, { id: randomUUID(), hash: await hashSecret(secret), createdAt: new Date() });
      const all = await store.identities.listClientSecrets(sinkType);
      const retired = [...all].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).slice(0, Math.max(0, all.length - 2));
      for (const old of retired) await store.identities.removeClientSecret(sinkType, old.id);
      credentials.forget();
      return secret;
    },
    createToken: (input) => tokens.create({ ...input, tenantId: tenantOf(input.tenantId) }),
    close() {
      closing ??= (async () => {
        await engine.close();
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
  return hub;
}
