import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { createTRPCClient, createWSClient, httpBatchLink, wsLink, type TRPCClient } from '@trpc/client';
import { CREDENTIAL_HEADERS, type TaskRequest } from '@nexomatic/core';
import type { AppRouter } from '../../src/index.js';
import { waitFor } from './wait.js';

/** A sink speaking the protocol by hand, so a test controls every call (no module, no masking). */
export interface RawSink {
  sinkId: string;
  client: TRPCClient<AppRouter>;
  /** The Task Requests received so far. */
  tasks: TaskRequest[];
  /** Waits for the n-th task (from 1). */
  task(n?: number): Promise<TaskRequest>;
  close(): Promise<void>;
}

/** A tRPC client on the hub's WebSocket at `url`, sending the credential headers of `clientId`. */
export function sinkClient(url: string, clientSecret: string, clientId = 'TEST:NODE'): { client: TRPCClient<AppRouter>; ws: ReturnType<typeof createWSClient> } {
  const headers = { [CREDENTIAL_HEADERS.clientId]: clientId, [CREDENTIAL_HEADERS.clientSecret]: clientSecret };
  class CredentialedWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const ws = createWSClient({ url: `${url.replace(/^http/, 'ws')}/ws`, WebSocket: CredentialedWebSocket as unknown as typeof globalThis.WebSocket });
  return { client: createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] }), ws };
}

/** Connects a raw sink of `clientId` to the hub at `url` and waits until `registered` says the hub recorded it. */
export async function rawSink(url: string, clientSecret: string, registered: (sinkId: string) => Promise<boolean>, clientId = 'TEST:NODE'): Promise<RawSink> {
  const { client, ws } = sinkClient(url, clientSecret, clientId);
  const sinkId = randomUUID();
  const tasks: TaskRequest[] = [];
  let online = false;
  const subscription = client.sink.tasks.subscribe(
    { sinkId, name: 'raw-sink', version: '0.0.0', runtimes: ['node'], concurrency: 4 },
    {
      onStarted: () => (online = true),
      onData: ({ data }) => {
        if (data.kind === 'task') tasks.push(data.task);
      },
    },
  );
  await waitFor('the raw sink to register', async () => online && (await registered(sinkId)));
  return {
    sinkId,
    client,
    tasks,
    task: (n = 1) => waitFor(`task ${n} to arrive`, () => tasks[n - 1]),
    async close() {
      subscription.unsubscribe();
      await ws.close();
    },
  };
}

/** A typed API client with a bearer token, for procedures `@nexomatic/client` does not wrap. */
export function apiClient(url: string, token: string): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${url}/trpc`, headers: () => ({ authorization: `Bearer ${token}` }) })] });
}
