import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A loopback TCP proxy whose open connections can be made half-open: alive, but carrying nothing. */
export interface TcpProxy {
  /** `http://127.0.0.1:<proxy port>`. */
  url: string;
  /** How many connections it accepted. */
  readonly connections: number;
  /**
   * Silently stops carrying bytes on every open connection, in both directions, without closing
   * either end (no FIN, no RST): a network path that died. New connections are carried normally.
   */
  blackhole(): number;
  close(): Promise<void>;
}

/** Starts a proxy to `127.0.0.1:targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; dead: boolean }>();
  let connections = 0;
  const server = createServer((client) => {
    connections += 1;
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = { client, upstream, dead: false };
    pairs.add(pair);
    client.on('data', (chunk) => pair.dead || upstream.write(chunk));
    upstream.on('data', (chunk) => pair.dead || client.write(chunk));
    const end = () => {
      if (pair.dead) return;
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    blackhole() {
      let count = 0;
      for (const pair of pairs) {
        if (pair.dead) continue;
        pair.dead = true;
        count += 1;
      }
      return count;
    },
    /** Destroys every connection, dead ones included, and stops listening. Idempotent. */
    async close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };
}
