/**
 * A small stand-in for the hub's sink endpoint, for the sink's own tests: real HTTP server on port 0,
 * credentials checked at the upgrade (401 before any WebSocket), real tRPC over `ws`, and the
 * `sink.tasks` / `sink.report` / `sink.heartbeat` procedures with the hub's re-send behaviour.
 * The end-to-end tests against the real hub live with the hub.
 */
import { EventEmitter, on } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initTRPC, tracked } from '@trpc/server';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import { CREDENTIAL_HEADERS, Heartbeat, ReportBatch, type HubMessage, type Report, type TaskRequest } from '@nexomatic/core';

export interface FakeHub {
  url: string;
  /** The secret the upgrade accepts; change it to refuse a reconnecting sink. */
  secret: string;
  upgrades: IncomingHttpHeaders[];
  refused: number;
  registrations: Array<Record<string, unknown>>;
  reportCalls: Report[][];
  heartbeats: string[];
  /** When true, a `sink.report` call drops the socket instead of answering. */
  dropReports: boolean;
  reports(): Report[];
  send(message: HubMessage): void;
  disconnectAll(): void;
  close(): Promise<void>;
}

/** Starts a fake hub accepting CLIENT_SECRET `secret`. */
export async function startFakeHub(secret = 'good-secret'): Promise<FakeHub> {
  const channel = new EventEmitter();
  const held = new Map<string, TaskRequest>();
  const wss = new WebSocketServer({ noServer: true });
  const t = initTRPC.create();
  let deliveries = 0;

  const router = t.router({
    sink: t.router({
      tasks: t.procedure.input(z.record(z.string(), z.unknown())).subscription(async function* ({ input, signal }) {
        hub.registrations.push(input);
        const live = on(channel, 'message', { signal });
        for (const task of held.values()) yield tracked(String(++deliveries), { kind: 'task', task } satisfies HubMessage);
        for await (const [message] of live) yield tracked(String(++deliveries), message as HubMessage);
      }),
      report: t.procedure.input(ReportBatch).mutation(({ input }) => {
        if (hub.dropReports) {
          for (const client of wss.clients) client.terminate();
          return new Promise<never>(() => undefined);
        }
        hub.reportCalls.push(input.reports);
        for (const report of input.reports) if (report.kind === 'result') held.delete(`${report.eventId}#${report.attempt}`);
        return { accepted: input.reports.length };
      }),
      heartbeat: t.procedure.input(Heartbeat).mutation(({ input }) => {
        hub.heartbeats.push(input.sinkId);
        return { ok: true as const };
      }),
    }),
  });
  applyWSSHandler({ wss, router });

  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    hub.upgrades.push(req.headers);
    if (req.url !== '/ws' || req.headers[CREDENTIAL_HEADERS.clientSecret] !== hub.secret) {
      hub.refused += 1;
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 7\r\n\r\nrefused');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const hub: FakeHub = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secret,
    upgrades: [],
    refused: 0,
    registrations: [],
    reportCalls: [],
    heartbeats: [],
    dropReports: false,
    reports: () => hub.reportCalls.flat(),
    send(message) {
      if (message.kind === 'task') held.set(`${message.task.eventId}#${message.task.attempt}`, message.task);
      channel.emit('message', message);
    },
    disconnectAll() {
      for (const client of wss.clients) client.terminate();
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return hub;
}
