/**
 * How the UI talks to the hub. Most calls go through `@nexomatic/client`; the few it does not offer
 * yet (users, the tenant, starving Sink Types, Sources, Schedules) go through a tRPC client typed
 * with the hub's `AppRouter` (a type import only), in this one file, so they can move to the
 * client as it grows.
 */
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { createClient, toNexomaticError, type Client } from '@nexomatic/client';
import type { AppRouter } from '@nexomatic/hub';
import type { AuditTarget, EventRecord, LogRecord, Role, SecretMetadata, TokenMetadata } from '@nexomatic/core';

/** Where the hub's API is: the server writes it into index.html; `/` when absent (Vite dev). */
export function hubUrl(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="nexomatic-hub-path"]')?.content ?? '/';
  const path = meta.startsWith('/') ? meta : '/';
  return `${window.location.origin}${path}`;
}

type Raw = ReturnType<typeof createTRPCClient<AppRouter>>;
type Out<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

/** One secret's metadata (never a value). */
export type SecretRow = SecretMetadata;
/** One API token's metadata (never a value). */
export type TokenRow = TokenMetadata;
/** One user. */
export type UserRow = Out<Raw['users']['list']['query']>[number];
/** A page of the audit log. */
export type AuditPage = Out<Raw['audit']['query']['query']>;
/** The caller's tenant. */
export type TenantView = Out<Raw['tenants']['current']['query']>;
/** A Source with its URLs (none for a Viewer: a Source URL is a credential). */
export type SourceRow = Out<Raw['sources']['list']['query']>[number];
/** A Schedule with its next run. */
export type ScheduleRow = Out<Raw['schedules']['list']['query']>[number];

/** Who is signed in: the tenant and the role the hub gives the token. */
export interface Session {
  role: Role;
  tenant: TenantView;
}

/** Everything the screens call. */
export interface Api {
  /** The typed client (events, definitions, sinks). */
  client: Client;
  /** The tenant and the role of the token; `UNAUTHENTICATED` for a bad token. */
  session(): Promise<Session>;
  starving(): Promise<Array<{ sinkType: string; count: number }>>;
  eventLogs(id: string, attempt?: number): Promise<LogRecord[]>;
  chain(rootEventId: string): Promise<EventRecord[]>;
  secrets: {
    list(): Promise<SecretRow[]>;
    put(key: string, value: string): Promise<void>;
    delete(key: string): Promise<void>;
  };
  tokens: {
    list(): Promise<TokenRow[]>;
    create(input: { name: string; role: Role; expiresAt?: string; userId?: string }): Promise<{ token: string }>;
    revoke(id: string): Promise<void>;
  };
  users: {
    list(): Promise<UserRow[]>;
    create(input: { name: string; role: Role }): Promise<void>;
    update(id: string, patch: { role?: Role; name?: string }): Promise<void>;
    delete(id: string): Promise<void>;
  };
  audit(input: { target?: AuditTarget; cursor?: string; limit?: number }): Promise<AuditPage>;
  sources: {
    list(): Promise<SourceRow[]>;
    /** Gives a Source a new URL token; the old URL stops working at once (Admin). */
    rotateToken(name: string): Promise<void>;
  };
  schedules: {
    list(): Promise<ScheduleRow[]>;
    /** The next `count` run times (ISO) of a cron expression in a time zone. */
    preview(cron: string, timeZone: string, count: number): Promise<string[]>;
  };
}

/** Creates the API of one signed-in token. */
export function createApi(token: string, url = hubUrl()): Api {
  const client = createClient({ url, token });
  const raw: Raw = createTRPCClient<AppRouter>({
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
    client,
    async session() {
      const tenant = await call(() => raw.tenants.current.query());
      // The API has no "who am I" yet: an Admin-only read tells the roles apart.
      const role: Role = await client.tokens.list().then(
        () => 'Admin' as const,
        (error: { code?: string }) => {
          if (error.code === 'FORBIDDEN') return 'Viewer' as const;
          throw error;
        },
      );
      return { role, tenant };
    },
    starving: () => call(() => raw.sinks.starving.query()),
    eventLogs: (id, attempt) => client.events.logs(id, attempt),
    async chain(rootEventId) {
      const page = await client.events.list({ rootEventId, limit: 200 });
      return page.items;
    },
    secrets: {
      list: () => client.secrets.list(),
      put: async (key, value) => void (await client.secrets.put(key, value)),
      delete: (key) => client.secrets.delete(key),
    },
    tokens: {
      list: () => client.tokens.list(),
      create: async (input) => ({ token: (await client.tokens.create(input)).token }),
      revoke: async (id) => void (await client.tokens.revoke(id)),
    },
    users: {
      list: () => call(() => raw.users.list.query()),
      create: async (input) => void (await call(() => raw.users.create.mutate(input))),
      update: async (id, patch) => void (await call(() => raw.users.update.mutate({ id, ...patch }))),
      delete: async (id) => void (await call(() => raw.users.delete.mutate({ id }))),
    },
    audit: (input) => client.audit.list({ limit: 50, ...input }),
    sources: {
      list: () => call(() => raw.sources.list.query()),
      rotateToken: async (name) => void (await call(() => raw.sources.rotateToken.mutate({ name }))),
    },
    schedules: {
      list: () => call(() => raw.schedules.list.query()),
      preview: async (cron, timeZone, count) => (await call(() => raw.schedules.preview.query({ cron, timeZone, count }))).runs,
    },
  };
}
