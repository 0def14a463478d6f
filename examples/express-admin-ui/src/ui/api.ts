/**
 * How the UI talks to the hub: only through `@nexomatic/client` (HTTP for calls, the hub's
 * WebSocket for live log tails, its token in `Sec-WebSocket-Protocol` as a browser must send it).
 * This file shapes the client's calls the way the screens use them.
 */
import {
  createClient,
  type AuditPage as ClientAuditPage,
  type Client,
  type ScheduleView,
  type SecretMetadata,
  type SessionView,
  type SourceListing,
  type StarvingSinkType,
  type TokenMetadata,
  type UserRecord,
} from '@nexomatic/client';
import type { AuditTarget, EventRecord, LogRecord, Role } from '@nexomatic/core';

/** Where the hub's API is: the server writes it into index.html; `/` when absent (Vite dev). */
export function hubUrl(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="nexomatic-hub-path"]')?.content ?? '/';
  const path = meta.startsWith('/') ? meta : '/';
  return `${window.location.origin}${path}`;
}

/** One secret's metadata (never a value). */
export type SecretRow = SecretMetadata;
/** One API token's metadata (never a value). */
export type TokenRow = TokenMetadata;
/** One user. */
export type UserRow = UserRecord;
/** A page of the audit log. */
export type AuditPage = ClientAuditPage;
/** A Source with its URLs (none for a Viewer: a Source URL is a credential). */
export type SourceRow = SourceListing;
/** A Schedule with its next run. */
export type ScheduleRow = ScheduleView;

/** Who is signed in: the tenant, the role the hub gives the token, and its subject. */
export type Session = SessionView;

/** Everything the screens call. */
export interface Api {
  /** The typed client (events, definitions, sinks, logs). */
  client: Client;
  /** The tenant, role and subject of the token (`session.me`); `UNAUTHENTICATED` for a bad token. */
  session(): Promise<Session>;
  starving(): Promise<StarvingSinkType[]>;
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
  return {
    client,
    session: () => client.session.me(),
    starving: () => client.sinks.starving(),
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
      list: () => client.users.list(),
      create: async (input) => void (await client.users.create(input)),
      update: async (id, patch) => void (await client.users.update(id, patch)),
      delete: async (id) => void (await client.users.delete(id)),
    },
    audit: (input) => client.audit.list({ limit: 50, ...input }),
    sources: {
      list: () => client.sources.list(),
      rotateToken: async (name) => void (await client.sources.rotateToken(name)),
    },
    schedules: {
      list: () => client.schedules.list(),
      preview: (cron, timeZone, count) => client.schedules.preview({ cron, timeZone, count }),
    },
  };
}
