/**
 * The types of what the client sends and receives, taken from the hub's router (a type-only
 * import: nothing of the hub is bundled).
 */
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@nexomatic/hub';
import type { FireInput, LogRecord } from '@nexomatic/core';

type Out = inferRouterOutputs<AppRouter>;
type In = inferRouterInputs<AppRouter>;

/** What `definitions.apply` did: each definition as `kind:name`, per outcome. */
export type ApplySummary = Out['definitions']['upsert'];
/** What `definitions.apply` would do, per kind: created, updated (field by field), unchanged, removed. */
export type DefinitionsDiff = Out['definitions']['diff'];
/** A Secret's metadata: key, key version, times. Never a value. */
export type SecretMetadata = Out['secrets']['list'][number];
/** An API token's metadata: id, name, role, expiry, revocation. Never a value or a hash. */
export type TokenMetadata = Out['tokens']['list'][number];
/** A token just created: its value (shown this once) and its metadata. */
export type CreatedToken = Out['tokens']['create'];
/** What `tokens.create` takes. */
export type TokenInput = In['tokens']['create'];
/** A page of the audit log, newest first. */
export type AuditPage = Out['audit']['query'];
/** A filter of the audit log. */
export type AuditQuery = NonNullable<In['audit']['query']>;

/** A user of the tenant: id, name, role, creation time. */
export type UserRecord = Out['users']['list'][number];
/** What `users.create` takes: a name unique in the tenant, and a role. */
export type UserInput = In['users']['create'];
/** A change to a user; absent fields stay as they are. */
export type UserPatch = Omit<In['users']['update'], 'id'>;
/** The caller's tenant: name, node-auth enforcement, whether a `TENANT_SECRET` is set (never the secret). */
export type TenantView = Out['tenants']['current'];
/** Who the caller is: its tenant (id, name), role and subject (`token:<name>`, `user:<name>`, ...). */
export type SessionView = Out['session']['me'];
/** A Sink Type with events waiting longer than the hub's starvation warning and no sink serving it. */
export type StarvingSinkType = Out['sinks']['starving'][number];
/** A Source with its URLs (an Admin's view; a Viewer gets no token, paths or URLs). */
export type SourceListing = Out['sources']['list'][number];
/** A stored Schedule with the time it fires next (null when disabled). */
export type ScheduleView = Out['schedules']['list'][number];
/** What `schedules.preview` takes: a cron expression, a time zone (default UTC), how many runs (default 5), from when. */
export type SchedulePreviewInput = In['schedules']['preview'];

/** The options of one fired event besides its Event Type and payload. */
export type FireOptions = Omit<FireInput, 'eventType' | 'payload' | 'source'>;

/** One event of a batch (`fireBatch`). */
export type FireItem = FireOptions & { eventType: string; payload?: Record<string, unknown> };

/** A log query: by event (and attempt) in order, or across events in time order; by level, time range, text. */
export type LogQuery = In['logs']['query'];
/** A page of Log records and the cursor of the next one (null at the end). */
export type LogPage = Out['logs']['query'];

/** How `logs.tail` follows an event's logs. */
export interface TailOptions {
  /** Only this attempt's records. */
  attempt?: number;
  /** Stops the tail (the iterator ends). */
  signal?: AbortSignal;
  /** How often to ask for new records while the event runs. @default 500 */
  intervalMs?: number;
}

/** A Log record (re-exported for convenience). */
export type { LogRecord };
