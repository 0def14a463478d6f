import type { IncomingMessage } from 'node:http';
import type { Identity } from '@nexomatic/core';
import type { SinkPrincipal } from '../auth/sink-credentials.js';
import type { ApiTokens } from '../auth/tokens.js';
import type { Authenticate, ResolvedHubOptions } from '../options.js';
import type { DefinitionService } from '../engine/definitions.js';
import type { Engine } from '../engine/engine.js';
import type { HubStore } from '../store/port.js';

/** The hub's parts the routers use. */
export interface HubServices {
  engine: Engine;
  definitions: DefinitionService;
  store: HubStore;
  tokens: ApiTokens;
  authenticate: Authenticate | undefined;
  options: ResolvedHubOptions;
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
