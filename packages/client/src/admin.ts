/**
 * The client's calls about who and what administers a tenant: the caller's session, the tenant,
 * its users, Sources and Schedules. Split from `client.ts` to keep each file small.
 */
import type { TRPCClient } from '@trpc/client';
import type { AppRouter } from '@nexomatic/hub';
import type {
  SchedulePreviewInput,
  ScheduleView,
  SessionView,
  SourceListing,
  TenantView,
  UserInput,
  UserPatch,
  UserRecord,
} from './types.js';

/** The administration calls of a {@link Client}. */
export interface AdminCalls {
  session: {
    /** Who the caller is: its tenant (id, name), role and subject. Any role may ask. */
    me(): Promise<SessionView>;
  };
  tenants: {
    /** The caller's tenant (never its `TENANT_SECRET`). */
    current(): Promise<TenantView>;
  };
  users: {
    /** The tenant's users. */
    list(): Promise<UserRecord[]>;
    /** Creates a user (Admin); a name already used in the tenant is a `CONFLICT`. */
    create(input: UserInput): Promise<UserRecord>;
    /** Changes a user's name or role (Admin); their tokens act with the new role at once. */
    update(id: string, patch: UserPatch): Promise<UserRecord>;
    /** Deletes a user and revokes their tokens (Admin). */
    delete(id: string): Promise<UserRecord>;
  };
  sources: {
    /** The tenant's Sources; an Admin sees their URLs, a Viewer none (a Source URL is a credential). */
    list(): Promise<SourceListing[]>;
    /** Gives a Source a new URL token; the old URL stops working at once (Admin). */
    rotateToken(name: string): Promise<SourceListing>;
  };
  schedules: {
    /** The tenant's Schedules, each with its next run. */
    list(): Promise<ScheduleView[]>;
    /** The next run times (ISO) of a cron expression in a time zone; stores nothing. */
    preview(input: SchedulePreviewInput): Promise<string[]>;
  };
}

/** Runs a call, turning its failure into a `NexomaticError`. */
type Call = <T>(fn: () => Promise<T>) => Promise<T>;

/** The administration calls over a tRPC client. */
export function adminCalls(trpc: TRPCClient<AppRouter>, call: Call): AdminCalls {
  return {
    session: { me: () => call(() => trpc.session.me.query()) },
    tenants: { current: () => call(() => trpc.tenants.current.query()) },
    users: {
      list: () => call(() => trpc.users.list.query()),
      create: (input) => call(() => trpc.users.create.mutate(input)),
      update: (id, patch) => call(() => trpc.users.update.mutate({ ...patch, id })),
      delete: (id) => call(() => trpc.users.delete.mutate({ id })),
    },
    sources: {
      list: () => call(() => trpc.sources.list.query()),
      rotateToken: (name) => call(() => trpc.sources.rotateToken.mutate({ name })),
    },
    schedules: {
      list: () => call(() => trpc.schedules.list.query()),
      preview: async (input) => (await call(() => trpc.schedules.preview.query(input))).runs,
    },
  };
}
