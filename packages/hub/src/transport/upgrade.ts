import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { NexomaticError } from '@nexomatic/core';
import type { SinkCredentials, SinkPrincipal } from '../auth/sink-credentials.js';
import type { HubContext, HubServices } from './context.js';
import { appRouter } from './router.js';

/** Handles HTTP upgrades; returns false when the request is not for the hub's WebSocket path. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

/**
 * The sinks' WebSocket endpoint at `${basePath}ws`. Credentials are checked on the HTTP upgrade:
 * a sink with a wrong `CLIENT_SECRET` gets `401` and no WebSocket ever exists.
 */
export class SinkSocketServer {
  private readonly wss: WebSocketServer;
  private readonly principals = new WeakMap<IncomingMessage, SinkPrincipal>();
  readonly path: string;

  constructor(
    private readonly services: HubServices,
    private readonly credentials: SinkCredentials,
  ) {
    this.path = `${services.options.basePath}ws`;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: services.options.maxWsMessageBytes });
    applyWSSHandler({
      wss: this.wss,
      router: appRouter,
      keepAlive: { enabled: true, pingMs: 15_000, pongWaitMs: 10_000 },
      createContext: ({ req }): HubContext => ({
        services,
        req,
        sink: this.principals.get(req) ?? null,
        identity: () => Promise.reject(new NexomaticError('UNAUTHENTICATED', 'the API is served over HTTP')),
      }),
    });
  }

  /** The upgrade listener for an HTTP server. */
  readonly handleUpgrade: UpgradeHandler = (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] !== this.path) return false;
    this.credentials.verify(req.headers).then(
      (principal) => {
        this.principals.set(req, principal);
        this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
      },
      () => {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 29\r\n\r\nsink credentials were refused');
      },
    );
    return true;
  };

  /** Closes every sink connection. */
  close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}
