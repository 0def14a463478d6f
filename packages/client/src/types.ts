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
