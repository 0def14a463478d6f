/**
 * # The HubStore port
 *
 * Everything the hub remembers goes through this interface; the engine never sees a database type.
 * It is grouped by aggregate: `events`, `definitions`, `sinks`, `identities`, `logs`. Every adapter
 * (SQLite, MongoDB) passes the same contract suite (`@nexomatic/hub/testing`), which is the
 * executable form of this text.
 *
 * ## Contract
 *
 * **Ownership.** An adapter owns the connection it opened and closes it in `close()`. An adapter
 * given a connection by the caller leaves it open. `close()` flushes every accepted write first.
 *
 * **Durability.** A promise returned by a write resolves only after the write is durable (committed
 * and, for SQLite, fsynced). Adapters may group many writes into one transaction (group commit);
 * each write still succeeds or fails on its own.
 *
 * **Events are never deleted.** No method removes an event.
 *
 * **Tenancy.** Every read that takes a `tenantId` returns only that tenant's records; a record of
 * another tenant is reported as absent, never as forbidden.
 *
 * **One call, one unit.** A call to `events.insert`, `events.complete` or `events.release` applies
 * whole or not at all: when its promise rejects, nothing of that call applied. Separate calls are
 * independent even when an adapter commits them in one transaction.
 *
 * **Errors.** Adapters throw `NexomaticError`: `CONFLICT` for a duplicate event id, `CLOSED` for
 * any call after `close()`, `VALIDATION` for a malformed cursor, `INTERNAL` for anything else.
 *
 * **Insert.** An event whose `(tenantId, idempotencyKey)` exists on an event whose
 * `idempotencyUntil` is still ahead of the new event's `createdAt` is not inserted again: the result
 * names the existing event's id with `created: false`. A key whose window has passed is taken
 * over: the old event keeps its record but loses the key, and the new event is inserted. A key
 * with no `idempotencyUntil` (stored before windows existed) is held forever.
 *
 * **Claim is atomic.** `events.claim` moves up to `limit` `QUEUED` events that match the request to
 * `RUNNING` for one sink, increments `attempt`, sets `sinkId`, `startedAt`, `leaseExpiresAt` and the
 * attempt's deadline (`now + timeoutMs`), and returns them. Two claims, from this or another process, never return the same event attempt.
 * Events are claimed in priority order (higher first), then age (older first). An event whose
 * `notBefore` is in the future is not claimable. The cost of a claim does not grow with the
 * number of finished events: adapters index exactly the claim predicate over `QUEUED` events.
 *
 * **Completion is idempotent** on `(eventId, attempt)`: it applies only while the event is
 * `RUNNING` with that attempt, and it inserts the completion's follow-on events in the same
 * transaction. A duplicate or late completion returns `false` and changes nothing, so a follow-on
 * is never created twice.
 *
 * **Release** (back to `QUEUED`) is conditional on `(eventId, attempt)` in the same way.
 *
 * **Timestamps.** `updatedAt` changes on every state change (insert, claim, complete, release, cancel), at
 * the adapter's clock where the call carries no time; extending a lease is not a state change.
 *
 * **Queue groups.** `events.queueGroups` and `events.depth` answer from counters the adapter keeps
 * in step with every state change (in the same transaction), so their cost depends on the number
 * of (tenant, Event Type) groups, never on the number of events.
 *
 * **Cancel** moves a `QUEUED` event, and only a `QUEUED` one, to `ERROR` with code `CANCELLED`.
 *
 * **Ordering of lists.** Event lists are newest first with an opaque cursor; log queries are in
 * `seq` order within an attempt.
 *
 * **Scheduler backend.** `schedulerBackend()` returns agenda's `AgendaBackend` on the store's own
 * database (the same instance on every call), whose repository honours agenda's `JobRepository`
 * semantics: a due job is locked by one Agenda instance at a time, across processes, and
 * `unique()` saves converge on one job. The store owns its connection (`ownsConnection: false`).
 *
 * **Wake-ups.** An adapter that can tell early that events may have become claimable implements
 * `watch`; the engine then wakes its dispatcher on every notification. MongoDB's sees other
 * processes' writes as they happen (change streams); SQLite's reports its own commits, before
 * their fsync, so a task can start while the disk syncs. It is a hint only: a missed or extra
 * notification changes nothing but latency, because the engine's in-process wake-ups and its poll
 * still run.
 *
 * **Logs** (issue 8). `logs.append` is idempotent on `(eventId, attempt, seq)`: the first record
 * written for a key wins, and a record whose key lies in an archived chunk (its attempt, `seq`
 * within the chunk's `minSeq..maxSeq`) is ignored, so a resend after archiving never duplicates.
 * `logs.query` filters by event (and attempt), lowest level, time range (`from` inclusive, `to`
 * exclusive) and text (a substring of the message, ASCII case ignored, no wildcards), and pages
 * with `after`: records of one event come in `(attempt, seq)` order, a tenant's records without an
 * event in `(time, eventId, attempt, seq)` order. It reads live records only; the hub's `logs/`
 * room merges archived chunks in. Indexed: `(eventId, attempt, seq)`, `(tenantId, time, ...)`
 * and `time` (for `archivable`).
 *
 * **Log archive.** `logs.archivable` names attempts with live records older than a time, oldest
 * first, across tenants. `logs.archive(chunk, seqs)` records the chunk in the archive index and
 * deletes exactly the live records `seqs` of its attempt, as one unit (an adapter that cannot do
 * both atomically records the chunk first, then deletes: queries de-duplicate by key, so that
 * window shows nothing twice). It is idempotent on `chunk.name`. `logs.chunks` returns the indexed
 * chunks a query may need: of the event (and attempt) when given, overlapping the time range, with
 * a level at or above `minLevel`, in the query's order by their first record; `text` and `after`
 * may be ignored. Log records are never updated; only `archive` deletes them.
 */
import type {
  ActionDefinition,
  DefinitionKind,
  EventError,
  EventPage,
  EventQuery,
  EventRecord,
  EventSource,
  EventState,
  EventTypeDefinition,
  Json,
  JsonObject,
  LogLevel,
  LogRecord,
  Outcome,
  AuditRecord,
  AuditTarget,
  Role,
  ScheduleDefinition,
  SecretMetadata,
  SourceDefinition,
  SinkRecord,
  SinkStatus,
  SinkTypeDefinition,
  Tenant,
  TraceContext,
  User,
} from '@nexomatic/core';
import type { AgendaBackend } from 'agenda';

/** An event to insert. */
export interface NewEvent {
  id: string;
  tenantId: string;
  eventType: string;
  sinkType: string;
  module: string;
  payload: JsonObject;
  priority: number;
  maxAttempts: number;
  pinnedSinkId: string | null;
  source: EventSource;
  parentEventId: string | null;
  rootEventId: string;
  chainDepth: number;
  idempotencyKey: string | null;
  /** Until when `idempotencyKey` returns this event; null with no key. */
  idempotencyUntil: Date | null;
  /** Not claimable before this time; null for at once. */
  notBefore: Date | null;
  /** Longest one attempt may run. */
  timeoutMs: number;
  /** The finished event this one re-runs. */
  rerunOf: string | null;
  /** The W3C trace context of the span that created it; stored and returned on the record as is. Absent or null: none. */
  traceContext?: TraceContext | null;
  createdAt: Date;
  /**
   * Born finished: an event created as `ERROR` (for example a follow-on past the maximum chain
   * depth) is stored for the audit trail and never dispatched.
   */
  failed?: EventError;
}

/** Result of inserting one event. */
export interface InsertResult {
  id: string;
  /** False when an event with the same idempotency key existed; `id` is then that event's. */
  created: boolean;
}

/** What a sink with free slots asks for. */
export interface ClaimRequest {
  sinkId: string;
  sinkType: string;
  /** Only events of this tenant; null for a sink that serves every tenant. */
  tenantId: string | null;
  /** Only events whose module is one of these; empty for any module. */
  modules: readonly string[];
  /** Only events of this Event Type. */
  eventType?: string;
  limit: number;
  now: Date;
  leaseExpiresAt: Date;
}

/** The outcome of one task attempt, with the follow-on events to create in the same commit. */
export interface Completion {
  eventId: string;
  attempt: number;
  outcome: Outcome;
  result: Json | null;
  error: EventError | null;
  warnings: string[];
  finishedAt: Date;
  followOns: NewEvent[];
}

/** The queued and running events of one tenant and Event Type, for one Sink Type. */
export interface QueueGroup {
  tenantId: string;
  eventType: string;
  /** `QUEUED` events, delayed ones (`notBefore` ahead) included. */
  queued: number;
  running: number;
  /** The highest priority among the group's `QUEUED` events. */
  topPriority: number;
}

/** Returns a claimed attempt to the queue. */
export interface Release {
  eventId: string;
  attempt: number;
  /** Not claimable before this time. */
  notBefore: Date | null;
  /**
   * The attempt never reached a sink (a task the hub staged and did not send): the claim is undone,
   * so the next claim is this attempt again (`attempt` goes back by one; `startedAt` back to null
   * for a first attempt). @default false
   */
  unclaim?: boolean;
}

/** The events aggregate. */
export interface EventStore {
  insert(events: readonly NewEvent[]): Promise<InsertResult[]>;
  /** One event; `tenantId` null reads across tenants (hub-internal use only). */
  get(id: string, tenantId: string | null): Promise<EventRecord | null>;
  list(tenantId: string, query: EventQuery): Promise<EventPage>;
  countByState(tenantId: string): Promise<Record<EventState, number>>;
  claim(request: ClaimRequest): Promise<EventRecord[]>;
  /** The `RUNNING` events held by a sink. */
  held(sinkId: string): Promise<EventRecord[]>;
  /** Applies completions; `true` for each one that applied. */
  complete(completions: readonly Completion[]): Promise<boolean[]>;
  /** Returns attempts to `QUEUED`; `true` for each one that applied. */
  release(releases: readonly Release[]): Promise<boolean[]>;
  /** Extends the leases of every `RUNNING` event held by the sink. Returns how many. */
  extendLeases(sinkId: string, leaseExpiresAt: Date): Promise<number>;
  /** `RUNNING` events whose lease ended before `now`, oldest lease first. */
  expiredLeases(now: Date, limit: number): Promise<EventRecord[]>;
  /**
   * The groups with `QUEUED` events for a Sink Type (only one tenant's when `tenantId` is given),
   * read from counters: see "Queue groups".
   */
  queueGroups(sinkType: string, tenantId: string | null): Promise<QueueGroup[]>;
  /** `QUEUED` and `RUNNING` counts of a tenant, or of one of its Event Types, read from counters. */
  depth(tenantId: string, eventType?: string): Promise<{ queued: number; running: number }>;
  /** `RUNNING` events whose attempt deadline (`startedAt + timeoutMs`) passed before `now`, oldest first. */
  overdue(now: Date, limit: number): Promise<EventRecord[]>;
  /**
   * Cancels a `QUEUED` event of the tenant. Returns the event as it is now and whether this call
   * cancelled it (false when it was in another state, which it keeps), or null when absent.
   */
  cancel(tenantId: string, id: string, at: Date): Promise<{ event: EventRecord; cancelled: boolean } | null>;
  /** The queued events of each Sink Type that have waited since before `olderThan` (of one tenant, when given). */
  queuedSinkTypes(olderThan: Date, tenantId?: string | null): Promise<Array<{ sinkType: string; count: number }>>;
}

/** A definition as stored. */
export type DefinitionSpec =
  | EventTypeDefinition
  | ActionDefinition
  | SinkTypeDefinition
  | SourceDefinition
  | ScheduleDefinition;

/** The scope of definitions that belong to no tenant (Sink Types). */
export const PLATFORM_SCOPE = '';

/**
 * The definitions aggregate: Event Types, Actions, Sources and Schedules per tenant, Sink Types for
 * the platform. A Source's `token` is unique across tenants and indexed: `findSource` does not scan.
 */
export interface DefinitionStore {
  /** Creates or replaces a definition; says what happened. */
  upsert(scope: string, kind: DefinitionKind, spec: DefinitionSpec, at: Date): Promise<'created' | 'updated' | 'unchanged'>;
  get(scope: string, kind: 'eventType', name: string): Promise<EventTypeDefinition | null>;
  get(scope: string, kind: 'action', name: string): Promise<ActionDefinition | null>;
  get(scope: string, kind: 'sinkType', name: string): Promise<SinkTypeDefinition | null>;
  get(scope: string, kind: 'source', name: string): Promise<SourceDefinition | null>;
  get(scope: string, kind: 'schedule', name: string): Promise<ScheduleDefinition | null>;
  /** Every definition of a kind in a scope, by name. */
  list(scope: string, kind: DefinitionKind): Promise<DefinitionSpec[]>;
  /** Removes one definition; false when absent. Only an explicit prune removes definitions. */
  remove(scope: string, kind: DefinitionKind, name: string): Promise<boolean>;
  /** The Source whose URL token is `token`, with the tenant it belongs to; null when none. */
  findSource(token: string): Promise<{ tenantId: string; source: SourceDefinition } | null>;
}

/** The sinks aggregate: every sink that ever connected, with its last known status. */
export interface SinkStore {
  upsert(sink: SinkRecord): Promise<void>;
  setStatus(id: string, status: SinkStatus, at: Date): Promise<void>;
  touch(id: string, at: Date): Promise<void>;
  get(id: string): Promise<SinkRecord | null>;
  /** Sinks visible to a tenant: pinned to it, or serving every tenant. */
  list(tenantId: string): Promise<SinkRecord[]>;
}

/** A stored credential: a hash, never the value. */
export interface StoredCredential {
  id: string;
  hash: string;
  createdAt: Date;
}

/** A stored API token. */
export interface StoredToken extends StoredCredential {
  tenantId: string;
  role: Role;
  name: string;
  /** The user the token belongs to, if any. */
  userId?: string | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** The identities aggregate: tenants (and their node-auth secret), users, API tokens, Sink Type client secrets. */
export interface IdentityStore {
  createTenant(tenant: Tenant): Promise<void>;
  getTenant(id: string): Promise<Tenant | null>;
  listTenants(): Promise<Tenant[]>;
  /** Replaces a tenant's name and `enforceNodeAuth`; false when absent. */
  updateTenant(tenant: Tenant): Promise<boolean>;
  /** Sets (or, with null, clears) the hash of a tenant's `TENANT_SECRET`. */
  setTenantSecret(tenantId: string, hash: string | null): Promise<void>;
  getTenantSecret(tenantId: string): Promise<string | null>;
  createUser(user: User): Promise<void>;
  getUser(tenantId: string, id: string): Promise<User | null>;
  listUsers(tenantId: string): Promise<User[]>;
  /** Replaces a user's name and role; false when absent. */
  updateUser(user: User): Promise<boolean>;
  deleteUser(tenantId: string, id: string): Promise<boolean>;
  createToken(token: StoredToken): Promise<void>;
  getToken(id: string): Promise<StoredToken | null>;
  /** A tenant's tokens, revoked and expired ones included. */
  listTokens(tenantId: string): Promise<StoredToken[]>;
  revokeToken(id: string, at: Date): Promise<boolean>;
  addClientSecret(sinkType: string, secret: StoredCredential): Promise<void>;
  listClientSecrets(sinkType: string): Promise<StoredCredential[]>;
  removeClientSecret(sinkType: string, id: string): Promise<boolean>;
}

/** Where a log page ended: the key and time of its last record (see "Logs" above). */
export type LogPosition = Pick<LogRecord, 'eventId' | 'attempt' | 'seq' | 'time'>;

/** A log query (see "Logs" above). Every filter is optional but `limit`. */
export interface LogQuery {
  /** Only this event's records, in `(attempt, seq)` order; without it, the tenant's records in `(time, eventId, attempt, seq)` order. */
  eventId?: string;
  /** Only this attempt's records. */
  attempt?: number;
  /** Only records at this level or above (`debug` < `info` < `warning` < `error`). */
  minLevel?: LogLevel;
  /** Only records at or after this time. */
  from?: Date;
  /** Only records before this time. */
  to?: Date;
  /** Only records whose message contains this text, ignoring ASCII case. */
  text?: string;
  /** Only records after this position, in the query's order. */
  after?: LogPosition;
  limit: number;
}

/** One attempt's log records, archived as one blob: a row of the archive index. */
export interface LogChunk {
  tenantId: string;
  eventId: string;
  attempt: number;
  /** The blob's name in the archive, derived from the above and the seq range (deterministic). */
  name: string;
  minSeq: number;
  maxSeq: number;
  /** How many records the blob holds. */
  count: number;
  /** Time of the earliest and latest record in the blob. */
  firstTime: Date;
  lastTime: Date;
  /** The levels present in the blob. */
  levels: LogLevel[];
  /** Size of the compressed blob. */
  bytes: number;
  archivedAt: Date;
}

/** An attempt with live log records (see {@link LogStore.archivable}). */
export interface LogAttempt {
  tenantId: string;
  eventId: string;
  attempt: number;
}

/** The logs aggregate and its archive index; see "Logs" and "Log archive" above. */
export interface LogStore {
  /** Appends records, idempotently on `(eventId, attempt, seq)`, archived keys included. */
  append(tenantId: string, records: readonly LogRecord[]): Promise<void>;
  /** Live records matching the query, in its order, at most `limit`. */
  query(tenantId: string, query: LogQuery): Promise<LogRecord[]>;
  /** Up to `limit` attempts (any tenant) with live records before `before`, oldest record first. */
  archivable(before: Date, limit: number): Promise<LogAttempt[]>;
  /** Records `chunk` in the archive index and deletes the live records `seqs` of its attempt, as one unit. */
  archive(chunk: LogChunk, seqs: readonly number[]): Promise<void>;
  /** The archived chunks `query` may need, in its order by their first record. */
  chunks(tenantId: string, query: LogQuery): Promise<LogChunk[]>;
}

/** A stored secret: ciphertext (AES-256-GCM, see the hub's vault), never the value. */
export interface StoredSecret {
  tenantId: string;
  key: string;
  /** nonce, ciphertext and tag, as the vault encodes them. */
  ciphertext: string;
  /** Which master key encrypted it. */
  keyVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The secrets aggregate: ciphertext per `(tenantId, key)`. No method decrypts. */
export interface SecretStore {
  /** Creates or replaces a secret. */
  put(secret: StoredSecret): Promise<'created' | 'updated'>;
  get(tenantId: string, key: string): Promise<StoredSecret | null>;
  delete(tenantId: string, key: string): Promise<boolean>;
  /** The metadata of a tenant's secrets, by key. */
  list(tenantId: string): Promise<SecretMetadata[]>;
  /** Up to `limit` secrets (any tenant) encrypted with another key version than `keyVersion`, for rotation. */
  notOnVersion(keyVersion: number, limit: number): Promise<StoredSecret[]>;
  /** How many secrets exist (any tenant). */
  count(): Promise<number>;
}

/** An audit query: newest first with a cursor. */
export interface AuditQuery {
  target?: AuditTarget;
  /** Only records at or after this time. */
  from?: Date;
  /** Only records before this time. */
  to?: Date;
  cursor?: string;
  limit: number;
}

/** The audit aggregate: append-only, no update or delete. */
export interface AuditStore {
  append(records: readonly AuditRecord[]): Promise<void>;
  query(tenantId: string, query: AuditQuery): Promise<{ items: AuditRecord[]; nextCursor: string | null }>;
}

/** Everything the hub remembers. */
export interface HubStore {
  readonly events: EventStore;
  readonly definitions: DefinitionStore;
  readonly sinks: SinkStore;
  readonly identities: IdentityStore;
  readonly logs: LogStore;
  readonly secrets: SecretStore;
  readonly audit: AuditStore;
  /** The Agenda backend the scheduler keeps its jobs in, on this store's database. */
  schedulerBackend(): AgendaBackend;
  /**
   * Optional: calls `onQueued` when events may have become claimable in any process (inserted or
   * released `QUEUED`), so the engine wakes its dispatcher before its next poll; see "Wake-ups".
   * Returns a function that stops watching.
   */
  watch?(onQueued: () => void): () => void;
  /** Flushes accepted writes and closes what the adapter owns. */
  close(): Promise<void>;
}
