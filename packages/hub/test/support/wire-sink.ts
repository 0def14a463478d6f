import WebSocket from 'ws';
import { CREDENTIAL_HEADERS } from '@nexomatic/core';

/** What a raw WebSocket upgrade ended in: 101 and an open socket, or the HTTP status of the refusal. */
export interface Upgrade {
  status: number;
  ws: WebSocket;
}

/** The credential headers of a `TEST:NODE` sink. */
export function sinkHeaders(clientSecret: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [CREDENTIAL_HEADERS.clientId]: 'TEST:NODE', [CREDENTIAL_HEADERS.clientSecret]: clientSecret, ...extra };
}

/** Attempts a WebSocket upgrade at `${url}/ws`; a refused one is terminated before it resolves. */
export function upgrade(url: string, headers: Record<string, string>): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      resolve({ status: res.statusCode ?? 0, ws });
    });
    ws.once('open', () => resolve({ status: 101, ws }));
    ws.on('error', (error) => (error.message.includes('closed before') ? undefined : reject(error)));
  });
}

/** One frame of the tRPC WebSocket protocol, as the hub sends it. */
export interface WireFrame {
  id: number;
  result?: { type?: string; data?: unknown };
  error?: unknown;
}

/**
 * A sink that speaks the tRPC WebSocket protocol frame by frame, so that a test sees every byte
 * the hub sends and can send frames a well-behaved client never would (oversized, forged ids).
 */
export class WireSink {
  /** Every frame received, as text. */
  readonly frames: string[] = [];
  /** Resolves with the close code when the socket closes. */
  readonly closed: Promise<number>;
  private nextId = 1;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push(data.toString('utf8')));
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  }

  /** Opens a connection; fails unless the upgrade succeeds. */
  static async open(url: string, headers: Record<string, string>): Promise<WireSink> {
    const { status, ws } = await upgrade(url, headers);
    if (status !== 101) throw new Error(`upgrade refused with ${status}`);
    return new WireSink(ws);
  }

  /** Sends one tRPC request; returns its id. */
  send(method: 'query' | 'mutation' | 'subscription', path: string, input: unknown): number {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, jsonrpc: '2.0', method, params: { path, input } }));
    return id;
  }

  /** Stops a subscription started by {@link send}. */
  stop(id: number): void {
    this.ws.send(JSON.stringify({ id, jsonrpc: '2.0', method: 'subscription.stop' }));
  }

  /** The parsed frames answering request `id`. */
  answers(id: number): WireFrame[] {
    return this.frames.map((f) => JSON.parse(f) as WireFrame).filter((m) => m.id === id);
  }

  /** The raw text of the first frame answering request `id` with an error, if any. */
  errorFrame(id: number): string | undefined {
    return this.frames.find((f) => {
      const m = JSON.parse(f) as Partial<WireFrame>;
      return m.id === id && m.error !== undefined;
    });
  }

  close(): void {
    this.ws.terminate();
  }
}
