import { connect, type Socket } from 'node:net';

type Reply = string | number | null | Error | Reply[];
type Arg = string | number | Buffer;

const CRLF = Buffer.from('\r\n');
const CLOSED = 'Connection closed';

/**
 * A minimal RESP2 Redis client with the shape of Bun's built-in `RedisClient` (`send`, `connected`,
 * `onconnect`, `onclose`, `connect`, `close`, `duplicate`), which BullMQ 6 drives through its own
 * Bun adapter. It exists because neither `ioredis` nor `redis` is installed in this workspace; the
 * BullMQ peer uses `ioredis` instead whenever it is. Pipelines freely: replies come back in order.
 */
export class RespClient {
  connected = false;
  onconnect: (() => void) | undefined;
  onclose: ((error?: Error) => void) | undefined;
  onerror: ((error: Error) => void) | undefined;
  readonly url: string;
  private socket: Socket | null = null;
  private connecting: Promise<void> | null = null;
  private closing = false;
  private readonly pending: Array<{ resolve: (value: unknown) => void; reject: (error: Error) => void }> = [];
  private buffer: Buffer = Buffer.alloc(0);

  constructor(url = 'redis://127.0.0.1:6379') {
    this.url = url;
  }

  /** Opens the connection (once). */
  connect(): Promise<void> {
    if (this.connected) return Promise.resolve();
    if (this.connecting) return this.connecting;
    const { hostname, port } = new URL(this.url);
    this.closing = false;
    this.connecting = new Promise<void>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port || 6379), noDelay: true });
      this.socket = socket;
      socket.once('connect', () => {
        this.connected = true;
        this.connecting = null;
        resolve();
        this.onconnect?.();
      });
      socket.on('data', (chunk: Buffer) => this.receive(chunk));
      socket.once('error', (error) => {
        this.connecting = null;
        reject(error);
        this.onerror?.(error);
      });
      socket.once('close', () => {
        const wasOpen = this.connected;
        this.connected = false;
        this.socket = null;
        this.failAll(new Error(CLOSED));
        if (wasOpen) this.onclose?.(this.closing ? undefined : new Error(CLOSED));
      });
    });
    return this.connecting;
  }

  /** Sends one command; resolves with its reply (RESP2: strings, integers, arrays, null). */
  send(command: string, args: readonly Arg[] = []): Promise<unknown> {
    const socket = this.socket;
    if (!socket || !this.connected) return Promise.reject(new Error(CLOSED));
    const parts: Buffer[] = [Buffer.from(`*${args.length + 1}\r\n$${Buffer.byteLength(command)}\r\n${command}\r\n`)];
    for (const arg of args) {
      const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
      parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      socket.write(Buffer.concat(parts));
    });
  }

  /** Closes the connection; commands in flight fail with "Connection closed". */
  close(): void {
    this.closing = true;
    this.socket?.end();
  }

  /** Same as {@link close} (BullMQ recognises a client instance by connect/disconnect/duplicate). */
  disconnect(): void {
    this.close();
  }

  /** A new, unconnected client to the same server. */
  duplicate(): Promise<RespClient> {
    return Promise.resolve(new RespClient(this.url));
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.splice(0)) waiter.reject(error);
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    for (;;) {
      const parsed = parse(this.buffer, offset);
      if (!parsed) break;
      offset = parsed[1];
      const waiter = this.pending.shift();
      if (!waiter) continue;
      if (parsed[0] instanceof Error) waiter.reject(parsed[0]);
      else waiter.resolve(parsed[0]);
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
  }
}

/** Parses one RESP2 value at `offset`; undefined when the buffer does not hold all of it yet. */
function parse(buffer: Buffer, offset: number): [Reply, number] | undefined {
  const end = buffer.indexOf(CRLF, offset);
  if (end === -1) return undefined;
  const type = String.fromCharCode(buffer[offset]!);
  const line = buffer.toString('utf8', offset + 1, end);
  const next = end + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new Error(line), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const length = Number(line);
      if (length < 0) return [null, next];
      if (buffer.length < next + length + 2) return undefined;
      return [buffer.toString('utf8', next, next + length), next + length + 2];
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: Reply[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, at);
        if (!item) return undefined;
        items.push(item[0]);
        at = item[1];
      }
      return [items, at];
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}
