import { MongoBackend } from '@agendajs/mongo-backend';
import type { AgendaBackend } from 'agenda';
import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import { z } from 'zod';
import { NexomaticError, parse, silentLogger, type Logger } from '@nexomatic/core';
import type { HubStore } from '../port.js';
import { mongoAudit } from './audit.js';
import { MongoConnection, topologyOf, type Topology } from './connection.js';
import { RECOUNT_HINTS, mergeRecounts, recountOps, recountPipeline, type CounterDoc, type RecountRow } from './counters.js';
import { mongoDefinitions } from './definitions.js';
import { mongoEvents } from './events.js';
import { mongoIdentities } from './identities.js';
import { ensureIndexes } from './indexes.js';
import { mongoLogs } from './logs.js';
import { recoverOutbox } from './outbox.js';
import { mongoSecrets } from './secrets.js';
import { mongoSinks } from './sinks.js';
import { QueuedWatcher } from './watch.js';

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;

/** Options of {@link mongoStore}. */
export const MongoStoreOptions = z.strictObject({
  /** Where the store logs. @default silentLogger */
  logger: z
    .custom<Logger>(
      (value) => typeof value === 'object' && value !== null && LOGGER_METHODS.every((m) => typeof (value as Record<string, unknown>)[m] === 'function'),
      { message: 'must be a Logger with debug, info, warn and error methods' },
    )
    .optional(),
  /** Prefix of every collection name, so the store can share a database with the application. @default 'nexomatic_' */
  collectionPrefix: z.string().regex(/^[A-Za-z0-9_]*$/, 'letters, digits and _ only').default('nexomatic_'),
  /**
   * Whether `close()` closes the client. @default true for `{ url }` (the store opened the
   * client), false for `{ db }` (the caller's client)
   */
  ownsConnection: z.boolean().optional(),
  /**
   * Multi-document transactions: on by default on a replica set or sharded cluster (detected with
   * `hello`); `false` forces the standalone path (completion outbox) anywhere. `true` on a
   * standalone server is an error.
   */
  transactions: z.boolean().optional(),
  /** Wake dispatchers through a change stream where the deployment has them. @default true */
  changeStreams: z.boolean().default(true),
  /** Create the indexes at start (see `docs/mongodb.md`). @default true */
  ensureIndexes: z.boolean().default(true),
  /** Standalone only: how often the completion outbox is swept. @default 10000 */
  outboxSweepMs: z.number().int().min(50).default(10_000),
  /** Standalone only: how old an outbox entry must be before the sweep finishes it. @default 30000 */
  outboxGraceMs: z.number().int().min(0).default(30_000),
  /** Recount the queue counters from the events at start. @default true without transactions, else false */
  recountOnStart: z.boolean().optional(),
});
/** Options of {@link mongoStore}. */
export type MongoStoreOptions = z.input<typeof MongoStoreOptions>;

/** Where the store's data lives: a connection string it opens, or a database the caller opened. */
export type MongoStoreConnection =
  | {
      /** A MongoDB connection string; the store opens (and by default closes) its own client. */
      url: string;
      /** The database. @default 'nexomatic' */
      dbName?: string;
      /** Options of the client the store opens. */
      clientOptions?: MongoClientOptions;
    }
  | {
      /** A database of a client the caller opened (and closes, unless `ownsConnection`). */
      db: Db;
      /** The client of `db`. @default db.client */
      client?: MongoClient;
    };

/** A `HubStore` on MongoDB, with what the hub's scheduler and its operators need of it. */
export interface MongoHubStore extends HubStore {
  /** The database the store uses. */
  readonly db: Db;
  /** The deployment the store detected at start. */
  readonly topology: Topology;
  /** True when completions commit with their follow-ons in one transaction. */
  readonly transactions: boolean;
  /** The Agenda backend on the same database (its own `agendaJobs` collection), for the Scheduler; one per store. */
  schedulerBackend(): AgendaBackend;
  /** Calls `onQueued` when events may have become claimable in any process (change streams); see the port. */
  watch(onQueued: () => void): () => void;
}

const internals = new WeakMap<HubStore, MongoConnection>();

/** A `Db` by its shape (a Db of another copy of the driver is one too). */
function isDb(value: unknown): value is Db {
  const db = value as Partial<Db> | null;
  return typeof db === 'object' && db !== null && typeof db.collection === 'function' && typeof db.command === 'function';
}

async function connect(target: MongoStoreConnection): Promise<{ client: MongoClient; db: Db; opened: boolean }> {
  if (typeof target !== 'object' || target === null) throw new NexomaticError('VALIDATION', 'mongo store: give { url } or { db }');
  if ('db' in target) {
    if (!isDb(target.db)) throw new NexomaticError('VALIDATION', 'mongo store: db: must be a mongodb Db', { details: { fields: ['db'] } });
    return { client: target.client ?? target.db.client, db: target.db, opened: false };
  }
  if (typeof target.url !== 'string' || target.url.length === 0) {
    throw new NexomaticError('VALIDATION', 'mongo store: url: must be a MongoDB connection string', { details: { fields: ['url'] } });
  }
  const client = new MongoClient(target.url, target.clientOptions);
  try {
    await client.connect();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw NexomaticError.from(error, 'INTERNAL');
  }
  return { client, db: client.db(target.dbName ?? 'nexomatic'), opened: true };
}

/** Recomputes every queue counter from the events (see `recountPipeline`). */
export async function recountQueues(connection: MongoConnection): Promise<void> {
  const count = (state: keyof typeof RECOUNT_HINTS) =>
    connection.events.aggregate<RecountRow>(recountPipeline(state), { hint: RECOUNT_HINTS[state] }).toArray();
  const counted = mergeRecounts(await count('QUEUED'), await count('RUNNING'));
  const existing = await connection.counters.find({}, { projection: { _id: 1 } }).toArray();
  const ops = recountOps(counted, existing.map((doc: Pick<CounterDoc, '_id'>) => doc._id));
  if (ops.length > 0) await connection.counters.bulkWrite(ops, { ordered: false });
}

/**
 * The production `HubStore` on MongoDB (driver 6 or 7; server 5.0+): connects (or uses the given
 * database), detects the topology with `hello`, creates the indexes, and on a standalone server
 * finishes any completion left in the outbox and recounts the queue counters. Completions commit
 * with their follow-ons in a transaction on a replica set or sharded cluster, else through the
 * outbox; a change stream wakes dispatchers where available.
 *
 * @example
 * ```ts
 * import { mongoStore } from '@nexomatic/hub/mongo';
 * const store = await mongoStore({ url: process.env.MONGODB_URI!, dbName: 'nexomatic' });
 * const hub = await createHub({ store });
 * ```
 */
export async function mongoStore(target: MongoStoreConnection, options: MongoStoreOptions = {}): Promise<MongoHubStore> {
  const resolved = parse(MongoStoreOptions, options, 'mongo store options');
  const logger = resolved.logger ?? silentLogger;
  const { client, db, opened } = await connect(target);
  const ownsClient = resolved.ownsConnection ?? opened;
  let opening: MongoConnection | undefined;
  try {
    const topology = topologyOf(await db.command({ hello: 1 }));
    if (resolved.transactions === true && topology === 'standalone') {
      throw new NexomaticError('VALIDATION', 'mongo store options: transactions: a standalone server has no transactions; run a replica set', {
        details: { fields: ['transactions'] },
      });
    }
    const transactions = resolved.transactions ?? topology !== 'standalone';
    opening = new MongoConnection({ client, db, logger, topology, transactions, prefix: resolved.collectionPrefix, ownsClient });
    if (resolved.ensureIndexes) await ensureIndexes(db, resolved.collectionPrefix);
    if (!transactions) {
      await recoverOutbox(opening, new Date());
      startSweep(opening, resolved.outboxSweepMs, resolved.outboxGraceMs);
    }
    if (resolved.recountOnStart ?? !transactions) await recountQueues(opening);
    logger.debug('mongo store opened', { db: db.databaseName, topology, transactions });
  } catch (error) {
    // Stops what started (the sweep) and closes the client when the store owns it.
    if (opening !== undefined) await opening.close().catch(() => undefined);
    else if (ownsClient) await client.close().catch(() => undefined);
    throw NexomaticError.from(error, 'INTERNAL');
  }
  const connection = opening;
  let backend: MongoBackend | undefined;
  const watcher = resolved.changeStreams && connection.topology !== 'standalone' ? new QueuedWatcher(connection.events, logger) : null;
  if (watcher !== null) connection.onClose(() => watcher.close());
  const store: MongoHubStore = {
    db,
    topology: connection.topology,
    transactions: connection.transactions,
    events: mongoEvents(connection),
    definitions: mongoDefinitions(connection),
    sinks: mongoSinks(connection),
    identities: mongoIdentities(connection),
    logs: mongoLogs(connection),
    secrets: mongoSecrets(connection),
    audit: mongoAudit(connection),
    schedulerBackend: () => (backend ??= new MongoBackend({ mongo: db })),
    watch: (onQueued) => (watcher === null ? () => undefined : watcher.subscribe(onQueued)),
    close: () => connection.close(),
  };
  internals.set(store, connection);
  return store;
}

/** Sweeps the completion outbox every `everyMs`, finishing entries older than `graceMs`. */
function startSweep(connection: MongoConnection, everyMs: number, graceMs: number): void {
  let running = false;
  const timer = setInterval(() => {
    if (running || connection.closed) return;
    running = true;
    connection
      .run(() => recoverOutbox(connection, new Date(Date.now() - graceMs)))
      .catch((error: unknown) => connection.logger.warn('mongo store: outbox sweep failed', { error: String(error) }))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  connection.onClose(() => clearInterval(timer));
}

/** The connection behind a store made by {@link mongoStore}, for the adapter's own tests. Not public API. */
export function mongoInternals(store: HubStore): MongoConnection {
  const connection = internals.get(store);
  if (connection === undefined) throw new TypeError('not a store made by mongoStore()');
  return connection;
}
