import WebSocket from 'ws';
import { createTRPCClient, httpLink } from '@trpc/client';
import { toNexomaticError } from '@nexomatic/client';
import type { AppRouter } from '../../src/index.js';

/** A raw typed tRPC client of the hub's whole API, with the given headers on every call. */
export function apiClient(url: string, headers: Record<string, string>) {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/trpc`, headers: () => headers })] });
}

/** A client whose calls carry `Authorization: Bearer <token>`. */
export function tokenClient(url: string, token: string) {
  return apiClient(url, { authorization: `Bearer ${token}` });
}

/** The Nexomatic error code a call failed with (it must fail). */
export async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    return toNexomaticError(error).code;
  }
  throw new Error('the call succeeded');
}

/** Attempts a raw WebSocket upgrade and reports the HTTP status, or 101 when a socket opened. */
export function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (error) => (error.message.includes('closed before') ? undefined : reject(error)));
  });
}
