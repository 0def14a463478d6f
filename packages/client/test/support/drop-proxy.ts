import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy that loses answers: the request that matches is carried to the hub in full,
 * and when the hub's answer starts, the client's connection is destroyed instead. The hub did the
 * work; the client saw a dropped connection. Everything else is carried normally.
 */
export interface DropProxy {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Loses the answers of the next `count` requests whose bytes contain `marker` (e.g. `events.fire`). */
  dropNext(marker: string, count?: number): void;
  /** How many answers it lost. */
  readonly dropped: number;
  /** How many requests containing `marker` it carried (lost answers included). */
  requests(marker: string): number;
  close(): Promise<void>;
}

/** Starts a proxy to `127.0.0.1:targetPort`. */
export async function startDropProxy(targetPort: number): Promise<DropProxy> {
  const sockets = new Set<Socket>();
  const seen: string[] = [];
  let plan: { marker: string; left: number } | undefined;
  let dropped = 0;
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let dropAnswer = false;
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      seen.push(text);
      if (plan && plan.left > 0 && text.includes(plan.marker)) {
        plan.left -= 1;
        dropAnswer = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!dropAnswer) return void client.write(chunk);
      dropAnswer = false;
      dropped += 1;
      client.destroy();
      upstream.destroy();
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    dropNext(marker, count = 1) {
      plan = { marker, left: count };
    },
    get dropped() {
      return dropped;
    },
    requests: (marker) => seen.filter((text) => text.includes(marker)).length,
    async close() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };
}
