/**
 * `@nexomatic/client/node`: the client for Node services and scripts. The same {@link Client} as
 * the main entry, with calls going through an undici keep-alive connection pool (closed by
 * `close()`), plus {@link loadConfig} to read a `nexomatic.config.ts` / `.mjs` file.
 *
 * @packageDocumentation
 */
import { Agent, fetch as undiciFetch } from 'undici';
import WebSocket from 'ws';
import { createClient as createBrowserSafeClient, type Client, type ClientOptions } from './client.js';
import type { NexomaticConfig, PayloadMap } from './config.js';
import type { FetchLike, WebSocketFactory } from './transport.js';

export * from './index.js';
export { loadConfig, findConfig, CONFIG_FILES } from './node/load-config.js';

/** The options of the Node client: those of the main entry, plus the connection pool's. */
export type NodeClientOptions<C extends NexomaticConfig = NexomaticConfig> = ClientOptions<C> & {
  /** Most connections to the hub at once. @default 16 */
  connections?: number;
  /** How long an idle connection stays open for the next call. @default 30000 */
  keepAliveMs?: number;
};

/** A client whose connection pool must be closed when the program is done with it. */
export type NodeClient<M> = Client<M> & {
  /** Closes the connection pool (calls in flight finish first) and the WebSocket, if open. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

/** WebSockets (from `ws`) that present the API token on the upgrade, as the hub requires. */
export const nodeWebSocket: WebSocketFactory = (token) =>
  class AuthorizedWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { authorization: `Bearer ${token}` } });
    }
  };

/**
 * Creates a client of a hub for Node: HTTP through an undici keep-alive pool, subscriptions
 * (`logs.tail`) over the hub's WebSocket with `ws`.
 *
 * @example
 * ```ts
 * import { createClient } from '@nexomatic/client/node';
 * await using client = createClient({ url: process.env.NEXOMATIC_URL!, token: process.env.NEXOMATIC_TOKEN! });
 * await client.fire('orders.placed', { orderId: 'A-1' });
 * ```
 */
export function createClient<const C extends NexomaticConfig = NexomaticConfig>(options: NodeClientOptions<C>): NodeClient<PayloadMap<C>> {
  const { connections = 16, keepAliveMs = 30_000, ...rest } = options;
  const agent = new Agent({ connections, keepAliveTimeout: keepAliveMs, keepAliveMaxTimeout: Math.max(keepAliveMs, 600_000) });
  const pooledFetch: FetchLike = (input, init) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: agent }) as unknown as Promise<Response>;
  const client = createBrowserSafeClient<C>({ ...rest, fetch: rest.fetch ?? pooledFetch, webSocket: rest.webSocket ?? nodeWebSocket } as ClientOptions<C>);
  const closeSocket = client.close;
  const close = async () => {
    await closeSocket();
    await agent.close();
  };
  return Object.assign(client, { close, [Symbol.asyncDispose]: close });
}
