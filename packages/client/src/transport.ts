/**
 * The tRPC links of a client: queries and mutations over HTTP (batched), retried with backoff when
 * the network failed and the call is safe to send again; `definitions.diff` (a query whose input can
 * be large) as a POST; subscriptions (`logs.tail`) over the hub's WebSocket when the client has a
 * WebSocket (in a browser, the token goes in `Sec-WebSocket-Protocol`). Browser-safe: nothing here
 * imports a Node module.
 */
import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  httpLink,
  retryLink,
  splitLink,
  wsLink,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';
import type { AppRouter } from '@nexomatic/hub';
import { bearerProtocols } from '@nexomatic/core';
import { retryDelay, shouldRetry, type RetryOptions } from './retry.js';

/** A `fetch` as the client calls it (the global one, or undici's through `@nexomatic/client/node`). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * A WebSocket class for subscriptions, made for one token: `new (url, protocols?)`. The hub checks
 * the token on the upgrade, in `Authorization: Bearer <token>` (`@nexomatic/client/node` passes one
 * built on `ws` that sends it) or in `Sec-WebSocket-Protocol` ({@link protocolWebSocket}, for browsers).
 */
export type WebSocketFactory = (token: string) => new (url: string, protocols?: string | string[]) => unknown;

/** The platform's own WebSocket class (a browser's), if it has one. */
type PlatformWebSocket = new (url: string, protocols?: string | string[]) => object;

/**
 * WebSockets of the platform (a browser's global `WebSocket`) that offer the API token as the
 * subprotocol `nexomatic.bearer.<base64url token>` (next to `nexomatic`, which the hub answers
 * with): a browser cannot set `Authorization` on an upgrade, and a token in the URL would end up
 * in logs. Undefined where there is no global `WebSocket`.
 */
export function protocolWebSocket(): WebSocketFactory | undefined {
  const Base = (globalThis as { WebSocket?: PlatformWebSocket }).WebSocket;
  if (!Base) return undefined;
  return (token) =>
    class TokenWebSocket extends Base {
      constructor(url: string) {
        super(url, bearerProtocols(token));
      }
    };
}

/** What the links need to know. */
export interface TransportSettings {
  /** The hub's base URL, without a trailing slash. */
  url: string;
  token: string;
  retry: RetryOptions;
  fetch?: FetchLike | undefined;
  /** Makes the WebSocket class subscriptions use; without one the client has no subscriptions. */
  webSocket?: WebSocketFactory | undefined;
  /** Extra headers on every request. */
  headers?: Record<string, string> | undefined;
}

/** The tRPC client over the hub's API, and whether it can subscribe. */
export interface Transport {
  trpc: TRPCClient<AppRouter>;
  /** True when subscriptions go over a WebSocket. */
  subscriptions: boolean;
  /** Closes the WebSocket, if one is open. */
  close(): Promise<void>;
}

/** Queries whose input may be too large for a URL: sent as a POST (the hub allows the method override). */
const LARGE_INPUT_QUERIES: ReadonlySet<string> = new Set(['definitions.diff']);

/** The hub's WebSocket URL for a base URL: `http(s)://host/base` becomes `ws(s)://host/base/ws`. */
export function webSocketUrl(url: string): string {
  return `${url.replace(/^http/, 'ws')}/ws`;
}

/** The tRPC client over the hub's HTTP API (and WebSocket, for subscriptions). */
export function createTransport(settings: TransportSettings): Transport {
  const url = `${settings.url}/trpc`;
  const headers = () => ({ ...settings.headers, authorization: `Bearer ${settings.token}` });
  const fetchOption = settings.fetch ? { fetch: settings.fetch as typeof fetch } : {};
  const http: TRPCLink<AppRouter>[] = [
    retryLink<AppRouter>({
      retry: ({ op, error, attempts }) => shouldRetry(settings.retry, op.type, op.path, error, attempts),
      retryDelayMs: (attempts) => retryDelay(settings.retry, attempts),
    }),
    splitLink<AppRouter>({
      condition: (op) => LARGE_INPUT_QUERIES.has(op.path),
      true: httpLink<AppRouter>({ url, headers, methodOverride: 'POST', ...fetchOption }),
      false: httpBatchLink<AppRouter>({ url, headers, maxURLLength: 8_000, ...fetchOption }),
    }),
  ];
  if (!settings.webSocket) {
    return { trpc: createTRPCClient<AppRouter>({ links: http }), subscriptions: false, close: async () => {} };
  }
  const ws = createWSClient({
    url: webSocketUrl(settings.url),
    WebSocket: settings.webSocket(settings.token) as unknown as typeof WebSocket,
    // Opened by the first subscription, closed a while after the last one ends.
    lazy: { enabled: true, closeMs: 5_000 },
    retryDelayMs: (attempt) => retryDelay(settings.retry, attempt + 1),
  });
  const links = [splitLink<AppRouter>({ condition: (op) => op.type === 'subscription', true: wsLink<AppRouter>({ client: ws }), false: http })];
  return { trpc: createTRPCClient<AppRouter>({ links }), subscriptions: true, close: () => ws.close() };
}
