import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '@nexomatic/hub';
import {
  parse,
  type DefinitionKind,
  type DefinitionsInput,
  type EventPage,
  type EventQuery,
  type EventRecord,
  type EventState,
  type FireInput,
  type LogRecord,
  type ControlSignal,
  type SinkView,
} from '@nexomatic/core';
import { z } from 'zod';
import { toNexomaticError } from './errors.js';

/** The options of {@link createClient}. */
export const ClientOptions = z.object({
  /** The hub's base URL, e.g. `http://127.0.0.1:4000` (plus the hub's base path, if any). */
  url: z.url(),
  /** An API token (`nxm_...`). */
  token: z.string().min(1),
});
/** The options of {@link createClient}. */
export type ClientOptions = z.input<typeof ClientOptions>;

/** A typed client of a Nexomatic hub. Every method throws a `NexomaticError` with the hub's code. */
export interface Client {
  /** Fires one event. */
  fire(input: FireInput): Promise<EventRecord>;
  /** Fires many events in one group commit. */
  fireBatch(inputs: FireInput[]): Promise<EventRecord[]>;
  events: {
    get(id: string): Promise<EventRecord>;
    list(query?: EventQuery): Promise<EventPage>;
    /** Waits until the event is finished (up to `timeoutMs`, default 60 s) and returns it. */
    wait(id: string, timeoutMs?: number): Promise<EventRecord>;
    logs(id: string, attempt?: number): Promise<LogRecord[]>;
    /** Cancels a `QUEUED` event (it ends `ERROR` with code `CANCELLED`). */
    cancel(id: string): Promise<EventRecord>;
    /** Re-runs a finished event; returns the new event (its `rerunOf` is `id`). */
    rerun(id: string): Promise<EventRecord>;
    /** How many of the tenant's events are in each state. */
    counts(): Promise<Record<EventState, number>>;
  };
  definitions: {
    apply(definitions: DefinitionsInput): Promise<{ created: string[]; updated: string[]; unchanged: string[] }>;
    list(kind: DefinitionKind): Promise<unknown[]>;
  };
  sinks: {
    /** Each sink's status, last-seen time, version, runtimes and running tasks. */
    list(): Promise<SinkView[]>;
    /** Sends `RESET`, `KILL` or `FORCE_KILL` to a connected sink (Admin). */
    control(sinkId: string, signal: ControlSignal): Promise<void>;
  };
}

/**
 * Creates a client of a hub over HTTP.
 *
 * @example
 * ```ts
 * const client = createClient({ url: 'http://127.0.0.1:4000', token: process.env.NEXOMATIC_TOKEN! });
 * const event = await client.fire({ eventType: 'orders.placed', payload: { orderId: 'A-1' } });
 * const done = await client.events.wait(event.id);
 * ```
 */
export function createClient(options: ClientOptions): Client {
  const { url, token } = parse(ClientOptions, options, 'client options');
  const trpc = createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${url.replace(/\/$/, '')}/trpc`, headers: () => ({ authorization: `Bearer ${token}` }) })],
  });
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw toNexomaticError(error);
    }
  };
  return {
    fire: (input) => call(() => trpc.events.fire.mutate(input)),
    fireBatch: (inputs) => call(() => trpc.events.fireBatch.mutate({ events: inputs })),
    events: {
      get: (id) => call(() => trpc.events.get.query({ id })),
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
    definitions: {
      apply: (definitions) => call(() => trpc.definitions.upsert.mutate(definitions)),
      list: (kind) => call(() => trpc.definitions.list.query({ kind })),
    },
    sinks: {
      list: () => call(() => trpc.sinks.list.query()),
      control: async (sinkId, signal) => {
        await call(() => trpc.sinks.control.mutate({ sinkId, signal }));
      },
    },
  };
}
