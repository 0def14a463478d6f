import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { CREDENTIAL_HEADERS, NexomaticError, isNexomaticError } from '@nexomatic/core';
import type { SinkCredentials, SinkPrincipal } from '../auth/sink-credentials.js';
import type { HubContext, HubServices } from './context.js';
import { logInternalError } from './errors.js';
import { identityOf } from './http.js';
import { appRouter } from './router.js';
import { bearerOfProtocols, selectProtocol } from './ws-protocol.js';

/** Handles HTTP upgrades; returns false when the request is not for the hub's WebSocket path. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

/**
 * The hub's WebSocket endpoint at `${basePath}ws`, for sinks and API callers. Credentials are
 * checked on the HTTP upgrade: a sink with a wrong `CLIENT_SECRET` gets `401` and no WebSocket
 * ever exists. Past `maxSinksPerSinkType` open connections of its Sink Type, a sink gets `429` the
 * same way. An upgrade without sink credentials is an API caller's (e.g. for `logs.tail`): it
 * needs a valid API token (or the app's `authenticate`), checked again on every call. The token
 * comes in `Authorization: Bearer`, or (from a browser, which cannot set that header) in the
 * `Sec-WebSocket-Protocol` header as `nexomatic.bearer.<base64url token>`; see `ws-protocol.ts`.
 */
export class SinkSocketServer {
  private readonly wss: WebSocketServer;
  private readonly principals = new WeakMap<IncomingMessage, SinkPrincipal>();
  /** Upgrades by API callers (an API token or the app's `authenticate`), for subscriptions such as `logs.tail`. */
  private readonly apiCallers = new WeakSet<IncomingMessage>();
  /** Open connections per Sink Type, for `maxSinksPerSinkType`. */
  private readonly connected = new Map<string, number>();
  readonly path: string;

  constructor(
    private readonly services: HubServices,
    private readonly credentials: SinkCredentials,
  ) {
    this.path = `${services.options.basePath}ws`;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: services.options.maxWsMessageBytes,
      // Never echoes the subprotocol entry that carries a token.
      handleProtocols: selectProtocol,
    });
    applyWSSHandler({
      wss: this.wss,
      router: appRouter,
      keepAlive: { enabled: true, pingMs: 15_000, pongWaitMs: 10_000 },
      onError: logInternalError(services.options.logger),
      createContext: ({ req }): HubContext => ({
        services,
        req,
        sink: this.principals.get(req) ?? null,
        // An API caller's connection checks its identity again on every call, so a revoked token
        // stops working on an open socket too; a sink's connection is no API caller.
        identity: this.apiCallers.has(req)
          ? () => identityOf(services, req)()
          : () => Promise.reject(new NexomaticError('UNAUTHENTICATED', 'a sink connection cannot call the API')),
      }),
    });
  }

  /** The upgrade listener for an HTTP server. */
  readonly handleUpgrade: UpgradeHandler = (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] !== this.path) return false;
    if (req.headers[CREDENTIAL_HEADERS.clientId] === undefined) {
      this.upgradeApiCaller(req, socket, head);
      return true;
    }
    this.credentials.verify(req.headers).then(
      (principal) => {
        if (socket.destroyed) return;
        if (!this.admit(principal.sinkType, socket)) {
          refuse(socket, 429, 'Too Many Requests', 'too many sinks of this Sink Type are connected');
          return;
        }
        this.principals.set(req, principal);
        this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
      },
      (error: unknown) => {
        if (isNexomaticError(error, 'UNAUTHENTICATED')) {
          refuse(socket, 401, 'Unauthorized', 'sink credentials were refused');
          return;
        }
        // A store failure is not a wrong credential: 503 makes the sink retry instead of giving up.
        this.services.options.logger.error('checking sink credentials failed', { error: String(error) });
        refuse(socket, 503, 'Service Unavailable', 'try again later');
      },
    );
    return true;
  };

  /**
   * An API caller's upgrade (no sink credentials): admitted when `Authorization: Bearer <token>`
   * (or the embedding app's `authenticate`) names a caller; `401` otherwise, before any WebSocket.
   * A token in the `Sec-WebSocket-Protocol` header stands for a missing `Authorization` header (so
   * the app's `authenticate` and every later call on the socket see it there); a malformed one is
   * refused. Over it the caller may call the API, subscriptions included, with its role's rights.
   */
  private upgradeApiCaller(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const bearer = bearerOfProtocols(req);
    if (bearer === null) {
      refuse(socket, 401, 'Unauthorized', 'the API token in Sec-WebSocket-Protocol is malformed');
      return;
    }
    if (bearer !== undefined && req.headers.authorization === undefined) req.headers.authorization = `Bearer ${bearer}`;
    identityOf(this.services, req)().then(
      () => {
        if (socket.destroyed) return;
        this.apiCallers.add(req);
        this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
      },
      (error: unknown) => {
        if (isNexomaticError(error, 'UNAUTHENTICATED') || isNexomaticError(error, 'FORBIDDEN')) {
          refuse(socket, 401, 'Unauthorized', 'sink credentials or an API token are required');
          return;
        }
        this.services.options.logger.error('checking an API caller on the WebSocket failed', { error: String(error) });
        refuse(socket, 503, 'Service Unavailable', 'try again later');
      },
    );
  }

  /**
   * Counts a connection of a Sink Type, or returns false when `maxSinksPerSinkType` are connected
   * already. The count drops when the connection's socket closes, however it ends.
   */
  private admit(sinkType: string, socket: Duplex): boolean {
    const connected = this.connected.get(sinkType) ?? 0;
    if (connected >= this.services.options.maxSinksPerSinkType) return false;
    this.connected.set(sinkType, connected + 1);
    socket.once('close', () => {
      const left = (this.connected.get(sinkType) ?? 1) - 1;
      if (left > 0) this.connected.set(sinkType, left);
      else this.connected.delete(sinkType);
    });
    return true;
  }

  /** Closes every sink connection. */
  close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

/** Answers an upgrade with an HTTP error and closes the socket; no WebSocket is opened. */
function refuse(socket: Duplex, status: number, reason: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
