import type { IncomingMessage } from 'node:http';
import type { Identity } from '@nexomatic/core';
import type { SinkPrincipal } from '../auth/sink-credentials.js';
import type { TenantService } from '../auth/tenants.js';
import type { ApiTokens } from '../auth/tokens.js';
import type { UserService } from '../auth/users.js';
import type { Authenticate, ResolvedHubOptions } from '../options.js';
import type { DefinitionService } from '../engine/definitions.js';
import type { Engine } from '../engine/engine.js';
import type { HubStore } from '../store/port.js';
import type { SecretResolver } from '../vault/resolver.js';
import type { SecretService } from '../vault/secrets.js';
import type { AuditLog } from '../engine/audit.js';
import type { SinkControl } from '../engine/sink-control.js';
import type { SourceService } from '../sources/source-service.js';
import type { LogService } from '../logs/service.js';
import type { MetricsHandler } from '../metrics/endpoint.js';

/** The hub's parts the routers use. */
export interface HubServices {
  engine: Engine;
  definitions: DefinitionService;
  store: HubStore;
  tokens: ApiTokens;
  authenticate: Authenticate | undefined;
  options: ResolvedHubOptions;
  /** The write-only secrets API. */
  secrets: SecretService;
  /** Resolves secret values for the sinks holding the tasks that reference them. */
  resolver: SecretResolver;
  /** The append-only audit log. */
  audit: AuditLog;
  /** Tenants and their node auth. */
  tenants: TenantService;
  /** The users of each tenant. */
  users: UserService;
  /** The sinks list (with running tasks) and control signals. */
  sinks: SinkControl;
  /** Task logs: ingest, queries over live and archived records, live tails. */
  logs: LogService;
  /** Serves `<basePath>metrics`; absent when metrics are disabled. */
  metrics?: MetricsHandler;
  /** Sources: lookup by URL token, their signing Secrets, listing and token rotation. */
  sources: SourceService;
}

/** The context of every tRPC call: the services, and who is calling. */
export interface HubContext {
  services: HubServices;
  req: IncomingMessage;
  /** Set for a sink's WebSocket connection (checked at the upgrade). */
  sink: SinkPrincipal | null;
  /** Resolves the API caller's identity once per request, lazily. */
  identity: () => Promise<Identity>;
}
