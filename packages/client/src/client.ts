import {
  parse,
  type ControlSignal,
  type DefinitionKind,
  type EventPage,
  type EventQuery,
  type EventRecord,
  type EventState,
  type LogRecord,
  type SinkView,
  type TypedEventType,
} from '@nexomatic/core';
import { z } from 'zod';
import { checkPayload, payloadSchemas, toDefinitions, type NexomaticConfig, type PayloadMap, type PayloadOf } from './config.js';
import { adminCalls, type AdminCalls } from './admin.js';
import { toNexomaticError } from './errors.js';
import { RetryOptions } from './retry.js';
import { tailLogs, type TailCalls } from './tail.js';
import { createTransport, protocolWebSocket, type FetchLike, type WebSocketFactory } from './transport.js';
import type {
  ApplySummary,
  AuditPage,
  AuditQuery,
  CreatedToken,
  DefinitionsDiff,
  FireItem,
  FireOptions,
  LogPage,
  LogQuery,
  SecretMetadata,
  StarvingSinkType,
  TailOptions,
  TokenInput,
  TokenMetadata,
} from './types.js';

/** The options of {@link createClient}. */
export const ClientOptions = z.object({
  /** The hub's base URL, e.g. `http://127.0.0.1:4000` (plus the hub's base path, if any). */
  url: z.url(),
  /** An API token (`nxm_...`). */
  token: z.string().min(1),
  /** Retries of calls that failed on the network (only calls safe to send again). */
  retry: RetryOptions.default(RetryOptions.parse({})),
  /** Extra headers on every request. */
  headers: z.record(z.string(), z.string()).optional(),
});
/** The options of {@link createClient}. */
export type ClientOptions<C extends NexomaticConfig = NexomaticConfig> = Omit<z.input<typeof ClientOptions>, 'retry'> & {
  retry?: Partial<RetryOptions>;
  /** The code definitions (a `nexomatic.config.ts`): `fire` is typed and checked by their payload schemas. */
  definitions?: C;
  /** The `fetch` to call the hub with. @default globalThis.fetch */
  fetch?: FetchLike;
  /**
   * Makes the WebSocket class for subscriptions (`logs.tail` live); `false` makes `logs.tail` poll
   * over HTTP. `@nexomatic/client/node` sets one built on `ws` (token in `Authorization`).
   * @default the global `WebSocket` (a browser's), the token in `Sec-WebSocket-Protocol`; none where there is no global one
   */
  webSocket?: WebSocketFactory | false;
};

/** An item of `fireBatch`, its payload checked against the Event Type it names. */
type CheckedItem<M, X> = X extends { eventType: infer N extends string } ? FireOptions & { eventType: N; payload?: PayloadOf<M, N> } : never;

/** How `definitions.apply` and `definitions.diff` run. */
export interface ApplyOptions {
  /** Also remove the hub's definitions that the given ones leave out. @default false */
  prune?: boolean;
}

/**
 * A client of a hub. Every method throws a `NexomaticError` carrying the hub's code. `M` maps each
 * Event Type the client was created with (by `defineEventType`) to its payload type.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Client<M = {}> extends AdminCalls {
  /**
   * Fires one event. With an Event Type the client's definitions type (or a `defineEventType`
   * result), the payload is type-checked and validated before it is sent. The call carries an
   * idempotency key (yours, or one generated for this call), so a retry never creates a second event.
   */
  fire<N extends string, P, I>(eventType: TypedEventType<N, P, I>, payload: I, options?: FireOptions): Promise<EventRecord>;
  fire<N extends string>(eventType: N, payload: PayloadOf<M, N>, options?: FireOptions): Promise<EventRecord>;
  fire<N extends string>(input: FireOptions & { eventType: N; payload?: PayloadOf<M, N> }): Promise<EventRecord>;
  /** Fires many events in one group commit; every item gets its own idempotency key unless it has one. */
  fireBatch<N extends string, T extends ReadonlyArray<{ eventType: N }>>(
    inputs: T & { [I in keyof T]: CheckedItem<M, T[I]> },
  ): Promise<EventRecord[]>;
  events: {
    get(id: string): Promise<EventRecord>;
    /** A page of events, newest first; pass `nextCursor` as `cursor` for the next page. */
    list(query?: EventQuery): Promise<EventPage>;
    /** Waits until the event is finished (up to `timeoutMs`, default 60 s) and returns it. */
    wait(id: string, timeoutMs?: number): Promise<EventRecord>;
    /** The event's Log records, in order (the same as `logs.query`). */
    logs(id: string, attempt?: number): Promise<LogRecord[]>;
    /** Cancels a `QUEUED` event (it ends `ERROR` with code `CANCELLED`). */
    cancel(id: string): Promise<EventRecord>;
    /** Re-runs a finished event; returns the new event (its `rerunOf` is `id`). */
    rerun(id: string): Promise<EventRecord>;
    /** How many of the tenant's events are in each state. */
    counts(): Promise<Record<EventState, number>>;
  };
  logs: {
    /**
     * A page of Log records: one event's (one attempt, when given) in `(attempt, seq)` order, or the
     * tenant's in time order; filtered by lowest level, time range and text. Live and archived alike.
     */
    query(query: LogQuery): Promise<LogPage>;
    /**
     * Follows an event's Log records as they arrive (live over the hub's WebSocket; polled every
     * `intervalMs` when the client has no WebSocket or it cannot open); ends when the event is
     * finished and every record was given.
     */
    tail(eventId: string, options?: TailOptions): AsyncIterable<LogRecord>;
  };
  definitions: {
    /** Creates and updates definitions (and with `prune`, removes those left out); audited by the hub. */
    apply(definitions: NexomaticConfig, options?: ApplyOptions): Promise<ApplySummary>;
    /** What `apply` with the same arguments would change; changes nothing. */
    diff(definitions: NexomaticConfig, options?: ApplyOptions): Promise<DefinitionsDiff>;
    /** The stored definitions of a kind. */
    list(kind: DefinitionKind): Promise<unknown[]>;
  };
  sinks: {
    /** Each sink's status, last-seen time, version, runtimes and running tasks. */
    list(): Promise<SinkView[]>;
    /** Sends `RESET`, `KILL` or `FORCE_KILL` to a connected sink (Admin). */
    control(sinkId: string, signal: ControlSignal): Promise<void>;
    /** The Sink Types with events waiting past the starvation warning and no sink serving them. */
    starving(): Promise<StarvingSinkType[]>;
  };
  secrets: {
    /** Creates or replaces a Secret (Admin); answers with its metadata, never the value. */
    put(key: string, value: string): Promise<SecretMetadata>;
    /** Deletes a Secret (Admin); `NOT_FOUND` when there is none with this key. */
    delete(key: string): Promise<void>;
    /** The metadata of the tenant's Secrets. */
    list(): Promise<SecretMetadata[]>;
  };
  tokens: {
    /** Creates an API token (Admin); its value is in this answer only. */
    create(input: TokenInput): Promise<CreatedToken>;
    /** Every token of the tenant, revoked and expired ones included (Admin). */
    list(): Promise<TokenMetadata[]>;
    /** Revokes a token at once (Admin). */
    revoke(id: string): Promise<TokenMetadata>;
  };
  audit: {
    /** A page of the tenant's audit log, newest first (Admin). */
    list(query?: AuditQuery): Promise<AuditPage>;
  };
  /** Closes the client's WebSocket (if a subscription opened one); HTTP calls need no closing. */
  close(): Promise<void>;
}

/** A fresh idempotency key: one per `fire` call (or batch item), reused by every retry of it. */
function newKey(): string {
  return `nxc-${globalThis.crypto.randomUUID()}`;
}

/**
 * Creates a client of a hub over HTTP (the global `fetch`, so it runs in browsers too; in Node,
 * `createClient` from `@nexomatic/client/node` adds a keep-alive pool).
 *
 * @example
 * ```ts
 * import config from './nexomatic.config.js';
 * const client = createClient({ url: 'http://127.0.0.1:4000', token: process.env.NEXOMATIC_TOKEN!, definitions: config });
 * const event = await client.fire('orders.placed', { orderId: 'A-1', total: 12 });   // type-checked
 * const done = await client.events.wait(event.id);
 * ```
 */
export function createClient<const C extends NexomaticConfig = NexomaticConfig>(options: ClientOptions<C>): Client<PayloadMap<C>> {
  const { definitions, fetch, webSocket, retry, ...rest } = options;
  const parsed = parse(ClientOptions, { ...rest, retry: RetryOptions.parse(retry ?? {}) }, 'client options');
  const socket = webSocket === false ? undefined : (webSocket ?? protocolWebSocket());
  const transport = createTransport({ ...parsed, url: parsed.url.replace(/\/+$/, ''), fetch, webSocket: socket });
  const { trpc } = transport;
  const schemas = payloadSchemas(definitions);
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw toNexomaticError(error);
    }
  };
  const item = (input: FireItem, schema?: z.ZodType) => ({
    ...input,
    payload: schema ? (parse(schema, input.payload, `payload of ${input.eventType}`) as FireItem['payload']) : checkPayload(schemas, input.eventType, input.payload),
    idempotencyKey: input.idempotencyKey ?? newKey(),
  });
  const logsQuery = (q: LogQuery) => call(() => trpc.logs.query.query(q));
  const get = (id: string) => call(() => trpc.events.get.query({ id }));
  const pollCalls: TailCalls = {
    wait: (id, timeoutMs, signal) => call(() => trpc.events.wait.query({ id, timeoutMs: Math.min(timeoutMs, 30_000) }, { signal })),
    page: logsQuery,
  };
  // Once the WebSocket failed to open, tails poll (and the socket stops retrying).
  let socketFailed = false;
  const liveCalls: TailCalls = {
    ...pollCalls,
    subscribe: (input, handlers) =>
      trpc.logs.tail.subscribe(input, {
        onData: (record) => handlers.onData(record.data),
        onError: (error) => handlers.onError(toNexomaticError(error)),
        onStarted: () => handlers.onStarted(),
        onConnectionStateChange: (state) => {
          if (state.state !== 'connecting' || !state.error) return;
          if (!socketFailed) void transport.close();
          socketFailed = true;
          handlers.onUnavailable();
        },
      }),
  };

  const client: Client<PayloadMap<C>> = {
    fire: ((first: string | TypedEventType<string, unknown, unknown> | FireItem, payload?: unknown, fireOptions: FireOptions = {}) =>
      call(async () => {
        const input =
          typeof first === 'string'
            ? item({ ...fireOptions, eventType: first, payload: payload as FireItem['payload'] })
            : 'definition' in first
              ? item({ ...fireOptions, eventType: first.name, payload: payload as FireItem['payload'] }, first.payload)
              : item(first);
        return trpc.events.fire.mutate(input);
      })) as Client<PayloadMap<C>>['fire'],
    fireBatch: (inputs) => call(() => trpc.events.fireBatch.mutate({ events: (inputs as readonly FireItem[]).map((i) => item(i)) })),
    events: {
      get,
      list: (query = {}) => call(() => trpc.events.list.query(query)),
      async wait(id, timeoutMs = 60_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const left = Math.max(0, deadline - Date.now());
          const event = await call(() => trpc.events.wait.query({ id, timeoutMs: Math.min(left, 25_000) }));
          if (['SUCCESS', 'WARNING', 'ERROR'].includes(event.state) || left === 0) return event;
        }
      },
      logs: (id, attempt) => call(() => trpc.events.logs.query({ id, attempt })),
      counts: () => call(() => trpc.events.counts.query()),
      cancel: (id) => call(() => trpc.events.cancel.mutate({ id })),
      rerun: (id) => call(() => trpc.events.rerun.mutate({ id })),
    },
    logs: {
      query: logsQuery,
      tail: (eventId, tailOptions = {}) => tailLogs(transport.subscriptions && !socketFailed ? liveCalls : pollCalls, eventId, tailOptions),
    },
    definitions: {
      apply: (defs, applyOptions = {}) =>
        call(() => trpc.definitions.upsert.mutate({ ...toDefinitions(defs), prune: applyOptions.prune === true })),
      diff: (defs, applyOptions = {}) =>
        call(() => trpc.definitions.diff.query({ ...toDefinitions(defs), prune: applyOptions.prune === true })),
      list: (kind) => call(() => trpc.definitions.list.query({ kind })),
    },
    sinks: {
      list: () => call(() => trpc.sinks.list.query()),
      control: async (sinkId, signal) => {
        await call(() => trpc.sinks.control.mutate({ sinkId, signal }));
      },
      starving: () => call(() => trpc.sinks.starving.query()),
    },
    secrets: {
      put: (key, value) => call(() => trpc.secrets.put.mutate({ key, value })),
      delete: async (key) => {
        await call(() => trpc.secrets.delete.mutate({ key }));
      },
      list: () => call(() => trpc.secrets.list.query()),
    },
    tokens: {
      create: (input) => call(() => trpc.tokens.create.mutate(input)),
      list: () => call(() => trpc.tokens.list.query()),
      revoke: (id) => call(() => trpc.tokens.revoke.mutate({ id })),
    },
    audit: {
      list: (query) => call(() => trpc.audit.query.query(query ?? { limit: 50 })),
    },
    ...adminCalls(trpc, call),
    close: () => transport.close(),
  };
  return client;
}
