import type { ClientRequest, IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { createTRPCClient, createWSClient, wsLink, type TRPCClient } from '@trpc/client';
import { CREDENTIAL_HEADERS } from '@nexomatic/core';
import { retryDelayMs } from './backoff.js';
import type { HubRouter } from './hub-router.js';

/** The credentials a sink presents on its WebSocket upgrade. */
export interface SinkCredentials {
  clientId: string;
  clientSecret: string;
  tenantUuid?: string | undefined;
  tenantSecret?: string | undefined;
}

/** The HTTP headers that carry {@link SinkCredentials} (names from core's `CREDENTIAL_HEADERS`). */
export function credentialHeaders(credentials: SinkCredentials): Record<string, string> {
  const headers: Record<string, string> = {
    [CREDENTIAL_HEADERS.clientId]: credentials.clientId,
    [CREDENTIAL_HEADERS.clientSecret]: credentials.clientSecret,
  };
  if (credentials.tenantUuid) headers[CREDENTIAL_HEADERS.tenantUuid] = credentials.tenantUuid;
  if (credentials.tenantSecret) headers[CREDENTIAL_HEADERS.tenantSecret] = credentials.tenantSecret;
  return headers;
}

/**
 * A `ws` WebSocket class that sends `headers` with every upgrade and reports a refused upgrade
 * (HTTP 401 or 403) to `onRefused` before the socket fails. Any other non-101 answer just fails the
 * socket, so tRPC retries it.
 */
export function credentialedWebSocket(
  headers: Record<string, string>,
  onRefused: (statusCode: number) => void,
): new (address: string | URL, protocols?: string | string[]) => WebSocket {
  return class CredentialedWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
      this.on('unexpected-response', (_req: ClientRequest, res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        res.resume();
        if (status === 401 || status === 403) onRefused(status);
        this.terminate();
      });
    }

    /**
     * Closes politely, then drops the socket if the hub has not answered within
     * {@link CLOSE_TIMEOUT_MS}. tRPC closes the socket when a keep-alive pong is missing; on a
     * half-open connection the polite close would otherwise wait 30 s for an answer that never
     * comes, with the sink looking ONLINE all along.
     */
    override close(code?: number, reason?: string | Buffer): void {
      super.close(code, reason);
      setTimeout(() => {
        if (this.readyState !== WebSocket.CLOSED) this.terminate();
      }, CLOSE_TIMEOUT_MS).unref();
    }
  };
}

/** How long a closing socket may wait for the hub's answer before it is dropped. */
export const CLOSE_TIMEOUT_MS = 1000;

/** What the sink listens for on its connection. */
export interface HubConnectionEvents {
  /** The hub answered the upgrade with 401/403: the connection has stopped retrying. */
  onRefused(statusCode: number): void;
  /** The socket closed; tRPC is reconnecting. */
  onDisconnected(): void;
}

/** An open (or reconnecting) tRPC connection to the hub. */
export interface HubConnection {
  /** The typed tRPC client of the hub's router. */
  readonly client: TRPCClient<HubRouter>;
  /** Stops reconnecting and closes the socket. */
  close(): Promise<void>;
}

/**
 * Opens the outbound WebSocket to the hub with credentials as upgrade headers, keep-alive pings and
 * reconnects with jittered exponential backoff. A refused credential stops the retries at once.
 */
export function openHubConnection(
  url: string,
  credentials: SinkCredentials,
  events: HubConnectionEvents,
): HubConnection {
  let refused = false;
  let closing = false;
  const WebSocketClass = credentialedWebSocket(credentialHeaders(credentials), (status) => {
    if (refused) return;
    refused = true;
    events.onRefused(status);
    // Stop tRPC's retry loop before the failed socket reaches it.
    void wsClient.close().catch(() => undefined);
  });
  const wsClient = createWSClient({
    url,
    // tRPC types this as the DOM WebSocket; `ws` implements the part tRPC uses (addEventListener, send, close).
    WebSocket: WebSocketClass as unknown as typeof globalThis.WebSocket,
    retryDelayMs: (attempt) => retryDelayMs(attempt),
    keepAlive: { enabled: true, intervalMs: 5000, pongTimeoutMs: 3000 },
    onClose: () => {
      if (!refused && !closing) events.onDisconnected();
    },
  });
  const client = createTRPCClient<HubRouter>({ links: [wsLink({ client: wsClient })] });
  return {
    client,
    close: () => {
      closing = true;
      return wsClient.close();
    },
  };
}
